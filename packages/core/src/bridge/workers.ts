import type { Context } from '../api/context.js'
import { appendAndEmit, signalContext } from '../api/context.js'
import type { LeaseFence } from '../contracts/leases.js'
import type { InboundEvent, ListenerHandle, PlatformAdapter } from '../contracts/platform-adapter.js'
import type { MessagingStore } from '../contracts/store.js'
import { nowIso } from '../ids.js'
import type { BridgeConfig } from '../model.js'
import { backoffMs } from '../outbound/rate-limit.js'
import { SignalTypes } from '../signals/types.js'
import { errorReporter } from '../redact.js'
import type { LeaseKeeper, Leasing } from '../leases.js'
import type { AdapterRegistry } from './registry.js'

/** `standby`: another process holds the bridge's lease and runs its listener (this one takes over if that one goes). */
export type BridgeState = 'starting' | 'running' | 'backoff' | 'standby' | 'stopped' | 'failed'

export interface BridgeStatus {
  bridgeId: string
  adapter: string
  enabled: boolean
  revision: number
  state: BridgeState
  listenerCount: number
  lastIngressAt: string | null
  lastOutboundAt: string | null
  lastError: string | null
  restarts: number
  /** Who holds the bridge's lease (`bridge:<bridgeId>`) and so runs its listener: this process or another; null when none does or leases are off. */
  leaseHolder: string | null
}

export interface BridgeWorkerOptions {
  /** How often configs are re-read to pick up changes made elsewhere (default 5000 ms). */
  reconcileMs?: number
  /** Backoff between listener restarts (defaults 500 ms doubling to 30 s). */
  restartBaseMs?: number
  restartMaxMs?: number
  /** Listener failures in a row after which the worker gives up (state failed) until the config changes (default 20). */
  maxRestarts?: number
}

interface Worker {
  config: BridgeConfig
  status: BridgeStatus
  handle: ListenerHandle | undefined
  /** The current listener term's; a new one per lease term. */
  abort: AbortController
  timer: NodeJS.Timeout | undefined
  failures: number
  /** With leases: the bridge's lease keeper; the listener runs only while it holds the lease. */
  keeper: LeaseKeeper | undefined
  /** The listener being stopped after the lease was lost. */
  standingDown: Promise<void> | undefined
}

/** Whether a bridge should run a listener: its adapter has one and its ingress mode is not plain webhooks. */
function wantsListener(config: BridgeConfig, adapter: PlatformAdapter | undefined): adapter is PlatformAdapter & Required<Pick<PlatformAdapter, 'startListener'>> {
  if (!config.enabled || !adapter?.startListener || !adapter.capabilities.listener) return false
  const mode = (config.options['ingress'] as { mode?: string } | undefined)?.mode ?? adapter.defaultIngressMode ?? 'webhook'
  return mode !== 'webhook' && mode !== 'interactions'
}

/**
 * Runs one listener per enabled listener-mode bridge, restarts it with backoff when it fails, and
 * reconciles with the stored configs (start, stop, restart on a new revision). Emits
 * `bridge.status_changed` on every state change.
 */
export class BridgeWorkers {
  private readonly workers = new Map<string, Worker>()
  private readonly statuses = new Map<string, BridgeStatus>()
  private reconcileTimer: NodeJS.Timeout | undefined
  private reconciling: Promise<void> | undefined
  private stopped = true

  constructor(
    private readonly ctx: Context,
    private readonly store: MessagingStore,
    private readonly registry: AdapterRegistry,
    private readonly ingest: (config: BridgeConfig, adapter: PlatformAdapter, event: InboundEvent, fence?: LeaseFence) => Promise<unknown>,
    private readonly options: BridgeWorkerOptions = {},
    private readonly onError: (error: unknown, where: string) => void = errorReporter(undefined, () => registry.secrets()),
    /** With leases, each listener runs on one process at a time: the holder of `bridge:<bridgeId>`. */
    private readonly leasing?: Leasing,
  ) {}

  async start(): Promise<void> {
    this.stopped = false
    await this.reconcile()
    const every = this.options.reconcileMs ?? 5000
    const loop = () => {
      // a store that is away fails one round, reported; the next round tries again (never an unhandled rejection)
      this.reconcileTimer = setTimeout(() => void this.reconcile().catch((e: unknown) => this.onError(e, 'bridge reconcile')).finally(() => !this.stopped && loop()), every)
      this.reconcileTimer.unref?.()
    }
    loop()
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.reconcileTimer)
    await this.reconciling
    await Promise.all([...this.workers.keys()].map((id) => this.stopWorker(id, 'stopped')))
  }

  /** Brings running listeners in line with the stored configs. Safe to call at any time. */
  reconcile(): Promise<void> {
    if (this.stopped) return Promise.resolve()
    this.reconciling ??= this.doReconcile().finally(() => (this.reconciling = undefined))
    return this.reconciling
  }

  private async doReconcile(): Promise<void> {
    const configs = await this.store.listBridgeConfigs()
    const seen = new Set<string>()
    for (const config of configs) {
      seen.add(config.id)
      const adapter = this.registry.get(config.adapter)
      const worker = this.workers.get(config.id)
      if (!wantsListener(config, adapter)) {
        if (worker) await this.stopWorker(config.id, 'stopped')
        this.record(config, { state: 'stopped', listenerCount: 0 })
        continue
      }
      if (worker && worker.config.revision === config.revision) {
        worker.keeper?.poke()
        continue
      }
      if (worker) await this.stopWorker(config.id, 'stopped')
      this.launch(config, adapter)
    }
    for (const id of [...this.workers.keys()]) if (!seen.has(id)) await this.stopWorker(id, 'stopped')
    for (const id of [...this.statuses.keys()]) if (!seen.has(id)) this.statuses.delete(id)
  }

  private launch(config: BridgeConfig, adapter: PlatformAdapter & Required<Pick<PlatformAdapter, 'startListener'>>): void {
    const status = this.record(config, { state: 'starting', listenerCount: 0 })
    const worker: Worker = { config, status, handle: undefined, abort: new AbortController(), timer: undefined, failures: 0, keeper: undefined, standingDown: undefined }
    this.workers.set(config.id, worker)
    if (this.leasing === undefined) {
      void this.run(worker, adapter, worker.abort)
      return
    }
    const current = () => this.workers.get(config.id) === worker
    const keeper = this.leasing.keeper(`bridge:${config.id}`, {
      onAcquired: async (lease) => {
        await worker.standingDown
        if (!current()) return
        worker.abort = new AbortController()
        worker.failures = 0
        this.update(config.id, { state: 'starting', leaseHolder: lease.holder })
        void this.run(worker, adapter, worker.abort, { name: lease.name, generation: lease.generation })
      },
      onLost: (reason) => (worker.standingDown = this.standDown(worker, reason)),
    })
    worker.keeper = keeper
    void keeper.start().then(() => {
      if (current() && !keeper.holds()) this.update(config.id, { state: 'standby', listenerCount: 0 })
    })
  }

  /** The lease was lost (or may run out before a renewal gets through): the listener stops at once. */
  private async standDown(worker: Worker, reason: string): Promise<void> {
    worker.abort.abort()
    clearTimeout(worker.timer)
    const handle = worker.handle
    worker.handle = undefined
    try {
      await handle?.stop()
    } catch {
      // a listener that fails to stop is gone either way
    }
    if (this.workers.get(worker.config.id) === worker) {
      this.update(worker.config.id, { state: 'standby', listenerCount: 0, leaseHolder: null, lastError: `lease lost: ${reason}` })
    }
  }

  /**
   * Runs the listener of one term (`abort`: the term's; with leases, `fence` is the lease term its
   * ingests are made under, so a process that lost the lease can no longer commit what it receives).
   */
  private async run(worker: Worker, adapter: PlatformAdapter & Required<Pick<PlatformAdapter, 'startListener'>>, abort: AbortController, fence?: LeaseFence): Promise<void> {
    const { config } = worker
    const signal = abort.signal
    try {
      const handle = await adapter.startListener(this.registry.context(config), {
        signal,
        ingest: async (event) => {
          this.touch(config.id, 'lastIngressAt')
          return this.ingest(config, adapter, event, fence)
        },
      })
      if (signal.aborted) {
        await handle.stop()
        return
      }
      worker.handle = handle
      worker.failures = 0
      this.update(config.id, { state: 'running', listenerCount: 1 })
      const closed = handle.closed
      if (closed) {
        await closed.then(
          () => { if (!signal.aborted) throw new Error('listener stopped by itself') },
          (error) => { if (!signal.aborted) throw error },
        )
      }
    } catch (error) {
      if (signal.aborted || this.workers.get(config.id) !== worker) return
      worker.failures++
      const restarts = (this.statuses.get(config.id)?.restarts ?? 0) + 1
      // Status and its bridge.status_changed signal are shown to operators: no credential in them.
      const lastError = this.registry.redact(error instanceof Error ? error.message : String(error))
      if (worker.failures > (this.options.maxRestarts ?? 20)) {
        this.update(config.id, { state: 'failed', listenerCount: 0, lastError })
        return
      }
      this.update(config.id, { state: 'backoff', listenerCount: 0, lastError, restarts })
      const delay = backoffMs(worker.failures, this.options.restartBaseMs ?? 500, this.options.restartMaxMs ?? 30_000)
      worker.timer = setTimeout(() => {
        if (this.workers.get(config.id) !== worker || signal.aborted) return
        this.update(config.id, { state: 'starting' })
        void this.run(worker, adapter, abort, fence)
      }, delay)
      worker.timer.unref?.()
    }
  }

  private async stopWorker(bridgeId: string, state: BridgeState): Promise<void> {
    const worker = this.workers.get(bridgeId)
    if (!worker) return
    this.workers.delete(bridgeId)
    worker.abort.abort()
    clearTimeout(worker.timer)
    try {
      await worker.handle?.stop()
    } catch {
      // a listener that fails to stop is gone either way
    }
    await worker.standingDown
    // Released once the listener stopped: another process takes it at its next attempt.
    await worker.keeper?.stop()
    this.update(bridgeId, { state, listenerCount: 0, leaseHolder: null })
  }

  /** Notes activity on a bridge (ingress from webhooks too, outbound from the delivery worker). */
  touch(bridgeId: string, field: 'lastIngressAt' | 'lastOutboundAt'): void {
    const status = this.statuses.get(bridgeId)
    if (status) status[field] = nowIso()
  }

  private record(config: BridgeConfig, patch: Partial<BridgeStatus>): BridgeStatus {
    const previous = this.statuses.get(config.id)
    const status: BridgeStatus = {
      bridgeId: config.id,
      adapter: config.adapter,
      enabled: config.enabled,
      revision: config.revision,
      state: 'stopped',
      listenerCount: 0,
      lastIngressAt: previous?.lastIngressAt ?? null,
      lastOutboundAt: previous?.lastOutboundAt ?? null,
      lastError: previous?.lastError ?? null,
      restarts: previous?.restarts ?? 0,
      leaseHolder: previous?.leaseHolder ?? null,
      ...patch,
    }
    this.statuses.set(config.id, status)
    // a webhook-only bridge first seen as stopped is not news; every later change of state is
    if (previous ? previous.state !== status.state : status.state !== 'stopped') this.announce(previous?.state ?? null, status)
    return status
  }

  private update(bridgeId: string, patch: Partial<BridgeStatus>): void {
    const previous = this.statuses.get(bridgeId)
    if (!previous) return
    const status = { ...previous, ...patch }
    this.statuses.set(bridgeId, status)
    if (previous.state !== status.state) this.announce(previous.state, status)
  }

  private announce(from: BridgeState | null, status: BridgeStatus): void {
    const signal = this.ctx.makeSignal(SignalTypes.bridgeStatusChanged, status.bridgeId,
      { bridgeId: status.bridgeId, adapter: status.adapter, from, to: status.state, status: { ...status } }, signalContext({}))
    void appendAndEmit(this.ctx, [signal]).catch((error: unknown) => this.onError(error, 'bridge status signal'))
  }

  status(bridgeId: string): BridgeStatus | null {
    const s = this.statuses.get(bridgeId)
    return s ? { ...s } : null
  }

  list(): BridgeStatus[] {
    return [...this.statuses.values()].map((s) => ({ ...s })).sort((a, b) => a.bridgeId.localeCompare(b.bridgeId))
  }

  /**
   * Reads who holds each bridge's lease (another process, for a bridge on standby here) into the
   * statuses; with leases off, nothing to do.
   */
  async readLeaseHolders(): Promise<void> {
    if (this.leasing === undefined) return
    const holders = new Map((await this.leasing.store.listLeases('bridge:')).map((l) => [l.name.slice('bridge:'.length), l.holder]))
    for (const [bridgeId, status] of this.statuses) {
      const worker = this.workers.get(bridgeId)
      // Ours while we run it; read from the store while another process does (or none, between holders).
      if (worker?.keeper?.holds()) status.leaseHolder = this.leasing.holder
      else status.leaseHolder = holders.get(bridgeId) ?? null
    }
  }

  running(): BridgeStatus[] {
    return this.list().filter((s) => s.state === 'running' || s.state === 'starting' || s.state === 'backoff')
  }

  /** Makes sure a webhook-only bridge shows up in statuses as soon as it is used. */
  known(config: BridgeConfig): void {
    if (!this.statuses.has(config.id)) this.record(config, { state: 'stopped' })
  }
}
