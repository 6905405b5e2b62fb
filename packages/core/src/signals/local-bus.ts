import type {
  BusSubscription,
  Signal,
  SignalBus,
  SignalHandler,
  SubscribeOptions,
  SubscriptionStats,
} from '../contracts/signal-bus.js'
import { ValidationError } from '../errors.js'
import { newId } from '../ids.js'
import { compilePattern } from './pattern.js'

export interface LocalSignalBusOptions {
  /** Default queue bound per subscriber (default 1000). */
  queueSize?: number
  /** Called when a handler throws or rejects. Default: a console warning. */
  onHandlerError?: (error: unknown, signal: Signal, subscription: BusSubscription) => void
  /** Called when a full queue drops a signal (the oldest). Default: a console warning per 1000 drops. */
  onOverflow?: (dropped: Signal, subscription: BusSubscription) => void
}

interface Subscriber extends BusSubscription {
  matches: (type: string) => boolean
  roomId: string | undefined
  handler: SignalHandler
  queue: Signal[]
  head: number
  limit: number
  running: boolean
  counters: Omit<SubscriptionStats, 'queued'>
}

/**
 * An in-process `SignalBus`: each subscriber has its own bounded FIFO drained by its own async loop, so
 * a slow or throwing handler only delays itself, and a full queue drops its oldest signal. `Messaging`
 * does not need it (its subscriptions read the signal journal and never drop); it is a building block
 * and a reference for custom buses, which may drop because the runtime fills any gap from the journal.
 */
export function createLocalSignalBus(options: LocalSignalBusOptions = {}): SignalBus {
  const subscribers = new Map<string, Subscriber>()
  const defaultQueue = options.queueSize ?? 1000
  const idle = new Set<() => void>()
  let stopped = false

  const onHandlerError =
    options.onHandlerError ??
    ((error, signal, sub) =>
      console.warn(`[core] signal subscriber ${sub.id} (${sub.pattern}) failed on ${signal.type}:`, error))
  const onOverflow =
    options.onOverflow ??
    ((_signal, sub) => {
      const { dropped } = sub.stats()
      if (dropped === 1 || dropped % 1000 === 0) {
        console.warn(`[core] signal subscriber ${sub.id} (${sub.pattern}) is too slow: ${dropped} signal(s) dropped`)
      }
    })

  // Runs on a later microtask than publish, so handlers never run inside the publishing command.
  async function drain(sub: Subscriber): Promise<void> {
    while (sub.head < sub.queue.length && subscribers.has(sub.id)) {
      const signal = sub.queue[sub.head]!
      sub.queue[sub.head++] = undefined as unknown as Signal
      if (sub.head > 1024 && sub.head * 2 > sub.queue.length) {
        sub.queue = sub.queue.slice(sub.head)
        sub.head = 0
      }
      try {
        await sub.handler(signal)
        sub.counters.delivered++
      } catch (error) {
        sub.counters.failed++
        try {
          onHandlerError(error, signal, sub)
        } catch {
          // a broken error hook must not stop delivery
        }
      }
    }
    sub.running = false
    if (!anyRunning()) for (const resolve of idle) resolve()
  }

  const anyRunning = () => [...subscribers.values()].some((s) => s.running)

  function enqueue(sub: Subscriber, signal: Signal): void {
    if (sub.queue.length - sub.head >= sub.limit) {
      const droppedSignal = sub.queue[sub.head]!
      sub.queue[sub.head++] = undefined as unknown as Signal
      sub.counters.dropped++
      onOverflow(droppedSignal, sub)
    }
    sub.queue.push(signal)
    if (!sub.running) {
      sub.running = true
      queueMicrotask(() => void drain(sub))
    }
  }

  function publishNow(signals: readonly Signal[]): void {
    if (stopped) return
    for (const sub of subscribers.values()) {
      for (const signal of signals) {
        if (sub.roomId !== undefined && signal.subject !== sub.roomId) continue
        if (sub.matches(signal.type)) enqueue(sub, signal)
      }
    }
  }

  async function publish(signals: readonly Signal[]): Promise<void> {
    publishNow(signals)
  }

  const bus: SignalBus = {
    publish,

    subscribe(pattern, handler, subscribeOptions: SubscribeOptions = {}) {
      if (typeof handler !== 'function') {
        throw new ValidationError('subscribe needs a handler function', [{ path: 'handler', message: 'not a function' }])
      }
      const limit = subscribeOptions.queueSize ?? defaultQueue
      if (!Number.isInteger(limit) || limit < 1) {
        throw new ValidationError('queueSize must be a positive integer', [{ path: 'queueSize', message: String(limit) }])
      }
      const sub: Subscriber = {
        id: newId('subscription'),
        pattern,
        matches: compilePattern(pattern),
        roomId: subscribeOptions.roomId,
        handler,
        queue: [],
        head: 0,
        limit,
        running: false,
        counters: { delivered: 0, failed: 0, dropped: 0 },
        stats() {
          return { ...sub.counters, queued: sub.queue.length - sub.head }
        },
      }
      subscribers.set(sub.id, sub)
      return sub
    },

    unsubscribe(id) {
      return subscribers.delete(id)
    },

    async start() {
      stopped = false
    },

    async stop({ drainMs = 5000 } = {}) {
      stopped = true
      if (anyRunning()) {
        let resolveIdle!: () => void
        const drained = new Promise<void>((r) => (resolveIdle = r))
        idle.add(resolveIdle)
        let timer: NodeJS.Timeout | undefined
        await Promise.race([drained, new Promise<void>((r) => (timer = setTimeout(r, drainMs)))])
        clearTimeout(timer)
        idle.delete(resolveIdle)
      }
      subscribers.clear()
    },
  }
  return bus
}
