import type { Signal, SignalBus, SignalHandler, SubscribeOptions } from './contracts/signal-bus.js'
import type { MessagingStore } from './contracts/store.js'
import { MessagingError, StoreUnavailableError, ValidationError } from './errors.js'
import { configApi } from './api/config.js'
import type { Context } from './api/context.js'
import { eventsApi } from './api/events.js'
import { messagesApi } from './api/messages.js'
import { OutboundChanges } from './outbound/changes.js'
import { participantsApi } from './api/participants.js'
import { roomsApi } from './api/rooms.js'
import { threadsApi } from './api/threads.js'
import { createSignalFactory } from './signals/factory.js'
import { signalStream } from './signals/stream.js'
import { SignalFeed, type FeedSubscription, type SignalFeedOptions } from './signals/feed.js'
import { signalsApi } from './api/signals.js'
import { agentsApi, type AgentsOptions } from './api/agents.js'
import { topologyApi } from './api/topology.js'
import { directoryApi } from './api/directory.js'
import { onboardingApi, type OnboardingWorker } from './api/onboarding.js'
import { AdapterRegistry, envSecretResolver, type SecretResolver } from './bridge/registry.js'
import { BridgeWorkers, type BridgeStatus, type BridgeWorkerOptions } from './bridge/workers.js'
import { ingressApi } from './bridge/ingress.js'
import type { PlatformAdapter } from './contracts/platform-adapter.js'
import type { OutboxDelivery, OutboxStats, RuntimeStore } from './contracts/runtime-store.js'
import type { JournalHead, SubscriptionCheckpoint } from './contracts/journal.js'
import { createIngestPipeline } from './ingest/pipeline.js'
import type { IngestOptions } from './ingest/types.js'
import { webhookApi } from './ingest/webhooks.js'
import { deadLettersApi } from './outbound/dead-letters.js'
import { outboundApi } from './outbound/router.js'
import { DeliveryWorker } from './outbound/worker.js'
import { requireId } from './validate.js'
import { ReadCache } from './bridge/read-cache.js'
import { leasingOf, type LeaseOptions } from './leases.js'

export interface MessagingOptions {
  /** Where everything is persisted, e.g. `createMemoryStore()` or `createSqliteStore({ filename })`. */
  store: MessagingStore
  /** Names this instance in signal sources: `/jido/messaging/<instanceId>` (default `default`). */
  instanceId?: string
  /**
   * A live signal transport shared with other processes (e.g. a Redis bus). Optional: subscriptions are
   * fed from the store's signal journal, and the bus only brings other processes' signals sooner.
   */
  bus?: SignalBus
  /** @deprecated Ignored: subscriptions no longer have a dropping queue (see `journal`). */
  subscriberQueueSize?: number
  /** The signal journal: retention and how subscriptions read it. */
  journal?: JournalOptions
  /** Agents in rooms: `maxAgentTurns` (default 3) bounds consecutive agent-to-agent turns per room. */
  agents?: AgentsOptions
  /** Platform adapters, registered by name; bridge configs name the adapter they use. */
  adapters?: PlatformAdapter[]
  /** Resolves credential references such as `env:TELEGRAM_BOT_TOKEN` at use (default: `env:` from process.env). */
  secrets?: SecretResolver
  /** Ingest pipeline options: dedupe window, body limit, media policy, gating and moderation hooks. */
  ingest?: IngestOptions
  /** Outbound delivery worker options. */
  delivery?: {
    /** Lease owner id (default the instanceId); give each process of a scaled-out deployment its own. */
    workerId?: string
    pollMs?: number
    concurrency?: number
    leaseMs?: number
  }
  /** Listener supervision options. */
  bridgeWorkers?: BridgeWorkerOptions
  /**
   * Work that must run once across the processes sharing a store (listeners, agent runners) runs only
   * where its lease is held, fenced by the lease's generation. On by default when the store has leases
   * (store-memory, store-sqlite and store-postgres do); a single process holds every lease.
   */
  leases?: LeaseOptions
  /**
   * How long the ingest and delivery hot paths may reuse bridge configs, routing policies, bindings and
   * senders they read (default 1000 ms; 0 turns it off). Writes through this instance clear it at once;
   * another process's changes are seen within this time.
   */
  cacheTtlMs?: number
  /** Where background failures are reported (default console.warn). */
  onError?: (error: unknown, where: string) => void
}

export interface JournalOptions extends SignalFeedOptions {
  /** Entries older than this are pruned (default 7 days). */
  retentionMs?: number
  /** How often pruning runs (default hourly; 0: only when `pruneSignals` is called). */
  pruneIntervalMs?: number
}

const DAY_MS = 86_400_000
const JOURNAL_METHODS = ['appendSignals', 'readJournal', 'journalHead', 'pruneJournal', 'getSubscriptionCheckpoint', 'saveSubscriptionCheckpoint'] as const

const RUNTIME_METHODS = ['commitMessage', 'claimDeliveries', 'saveDelivery', 'deadLetterDelivery', 'listDeadLetters'] as const

/** Whether a store also implements the bridge runtime part (outbox, dead letters, ingress subscriptions). */
export function isRuntimeStore(store: MessagingStore): store is MessagingStore & RuntimeStore {
  return RUNTIME_METHODS.every((m) => typeof (store as unknown as Record<string, unknown>)[m] === 'function')
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
  const missing = JOURNAL_METHODS.filter((m) => typeof (options.store as unknown as Record<string, unknown>)[m] !== 'function')
  if (missing.length > 0) {
    throw new MessagingError(`[core] ${options.store.name ?? 'the store'} has no signal journal (missing ${missing.join(', ')}); every store must implement JournalStore`, { code: 'UNSUPPORTED' })
  }
  const instanceId = options.instanceId ?? 'default'
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(instanceId)) {
    throw new ValidationError('instanceId must be 1-100 characters of A-Z, a-z, 0-9, ., _ or -', [{ path: 'instanceId', message: instanceId }])
  }
  // Errors are reported without credentials: the registry (below) knows every one it resolved.
  const onError = (error: unknown, where: string) => registry.report(error, where, options.onError)
  const { retentionMs = 7 * DAY_MS, pruneIntervalMs = 3_600_000, ...feedOptions } = options.journal ?? {}
  for (const [key, value] of [['retentionMs', retentionMs], ['pruneIntervalMs', pruneIntervalMs]] as const) {
    if (!Number.isInteger(value) || value < (key === 'retentionMs' ? 1 : 0)) {
      throw new ValidationError(`journal.${key} must be a ${key === 'retentionMs' ? 'positive' : 'non-negative'} integer`, [{ path: `journal.${key}`, message: String(value) }])
    }
  }
  const feed = new SignalFeed(options.store, options.bus, instanceId, onError, feedOptions)
  const ctx: Context = {
    instanceId,
    store: options.store,
    feed,
    makeSignal: createSignalFactory(instanceId),
  }
  const signalApi = signalsApi(ctx, retentionMs)
  let pruneTimer: NodeJS.Timeout | undefined
  const prune = () => void signalApi.pruneSignals().catch((error: unknown) => onError(error, 'signal journal pruning'))
  const registry = new AdapterRegistry(options.adapters ?? [], options.secrets ?? envSecretResolver)
  const runtimeStore = isRuntimeStore(options.store) ? options.store : undefined
  const fullStore = (runtimeStore ?? options.store) as MessagingStore & RuntimeStore
  const cache = new ReadCache(options.store, options.cacheTtlMs ?? 1000)
  let kick = () => {}
  const settledListeners = new Set<(delivery: OutboxDelivery) => void>()
  const outbound = outboundApi(ctx, fullStore, registry, () => kick(), cache)
  const worker = runtimeStore
    ? new DeliveryWorker(runtimeStore, registry, {
      workerId: options.delivery?.workerId ?? instanceId,
      configOf: (id) => cache.bridgeConfig(id),
      ...(options.delivery?.pollMs === undefined ? {} : { pollMs: options.delivery.pollMs }),
      ...(options.delivery?.concurrency === undefined ? {} : { concurrency: options.delivery.concurrency }),
      ...(options.delivery?.leaseMs === undefined ? {} : { leaseMs: options.delivery.leaseMs }),
      onSettled: async (d) => {
        for (const listener of settledListeners) {
          try {
            listener(d)
          } catch (error) {
            onError(error, 'delivery settled listener')
          }
        }
        bridges.touch(d.bridgeId, 'lastOutboundAt')
        await outbound.onSettled(d)
      },
      onError: (e) => onError(e, 'delivery worker'),
    })
    : undefined
  kick = () => worker?.kick()
  if (runtimeStore) ctx.outbound = outbound.hooks
  // Edits, deletes, reactions and typing to the platforms (SPEC 8.1).
  const changes = runtimeStore
    ? new OutboundChanges(ctx, fullStore, registry, cache, (draft) => outbound.hooks.liveRoutes(draft), () => kick(), onError)
    : undefined
  const events = eventsApi(ctx)
  const pipeline = createIngestPipeline(ctx, fullStore, registry, options.ingest ?? {}, () => kick(), cache)
  const leasing = leasingOf(options.store, options.leases, instanceId, onError)
  const bridges = new BridgeWorkers(ctx, options.store, registry, (config, adapter, event, fence) => pipeline.ingest(config, adapter, event, undefined, fence),
    options.bridgeWorkers, onError, leasing)
  const reconcile = () => {
    cache.clear()
    void bridges.reconcile().catch((e) => onError(e, 'bridge reconcile'))
  }
  /** Runs a write that may change what the hot-path cache holds, then clears it. */
  const clearing = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    try {
      return await fn(...args)
    } finally {
      cache.clear()
    }
  }
  const rooms = roomsApi(ctx)
  const onboarding = onboardingApi(ctx)
  const { postWithPreviews, ...messageApi } = messagesApi(ctx)
  const agents = agentsApi(ctx, postWithPreviews, options.agents ?? {}, onError, leasing)
  const webhooks = webhookApi((id) => cache.bridgeConfig(id), registry, {
    ingest: (config, adapter, event, causationId) => {
      bridges.known(config)
      bridges.touch(config.id, 'lastIngressAt')
      return pipeline.ingest(config, adapter, event, causationId)
    },
  }, options.ingest?.maxBodyBytes ?? 1024 * 1024)

  /** Bridge runtime calls need a store with an outbox; say so plainly instead of failing somewhere deep. */
  function needsRuntime<T extends Record<string, (...args: never[]) => Promise<unknown>>>(api: T): T {
    if (runtimeStore) return api
    const out = {} as Record<string, unknown>
    for (const name of Object.keys(api)) {
      out[name] = () => Promise.reject(new MessagingError(`[core] ${name} needs a store with the bridge runtime (outbox, dead letters); ${options.store.name} has none`, { code: 'UNSUPPORTED' }))
    }
    return out as T
  }

  const config = configApi(ctx)

  /** Read-only counts for monitoring; a store without them answers UNSUPPORTED rather than a crash. */
  const unsupported = (what: string) => new MessagingError(`[core] ${options.store.name} cannot ${what}`, { code: 'UNSUPPORTED' })
  const outboxStats = async (): Promise<OutboxStats> => {
    if (typeof fullStore.outboxStats !== 'function') throw unsupported('count its outbox (it has no outboxStats)')
    return fullStore.outboxStats()
  }
  const monitoring = {
    /** Unfinished deliveries (pending, sending, retrying) and dead letters, by bridge and status. */
    outboxStats,
    /** How many deliveries are still to be sent: pending, retrying, and sending (in flight). */
    async outboxDepth(): Promise<number> {
      let depth = 0
      for (const d of (await outboxStats()).deliveries) depth += d.count
      return depth
    },
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
    ...rooms,
    deleteRoom: clearing(rooms.deleteRoom),
    saveRoomRecord: clearing(rooms.saveRoomRecord),
    createRoomBinding: clearing(rooms.createRoomBinding),
    deleteRoomBinding: clearing(rooms.deleteRoomBinding),
    ...participantsApi(ctx),
    ...messageApi,
    ...agents.api,
    ...threadsApi(ctx),
    ...directoryApi(ctx),
    ...onboarding.api,
    ...events,
    readSignals: signalApi.readSignals,
    pruneSignals: signalApi.pruneSignals,
    ...config,
    putRoutingPolicy: clearing(config.putRoutingPolicy),
    deleteRoutingPolicy: clearing(config.deleteRoutingPolicy),
    async putBridgeConfig(attrs: Parameters<typeof config.putBridgeConfig>[0]) {
      const saved = await config.putBridgeConfig(attrs)
      reconcile()
      return saved
    },
    async deleteBridgeConfig(id: string) {
      const deleted = await config.deleteBridgeConfig(id)
      reconcile()
      return deleted
    },
    ensureBridgeRoom: clearing(topologyApi(ctx, registry, reconcile).ensureBridgeRoom),
    ...needsRuntime(outbound.api),
    ...needsRuntime(webhooks),
    ...needsRuntime(deadLettersApi(fullStore, () => kick())),
    ...needsRuntime(ingressApi(fullStore, registry)),
    ...needsRuntime(monitoring),
    /** The store's journal head: its last committed position and the pruned range (also other processes' commits). */
    async journalHead(): Promise<JournalHead> {
      return ctx.store.journalHead()
    },
    /** Every durable subscription's stored checkpoint, by name (agents', `jido:outbound-changes`, yours). */
    async subscriptionCheckpoints(): Promise<SubscriptionCheckpoint[]> {
      if (typeof ctx.store.listSubscriptionCheckpoints !== 'function') throw unsupported('list subscription checkpoints (it has no listSubscriptionCheckpoints)')
      return ctx.store.listSubscriptionCheckpoints()
    },
    async bridgeStatus(bridgeId: string): Promise<BridgeStatus | null> {
      requireId(bridgeId, 'bridgeId')
      if (!bridges.status(bridgeId)) {
        const stored = await ctx.store.getBridgeConfig(bridgeId)
        if (!stored) return null
        bridges.known(stored)
      }
      await bridges.readLeaseHolders()
      return bridges.status(bridgeId)
    },
    async listBridgeStatuses(): Promise<BridgeStatus[]> {
      for (const c of await ctx.store.listBridgeConfigs()) bridges.known(c)
      await bridges.readLeaseHolders()
      return bridges.list()
    },
    async listRunningBridgeWorkers(): Promise<BridgeStatus[]> {
      return bridges.running()
    },
  })

  return {
    ...api,
    instanceId,
    /** This process's name among lease holders (`leases.holderId`), or undefined with leases off. */
    leaseHolderId: leasing?.holder,
    /**
     * One onboarding flow's calls (`advance`, `cancel`, `complete`, `get`), run one at a time in call
     * order within this instance; each goes through the API as its own call (see OnboardingWorker).
     */
    onboardingWorker(onboardingId: string): OnboardingWorker {
      return onboarding.worker(onboardingId, { advance: api.advanceOnboarding, get: api.getOnboarding })
    },
    /** Registered adapter names. */
    adapterNames: () => registry.names(),

    /** Connects (and migrates) the store and starts the bus. Idempotent. */
    async start(): Promise<void> {
      if (state === 'running') return
      if (state === 'stopping' || state === 'stopped') throw new StoreUnavailableError(`[core] messaging instance '${instanceId}' was stopped; create a new one`)
      starting ??= (async () => {
        state = 'starting'
        try {
          await ctx.store.start?.()
          await feed.start()
          await changes?.start()
          if (pruneIntervalMs > 0) {
            prune()
            pruneTimer = setInterval(prune, pruneIntervalMs)
            pruneTimer.unref()
          }
          worker?.start()
          await bridges.start()
          await agents.start()
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

    /**
     * Refuses new calls, waits for in-flight ones, stops listeners and delivery, lets subscribers handle
     * what was committed (up to `drainMs`, default 5000; durable ones resume later from their stored
     * checkpoint), then closes the store. Idempotent.
     */
    async stop(stopOptions: { drainMs?: number } = {}): Promise<void> {
      stopping ??= (async () => {
        state = 'stopping'
        await Promise.allSettled([...inFlight])
        await agents.stop(stopOptions.drainMs)
        await bridges.stop()
        await worker?.stop()
        clearInterval(pruneTimer)
        await feed.stop(stopOptions.drainMs === undefined ? {} : { drainMs: stopOptions.drainMs })
        changes?.stop()
        await ctx.store.stop?.()
        state = 'stopped'
      })()
      return stopping
    },

    /**
     * Calls `handler` with each committed signal whose type matches `pattern` (`*` one segment, `**`
     * any), in journal order, one at a time, none skipped: a handler slower than the publishers falls
     * behind and is fed from the journal. `from` picks the start (`'now'` default, `'start'`, a position);
     * `name` makes it durable (its checkpoint is stored; a later subscription with that name resumes
     * after it, at least once). Typing signals are live-only and best-effort.
     */
    subscribe(pattern: string | SignalHandler, handler?: SignalHandler | SubscribeOptions, opts?: SubscribeOptions): FeedSubscription {
      if (state === 'stopping' || state === 'stopped') throw new StoreUnavailableError(`[core] messaging instance '${instanceId}' is stopped; subscribe refused`)
      if (typeof pattern === 'function') return feed.subscribe(DEFAULT_PATTERN, pattern, handler as SubscribeOptions | undefined)
      return feed.subscribe(pattern, handler as SignalHandler, opts)
    },

    /** Stops a subscription (a durable one's checkpoint is kept); resolves whether it existed. */
    unsubscribe(id: string): boolean {
      return feed.unsubscribe(id)
    },

    /** Matching signals as an async iterator (same options as subscribe); leaving the loop unsubscribes. */
    signals(pattern: string = DEFAULT_PATTERN, opts?: SubscribeOptions): AsyncIterableIterator<Signal> {
      return signalStream(feed, pattern, opts)
    },

    /**
     * Calls `listener` after each delivery attempt of this instance's worker settles (sent, retrying,
     * failed, dead_lettered), synchronously and without waiting for it: counters and metrics. Returns
     * a function that removes the listener.
     */
    onDeliverySettled(listener: (delivery: OutboxDelivery) => void): () => void {
      settledListeners.add(listener)
      return () => void settledListeners.delete(listener)
    },

    /** The last journal position this instance has seen committed (0 before any). */
    signalPosition(): number {
      return feed.headPosition
    },
  }
}

export type Messaging = ReturnType<typeof createMessaging>
