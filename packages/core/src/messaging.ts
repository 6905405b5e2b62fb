import type { BusSubscription, Signal, SignalBus, SignalHandler, SubscribeOptions } from './contracts/signal-bus.js'
import type { MessagingStore } from './contracts/store.js'
import { MessagingError, StoreUnavailableError, ValidationError } from './errors.js'
import { configApi } from './api/config.js'
import type { Context } from './api/context.js'
import { eventsApi } from './api/events.js'
import { messagesApi } from './api/messages.js'
import { participantsApi } from './api/participants.js'
import { roomsApi } from './api/rooms.js'
import { threadsApi } from './api/threads.js'
import { createSignalFactory } from './signals/factory.js'
import { createLocalSignalBus } from './signals/local-bus.js'
import { signalStream } from './signals/stream.js'
import { RoomSequencer } from './signals/sequencer.js'

export interface MessagingOptions {
  /** Where everything is persisted, e.g. `createMemoryStore()` or `createSqliteStore({ filename })`. */
  store: MessagingStore
  /** Names this instance in signal sources: `/jido/messaging/<instanceId>` (default `default`). */
  instanceId?: string
  /** Replaces the in-process signal bus (e.g. a Redis bus for several processes). */
  bus?: SignalBus
  /** Bound of each subscriber's queue on the default bus (default 1000). */
  subscriberQueueSize?: number
}

type State = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped'

const DEFAULT_PATTERN = 'jido.messaging.**'

/**
 * Creates an isolated messaging instance over a store. Call `start()` before use (it connects and
 * migrates the store) and `stop()` at the end (it drains in-flight commands and closes the store).
 */
export function createMessaging(options: MessagingOptions) {
  if (!options || typeof options.store !== 'object' || options.store === null) {
    throw new ValidationError('createMessaging needs a store', [{ path: 'store', message: 'required' }])
  }
  const instanceId = options.instanceId ?? 'default'
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(instanceId)) {
    throw new ValidationError('instanceId must be 1-100 characters of A-Z, a-z, 0-9, ., _ or -', [{ path: 'instanceId', message: instanceId }])
  }
  const bus = options.bus ?? createLocalSignalBus(options.subscriberQueueSize === undefined ? {} : { queueSize: options.subscriberQueueSize })
  const ctx: Context = {
    instanceId,
    store: options.store,
    bus,
    makeSignal: createSignalFactory(instanceId),
    sequencer: new RoomSequencer(),
  }

  let state: State = 'idle'
  let starting: Promise<void> | undefined
  let stopping: Promise<void> | undefined
  const inFlight = new Set<Promise<unknown>>()

  /** Wraps every API call: refuses work after stop and tracks in-flight calls for a draining stop. */
  function guard<T extends Record<string, (...args: never[]) => Promise<unknown>>>(api: T): T {
    const out = {} as Record<string, unknown>
    for (const [name, fn] of Object.entries(api)) {
      out[name] = (...args: never[]) => {
        if (state === 'stopping' || state === 'stopped') {
          return Promise.reject(new StoreUnavailableError(`[core] messaging instance '${instanceId}' is stopped; ${name} refused`))
        }
        let p: Promise<unknown>
        try {
          p = fn(...args)
        } catch (error) {
          return Promise.reject(error) // argument errors reject like every other failure
        }
        inFlight.add(p)
        const forget = () => inFlight.delete(p)
        p.then(forget, forget)
        return p
      }
    }
    return out as T
  }

  const api = guard({
    ...roomsApi(ctx),
    ...participantsApi(ctx),
    ...messagesApi(ctx),
    ...threadsApi(ctx),
    ...eventsApi(ctx),
    ...configApi(ctx),
  })

  return {
    ...api,
    instanceId,

    /** Connects (and migrates) the store and starts the bus. Idempotent. */
    async start(): Promise<void> {
      if (state === 'running') return
      if (state === 'stopping' || state === 'stopped') throw new StoreUnavailableError(`[core] messaging instance '${instanceId}' was stopped; create a new one`)
      starting ??= (async () => {
        state = 'starting'
        try {
          await ctx.store.start?.()
          await bus.start?.()
          state = 'running'
        } catch (error) {
          state = 'idle'
          starting = undefined
          if (error instanceof MessagingError) throw error
          throw new StoreUnavailableError(`[core] ${ctx.store.name} failed to start: ${(error as Error)?.message ?? error}`, error)
        }
      })()
      return starting
    },

    /** Refuses new calls, waits for in-flight ones, drains signal queues, then closes the store. Idempotent. */
    async stop(): Promise<void> {
      stopping ??= (async () => {
        state = 'stopping'
        await Promise.allSettled([...inFlight])
        await bus.stop?.()
        await ctx.store.stop?.()
        state = 'stopped'
      })()
      return stopping
    },

    /** Calls `handler` with each committed signal whose type matches `pattern` (`*` one segment, `**` any). */
    subscribe(pattern: string | SignalHandler, handler?: SignalHandler | SubscribeOptions, opts?: SubscribeOptions): BusSubscription {
      if (typeof pattern === 'function') return bus.subscribe(DEFAULT_PATTERN, pattern, handler as SubscribeOptions | undefined)
      return bus.subscribe(pattern, handler as SignalHandler, opts)
    },

    /** Stops a subscription; resolves whether it existed. */
    unsubscribe(id: string): boolean {
      return bus.unsubscribe(id)
    },

    /** Matching signals as an async iterator; leaving the loop unsubscribes. */
    signals(pattern: string = DEFAULT_PATTERN, opts?: SubscribeOptions): AsyncIterableIterator<Signal> {
      return signalStream(bus, pattern, opts)
    },
  }
}

export type Messaging = ReturnType<typeof createMessaging>
