import type { Signal, SignalBus, SubscribeOptions } from '../contracts/signal-bus.js'

/** Adapts a bus subscription to an async iterator; `return()` (leaving a for-await loop) unsubscribes. */
export function signalStream(bus: SignalBus, pattern: string, options?: SubscribeOptions): AsyncIterableIterator<Signal> {
  const buffered: Signal[] = []
  const waiting: Array<(r: IteratorResult<Signal>) => void> = []
  let done = false
  const sub = bus.subscribe(pattern, (signal) => {
    const next = waiting.shift()
    if (next) next({ value: signal, done: false })
    else buffered.push(signal)
  }, options)

  const finish = (): IteratorResult<Signal> => {
    if (!done) {
      done = true
      bus.unsubscribe(sub.id)
      for (const w of waiting.splice(0)) w({ value: undefined, done: true })
    }
    return { value: undefined, done: true }
  }

  return {
    next() {
      const value = buffered.shift()
      if (value) return Promise.resolve({ value, done: false })
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
