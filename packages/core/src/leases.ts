import { randomBytes } from 'node:crypto'
import type { Lease, LeaseFence, LeaseStore } from './contracts/leases.js'
import { MessagingError, ValidationError } from './errors.js'

// Work that must run once across processes (a listener, an agent runner) runs only while its process
// holds the work's lease. The keeper renews it every ttl/3 and gives it up locally when `ttl - margin`
// has passed since the last renewal that succeeded was SENT, on this process's monotonic clock. The store
// started the lease's ttl when it ran the statement, after the send, so a holder that cannot reach the
// store stops its work before any other process can take the lease over; writes the work still makes
// afterwards are refused by the store's fence (the lease generation), not by timing.

export interface LeaseOptions {
  /** Off: every process runs every listener and agent, as with a single process (default: on when the store has leases). */
  enabled?: boolean
  /** Names this process among the holders; MUST differ between processes (default `<instanceId>-<random>`). */
  holderId?: string
  /**
   * How long a lease lasts unless renewed (default 6000 ms). Renewals, and attempts to take a lease
   * another process holds, run every ttl/3: a dead holder's work moves within about ttl + ttl/3 (8 s),
   * a stopped one's (it releases) within ttl/3.
   */
  ttlMs?: number
}

export interface LeaseKeeperOptions {
  store: LeaseStore
  name: string
  holder: string
  ttlMs: number
  /** The lease was taken: start the work, under `fence` (see {@link LeaseKeeper.fence}). A throw gives the lease up. */
  onAcquired(lease: Lease): void | Promise<void>
  /**
   * The lease was lost, or could run out before another renewal gets through: stop the work at once.
   * The keeper tries to take the lease again only once the returned promise has settled.
   */
  onLost(reason: string): void | Promise<void>
  onError?(error: unknown, where: string): void
  /** Between renewals, and between attempts to take the lease while another holds it (default ttl / 3). */
  intervalMs?: number
  /** Given up this long before the lease would run out after its last renewal (default ttl / 5). */
  marginMs?: number
}

const DEFAULT_TTL_MS = 6000
const clock = () => performance.now()

/** Keeps one named lease: takes it when it can, renews it, and says when the work must start or stop. */
export class LeaseKeeper {
  private held: Lease | undefined
  /** Until when (monotonic ms) the held lease is ours for sure. */
  private validUntil = 0
  /** A lease given up locally that the store may still think ours: released before the next take, so that one gets a new generation. */
  private lost: Lease | undefined
  private recovering: Promise<void> | undefined
  private busy: Promise<void> | undefined
  /** The last attempt failed: the next failures in a row are not reported again. */
  private failing = false
  private timer: NodeJS.Timeout | undefined
  private deadline: NodeJS.Timeout | undefined
  private stopped = true
  private readonly intervalMs: number
  private readonly marginMs: number

  constructor(private readonly options: LeaseKeeperOptions) {
    this.intervalMs = Math.max(1, Math.trunc(options.intervalMs ?? options.ttlMs / 3))
    this.marginMs = Math.max(0, options.marginMs ?? options.ttlMs / 5)
  }

  get name(): string {
    return this.options.name
  }

  /** Whether the lease is held now, by this process's clock. */
  holds(): boolean {
    return this.held !== undefined && clock() < this.validUntil
  }

  /** The term of the held lease, for fencing the work's writes (undefined while not held). */
  get fence(): LeaseFence | undefined {
    return this.held === undefined ? undefined : { name: this.held.name, generation: this.held.generation }
  }

  /** Starts keeping the lease; resolves after the first attempt to take it (and its `onAcquired`). */
  async start(): Promise<void> {
    if (!this.stopped) return
    this.stopped = false
    this.timer = setInterval(() => void this.tick(), this.intervalMs)
    this.timer.unref()
    await this.tick()
  }

  /** Tries to take the lease now if it is not held (e.g. when the work's config changed). */
  poke(): void {
    if (this.held === undefined) void this.tick()
  }

  /**
   * Stops keeping the lease and releases it (best effort), so another process takes it at its next
   * attempt. Does not call `onLost`: stop the work first, while its writes still pass the fence.
   */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    clearInterval(this.timer)
    clearTimeout(this.deadline)
    await this.busy
    await this.recovering
    const { name, holder } = this.options
    for (const lease of [this.held, this.lost]) {
      if (lease === undefined) continue
      await this.options.store.releaseLease(name, holder, lease.generation).catch((e: unknown) => this.report(e, 'release'))
    }
    this.held = undefined
    this.lost = undefined
    clearTimeout(this.deadline)
  }

  private tick(): Promise<void> {
    if (this.stopped) return Promise.resolve()
    const what = this.held === undefined ? 'acquire' : 'renew'
    this.busy ??= (this.held === undefined ? this.acquire() : this.renew()).then(
      () => void (this.failing = false),
      (error: unknown) => {
        // An unreachable store fails every attempt: reported once until one succeeds again.
        if (!this.failing) this.report(error, what)
        this.failing = true
      },
    ).finally(() => (this.busy = undefined))
    return this.busy
  }

  private async acquire(): Promise<void> {
    const { store, name, holder, ttlMs } = this.options
    await this.recovering
    if (this.lost !== undefined) {
      await store.releaseLease(name, holder, this.lost.generation)
      this.lost = undefined
    }
    if (this.stopped) return
    const sentAt = clock()
    const lease = await store.acquireLease(name, holder, ttlMs)
    if (lease === null) return
    this.hold(lease, sentAt)
    // Stopped meanwhile: the lease is released by stop(), and the work is not started.
    if (this.stopped) return
    try {
      await this.options.onAcquired(lease)
    } catch (error) {
      this.report(error, 'start of the work')
      this.lose('its work could not start')
    }
  }

  private async renew(): Promise<void> {
    const { store, name, holder, ttlMs } = this.options
    const lease = this.held!
    const sentAt = clock()
    // A failure (store unreachable) is reported by tick(); the deadline stops the work in time.
    const renewed = await store.renewLease(name, holder, lease.generation, ttlMs)
    if (this.held !== lease) return
    if (renewed === null) this.lose('taken over, or it ran out before it was renewed')
    else this.hold(renewed, sentAt)
  }

  private hold(lease: Lease, sentAt: number): void {
    this.held = lease
    if (this.stopped) return
    this.validUntil = sentAt + this.options.ttlMs - this.marginMs
    clearTimeout(this.deadline)
    this.deadline = setTimeout(() => this.lose(`not renewed within ${Math.round(this.options.ttlMs - this.marginMs)} ms`), Math.max(0, this.validUntil - clock()))
    this.deadline.unref()
  }

  private lose(reason: string): void {
    const lease = this.held
    if (lease === undefined) return
    this.held = undefined
    this.lost = lease
    clearTimeout(this.deadline)
    this.recovering = (async () => {
      try {
        await this.options.onLost(reason)
      } catch (error) {
        this.report(error, 'stop of the work')
      }
    })()
  }

  private report(error: unknown, what: string): void {
    this.options.onError?.(error, `lease ${this.options.name}: ${what}`)
  }
}

/** How a Messaging instance keeps its leases (undefined: leases off). */
export interface Leasing {
  store: LeaseStore
  holder: string
  ttlMs: number
  /** A keeper of lease `name` for this process. */
  keeper(name: string, work: Pick<LeaseKeeperOptions, 'onAcquired' | 'onLost'>): LeaseKeeper
}

/** Whether a store implements leases (and so honours fences). */
export function isLeaseStore(store: object): store is LeaseStore {
  const s = store as Record<string, unknown>
  return ['acquireLease', 'renewLease', 'releaseLease', 'listLeases'].every((m) => typeof s[m] === 'function')
}

/** The leasing of an instance from its options: on by default when the store has leases. */
export function leasingOf(store: object, options: LeaseOptions | undefined, instanceId: string, onError: (error: unknown, where: string) => void): Leasing | undefined {
  const { enabled, holderId, ttlMs = DEFAULT_TTL_MS } = options ?? {}
  if (enabled === false) return undefined
  if (!isLeaseStore(store)) {
    if (enabled === true) throw new MessagingError(`[core] leases.enabled needs a store with leases (acquireLease, renewLease, releaseLease, listLeases)`, { code: 'UNSUPPORTED' })
    return undefined
  }
  if (!Number.isInteger(ttlMs) || ttlMs < 100 || ttlMs > 3_600_000) {
    throw new ValidationError('leases.ttlMs must be an integer from 100 to 3600000', [{ path: 'leases.ttlMs', message: String(ttlMs) }])
  }
  if (holderId !== undefined && (typeof holderId !== 'string' || !/^[A-Za-z0-9._:-]{1,200}$/.test(holderId))) {
    throw new ValidationError('leases.holderId must be 1-200 characters of A-Z, a-z, 0-9, ., _, : or -', [{ path: 'leases.holderId', message: String(holderId) }])
  }
  const holder = holderId ?? `${instanceId}-${randomBytes(4).toString('hex')}`
  return {
    store,
    holder,
    ttlMs,
    keeper: (name, work) => new LeaseKeeper({ store, name, holder, ttlMs, ...work, onError }),
  }
}
