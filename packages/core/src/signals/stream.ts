import type { Signal, SubscribeOptions } from '../contracts/signal-bus.js'
import type { SignalFeed } from './feed.js'

/**
 * Adapts a subscription to an async iterator; `return()` (leaving a for-await loop) unsubscribes. The
 * subscription waits for the consumer (its handler resolves when the signal is taken), so a slow loop
 * falls behind in the journal instead of piling signals up in memory.
 */
export function signalStream(feed: SignalFeed, pattern: string, options?: SubscribeOptions): AsyncIterableIterator<Signal> {
  let offered: { signal: Signal; taken: () => void } | undefined
  const waiting: Array<(r: IteratorResult<Signal>) => void> = []
  let done = false
  const sub = feed.subscribe(pattern, (signal) => {
    const next = waiting.shift()
    if (next) {
      next({ value: signal, done: false })
      return
    }
    return new Promise<void>((taken) => (offered = { signal, taken }))
  }, options)

  const finish = (): IteratorResult<Signal> => {
    if (!done) {
      done = true
      feed.unsubscribe(sub.id)
      offered?.taken()
      offered = undefined
      for (const w of waiting.splice(0)) w({ value: undefined, done: true })
    }
    return { value: undefined, done: true }
  }

  return {
    next() {
      if (offered) {
        const { signal, taken } = offered
        offered = undefined
        taken()
        return Promise.resolve({ value: signal, done: false })
      }
      if (done) return Promise.resolve({ value: undefined, done: true })
      return new Promise((resolve) => waiting.push(resolve))
    },
    return() {
      return Promise.resolve(finish())
    },
    [Symbol.asyncIterator]() {
      return this
    },
  }
}
