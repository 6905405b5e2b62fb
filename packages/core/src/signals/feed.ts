import type { JournalAppended, JournalStore, JournalWatch } from '../contracts/journal.js'
import type { BusSubscription, Signal, SignalBus, SignalHandler, SubscribeOptions, SubscriptionStats } from '../contracts/signal-bus.js'
import { ConflictError, isMessagingError, MessagingError, ValidationError } from '../errors.js'
import { newId, nowIso } from '../ids.js'
import { createSignalFactory, positionOf, sealSignal } from './factory.js'
import { compilePattern } from './pattern.js'
import { SignalTypes } from './types.js'

export interface SignalFeedOptions {
  /** Committed signals kept in memory for subscribers that keep up (default 10,000); slower ones read the store. */
  tailSize?: number
  /** Journal entries read from the store per page for a subscriber that fell behind (default 500). */
  pageSize?: number
  /** How long a hole in the positions (a commit seen out of order) may wait before the store is read (default 100 ms). */
  gapMs?: number
  /**
   * How often the store's journal head is checked for commits made elsewhere (0: never). Default 1000 ms,
   * or 10,000 ms when the store watches its journal (`watchJournal`, e.g. Postgres LISTEN/NOTIFY): the
   * poll is then only a backstop for a lost wake-up.
   */
  pollMs?: number
  /** Use the store's `watchJournal`, when it has one, to learn of other processes' commits at once (default true). */
  watch?: boolean
  /** Live-only signals (typing) buffered per subscriber; the oldest is dropped past it (default 1000). */
  liveQueueSize?: number
  /** Least time between two checkpoint writes of one durable subscription (default 50 ms). */
  checkpointMs?: number
}

/** A subscription of the feed: a cursor into the journal, advanced only after the handler finished. */
interface Sub extends BusSubscription {
  matches: (type: string) => boolean
  roomId: string | undefined
  typePrefix: string
  handler: SignalHandler
  name: string | undefined
  /** Last journal position handled (or skipped as not matching); -1 until the start position is known. */
  cursor: number
  /** The requested start, resolved when the feed has started. */
  from: SubscribeOptions['from']
  live: Signal[]
  closed: boolean
  wake: (() => void) | undefined
  running: Promise<void> | undefined
  counters: { delivered: number; failed: number; dropped: number; gaps: number }
  readyResolve: () => void
  readyReject: (error: unknown) => void
  /** Checkpoint bookkeeping of a durable subscription. */
  saved: number
  saving: Promise<void> | undefined
  saveTimer: NodeJS.Timeout | undefined
}

export interface FeedSubscription extends BusSubscription {
  /** Durable subscriptions: the name their checkpoint is stored under. */
  readonly name?: string
  /** Resolves once the start position is known (a durable one's checkpoint loaded); rejects if it cannot be. */
  readonly ready: Promise<void>
  /** The last journal position this subscription handled (or passed over as not matching); -1 before `ready`. */
  position(): number
}

const YIELD_EVERY = 256
const POLL_MS = 1000
/** The poll when the store's watch wakes the feed: a backstop only. */
const WATCHED_POLL_MS = 10_000
const GAP_TYPE = SignalTypes.journalGap

/** The literal start of a pattern, before its first wildcard segment: a pre-filter the store can apply. */
export function literalPrefix(pattern: string): string {
  const segments = pattern.split('.')
  const literal: string[] = []
  for (const s of segments) {
    if (s === '*' || s === '**') return literal.length === 0 ? '' : `${literal.join('.')}.`
    literal.push(s)
  }
  return pattern
}

/**
 * Delivers committed signals to subscribers in journal order, none dropped, with bounded memory.
 *
 * Commits made through this instance are handed over at once (`committed`) and kept, in position order,
 * in a bounded in-memory tail; a subscriber that keeps up reads from it. One that falls behind the tail
 * (or starts from an older position) reads the store's journal page by page until it is back in the
 * tail. A hole in the positions (a commit seen out of order, or one made by another process) is filled
 * from the store after `gapMs`; the store's head is also polled every `pollMs` so commits made elsewhere
 * are delivered without a distributed bus. A store that watches its journal (`watchJournal`) wakes the
 * feed as soon as another process committed: the feed then reads the journal after its head at once
 * (one read in flight at a time, plus one queued that covers every wake-up arriving meanwhile). A custom
 * bus or a wake-up is a hint: what a bus brings is deduplicated by position, and anything lost is read
 * from the store.
 */
export class SignalFeed {
  private head = 0
  private tail: Signal[] = []
  /** Position of tail[tailStart]. */
  private tailBase = 1
  private tailStart = 0
  private readonly pending = new Map<number, Signal>()
  private readonly subs = new Map<string, Sub>()
  private readonly names = new Set<string>()
  private readonly flushes = new Set<Promise<void>>()
  private started = false
  private stopping = false
  private gapTimer: NodeJS.Timeout | undefined
  private pollTimer: NodeJS.Timeout | undefined
  private filling: Promise<void> | undefined
  /** A fill asked for while one ran: the head to read up to (undefined: ask the store). */
  private refill: { target: number | undefined } | undefined
  /** The highest head the store's watch announced. */
  private announced = 0
  private watch: JournalWatch | undefined
  private busSub: BusSubscription | undefined
  private readonly opts: Required<Omit<SignalFeedOptions, 'watch'>>
  private readonly watching: boolean
  private readonly gapSignal: ReturnType<typeof createSignalFactory>

  constructor(
    private readonly store: JournalStore,
    private readonly bus: SignalBus | undefined,
    private readonly instanceId: string,
    private readonly onError: (error: unknown, where: string) => void,
    options: SignalFeedOptions = {},
  ) {
    this.opts = {
      tailSize: options.tailSize ?? 10_000,
      pageSize: options.pageSize ?? 500,
      gapMs: options.gapMs ?? 100,
      pollMs: options.pollMs ?? (options.watch !== false && typeof store.watchJournal === 'function' ? WATCHED_POLL_MS : POLL_MS),
      liveQueueSize: options.liveQueueSize ?? 1000,
      checkpointMs: options.checkpointMs ?? 50,
    }
    for (const [key, value] of Object.entries(this.opts)) {
      if (!Number.isInteger(value) || value < (key === 'pollMs' || key === 'checkpointMs' || key === 'gapMs' ? 0 : 1)) {
        throw new ValidationError(`journal option ${key} must be a ${key === 'pollMs' ? 'non-negative' : 'positive'} integer`, [{ path: `journal.${key}`, message: String(value) }])
      }
    }
    this.watching = options.watch !== false && typeof store.watchJournal === 'function'
    this.gapSignal = createSignalFactory(instanceId)
  }

  /** The last position known to be committed with nothing missing before it. */
  get headPosition(): number {
    return this.head
  }

  async start(): Promise<void> {
    if (this.started) return
    const head = await this.store.journalHead()
    this.head = head.position
    this.tail = []
    this.tailStart = 0
    this.tailBase = head.position + 1
    this.announced = 0
    this.started = true
    this.stopping = false
    if (this.bus) {
      await this.bus.start?.()
      this.busSub = this.bus.subscribe('**', (signal) => this.fromBus(signal))
    }
    if (this.opts.pollMs > 0) {
      this.pollTimer = setInterval(() => this.fill(), this.opts.pollMs)
      this.pollTimer.unref()
    }
    // After the head was read: the watch calls back once it listens, and that read covers the commits
    // made between the two.
    if (this.watching) {
      try {
        this.watch = this.store.watchJournal!((appended) => this.onAppended(appended), { onError: (error) => this.onError(error, 'signal journal watch') })
      } catch (error) {
        // The poll still delivers; a store that cannot watch is reported, not fatal.
        this.onError(error, 'signal journal watch')
      }
    }
    for (const sub of this.subs.values()) this.begin(sub)
  }

  /**
   * Waits (up to `drainMs`) until every subscriber has handled what was committed before the call, then
   * stops them and stores the durable ones' checkpoints.
   */
  async stop({ drainMs = 5000 } = {}): Promise<void> {
    if (!this.started) {
      for (const sub of this.subs.values()) this.close(sub)
      this.subs.clear()
      return
    }
    this.stopping = true
    const target = this.head
    const deadline = Date.now() + drainMs
    while (Date.now() < deadline && [...this.subs.values()].some((s) => !s.closed && s.cursor >= 0 && s.cursor < target)) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    clearInterval(this.pollTimer)
    clearTimeout(this.gapTimer)
    const watch = this.watch
    this.watch = undefined
    await watch?.close().catch((error: unknown) => this.onError(error, 'signal journal watch close'))
    this.refill = undefined
    if (this.busSub) this.bus!.unsubscribe(this.busSub.id)
    await this.bus?.stop?.()
    const subs = [...this.subs.values()]
    for (const sub of subs) this.close(sub)
    this.subs.clear()
    // A handler still running past the deadline is not waited for (its checkpoint stays before it).
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      Promise.allSettled(subs.map((s) => s.running)),
      new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now())))),
    ])
    clearTimeout(timer)
    await Promise.allSettled([...subs.map((s) => this.flushCheckpoint(s)), ...this.flushes])
    await this.filling?.catch(() => undefined)
    this.started = false
  }

  /** Committed signals of this instance (sealed, with positions), handed over after their commit. */
  committed(signals: readonly Signal[]): void {
    if (signals.length === 0) return
    if (this.bus) void this.bus.publish(signals).catch((e: unknown) => this.onError(e, 'signal bus publish'))
    this.accept(signals)
  }

  /** Live-only signals (typing): straight to the matching subscribers, never journaled. */
  live(signals: readonly Signal[]): void {
    if (this.bus) {
      // Through the bus only, so they reach this process once (the bus brings them back).
      void this.bus.publish(signals).catch((e: unknown) => this.onError(e, 'signal bus publish'))
      return
    }
    this.deliverLive(signals)
  }

  private fromBus(signal: Signal): void {
    if (positionOf(signal) === undefined) this.deliverLive([signal])
    else if (this.started) this.accept([signal])
  }

  private deliverLive(signals: readonly Signal[]): void {
    for (const sub of this.subs.values()) {
      if (sub.closed) continue
      for (const s of signals) {
        if (sub.roomId !== undefined && s.subject !== sub.roomId) continue
        if (!sub.matches(s.type)) continue
        if (sub.live.length >= this.opts.liveQueueSize) {
          sub.live.shift()
          sub.counters.dropped++
        }
        sub.live.push(s)
      }
      this.wake(sub)
    }
  }

  private accept(signals: readonly Signal[]): void {
    if (!this.started) return
    let advanced = false
    for (const s of signals) {
      const p = positionOf(s)
      if (p === undefined || p <= this.head || this.pending.has(p)) continue
      if (p === this.head + 1) {
        this.push(s)
        advanced = true
      } else this.pending.set(p, s)
    }
    while (this.pending.size > 0) {
      const next = this.pending.get(this.head + 1)
      if (next === undefined) break
      this.pending.delete(this.head + 1)
      this.push(next)
      advanced = true
    }
    if (this.pending.size > 0) this.scheduleGapFill()
    if (advanced) this.wakeAll()
  }

  private push(signal: Signal): void {
    this.tail.push(signal)
    this.head++
    const size = this.tail.length - this.tailStart
    if (size > this.opts.tailSize) {
      this.tail[this.tailStart++] = undefined as unknown as Signal
      this.tailBase++
      if (this.tailStart > 4096 && this.tailStart * 2 > this.tail.length) {
        this.tail = this.tail.slice(this.tailStart)
        this.tailStart = 0
      }
    }
  }

  private scheduleGapFill(): void {
    if (this.gapTimer !== undefined) return
    this.gapTimer = setTimeout(() => {
      this.gapTimer = undefined
      if (this.pending.size > 0 || this.announced > this.head) this.fill()
    }, this.opts.gapMs)
    this.gapTimer.unref()
  }

  /**
   * The store's watch saw a commit. Another process's: read the journal now. One made through this
   * store: its writer hands the signals over itself (`committed`), usually before this wake-up or just
   * after it, so the journal is read only if they are still missing after `gapMs` (a second instance on
   * the same store object, a write made on the store directly).
   */
  private onAppended({ head, local }: JournalAppended): void {
    if (!this.started) return
    if (head !== undefined && head <= this.head) return
    if (head !== undefined && local === true) {
      this.announced = Math.max(this.announced, head)
      this.scheduleGapFill()
      return
    }
    this.fill(head)
  }

  /**
   * Reads what the store committed beyond the known head (holes, other processes' commits): up to
   * `target` when a watch announced it, else up to the head the store reports. While a read runs, further
   * requests collapse into one that runs after it.
   */
  private fill(target?: number): void {
    if (!this.started) return
    if (this.filling) {
      const queued = this.refill
      this.refill = { target: queued === undefined ? target : queued.target === undefined || target === undefined ? undefined : Math.max(queued.target, target) }
      return
    }
    this.filling = (async () => {
      // An announced head close by is read directly; otherwise (or far behind) the store says where it is.
      const head = target !== undefined && target - this.head <= this.opts.tailSize
        ? { position: target, prunedThrough: 0 }
        : await this.store.journalHead()
      if (head.position <= this.head) return
      if (head.position - this.head > this.opts.tailSize || head.prunedThrough > this.head) {
        // Far behind: subscribers read the store themselves; the tail restarts at the store's head.
        this.head = head.position
        this.tail = []
        this.tailStart = 0
        this.tailBase = head.position + 1
        for (const p of [...this.pending.keys()]) if (p <= this.head) this.pending.delete(p)
        this.accept([...this.pending.values()])
        this.wakeAll()
        return
      }
      while (this.head < head.position) {
        const entries = await this.store.readJournal({ after: this.head, limit: this.opts.pageSize })
        if (entries.length === 0) break
        this.accept(entries.map((e) => e.signal))
        if (entries.at(-1)!.position > this.head) {
          // The store skipped positions (never committed): take its word for it.
          this.head = entries.at(-1)!.position
          this.tail = []
          this.tailStart = 0
          this.tailBase = this.head + 1
          this.wakeAll()
        }
      }
    })().catch((error: unknown) => {
      // An announced head was read past pruned entries (a feed idle for longer than the retention): the
      // next read asks the store for its head and pruned range.
      if (target !== undefined && isMessagingError(error, 'CURSOR_EXPIRED')) this.refill = { target: undefined }
      else this.onError(error, 'signal journal read')
    }).finally(() => {
      this.filling = undefined
      const again = this.refill
      this.refill = undefined
      if (again !== undefined && (again.target === undefined || again.target > this.head)) this.fill(again.target)
      else if (this.pending.size > 0) this.scheduleGapFill()
    })
  }

  subscribe(pattern: string, handler: SignalHandler, options: SubscribeOptions = {}): FeedSubscription {
    if (typeof handler !== 'function') {
      throw new ValidationError('subscribe needs a handler function', [{ path: 'handler', message: 'not a function' }])
    }
    const matches = compilePattern(pattern)
    const from = options.from ?? 'now'
    if (!(from === 'now' || from === 'start' || (Number.isInteger(from) && (from as number) >= 0))) {
      throw new ValidationError(`from must be 'now', 'start' or a journal position (a non-negative integer)`, [{ path: 'from', message: String(from) }])
    }
    const name = options.name
    if (name !== undefined) {
      if (typeof name !== 'string' || !/^[A-Za-z0-9._:/-]{1,200}$/.test(name)) {
        throw new ValidationError('a durable subscription name is 1-200 characters of A-Z, a-z, 0-9, . _ : / -', [{ path: 'name', message: String(name) }])
      }
      if (this.names.has(name)) throw new ConflictError(`a subscription named ${name} is active already in this instance`, { name })
      this.names.add(name)
    }
    let readyResolve!: () => void
    let readyReject!: (error: unknown) => void
    const ready = new Promise<void>((resolve, reject) => {
      readyResolve = resolve
      readyReject = reject
    })
    ready.catch(() => undefined)
    const sub: Sub & FeedSubscription = {
      id: newId('subscription'),
      pattern,
      ...(name === undefined ? {} : { name }),
      matches,
      roomId: options.roomId,
      typePrefix: literalPrefix(pattern),
      handler,
      name,
      cursor: -1,
      from,
      live: [],
      closed: false,
      wake: undefined,
      running: undefined,
      counters: { delivered: 0, failed: 0, dropped: 0, gaps: 0 },
      readyResolve,
      readyReject,
      saved: -1,
      saving: undefined,
      saveTimer: undefined,
      ready,
      position: () => sub.cursor,
      stats: (): SubscriptionStats => ({
        delivered: sub.counters.delivered,
        failed: sub.counters.failed,
        dropped: sub.counters.dropped,
        gaps: sub.counters.gaps,
        queued: sub.live.length + (sub.cursor < 0 ? 0 : Math.max(0, this.head - sub.cursor)),
        position: sub.cursor,
      }),
    } as Sub & FeedSubscription
    this.subs.set(sub.id, sub)
    // 'now' is the head at the call (not after an asynchronous checkpoint read), so nothing committed
    // after subscribe() returned is missed.
    if (this.started && from === 'now' && name === undefined) sub.cursor = this.head
    if (this.started) this.begin(sub)
    return sub
  }

  unsubscribe(id: string): boolean {
    const sub = this.subs.get(id)
    if (!sub) return false
    this.subs.delete(id)
    this.close(sub)
    // The cursor holds only what the handler finished, so it can be stored now (a handler still running
    // is redelivered to the next subscription with this name: at least once).
    const flush = this.flushCheckpoint(sub).catch((error: unknown) => this.onError(error, `checkpoint of subscription ${sub.name}`))
    this.flushes.add(flush)
    void flush.finally(() => this.flushes.delete(flush))
    return true
  }

  private close(sub: Sub): void {
    sub.closed = true
    if (sub.name !== undefined) this.names.delete(sub.name)
    this.wake(sub)
  }

  private wake(sub: Sub): void {
    const w = sub.wake
    sub.wake = undefined
    w?.()
  }

  private wakeAll(): void {
    for (const sub of this.subs.values()) if (sub.wake) this.wake(sub)
  }

  private begin(sub: Sub): void {
    if (sub.running) return
    const nowHead = this.head
    sub.running = (async () => {
      try {
        await this.resolveStart(sub, nowHead)
      } catch (error) {
        sub.readyReject(error)
        this.subs.delete(sub.id)
        this.close(sub)
        this.onError(error, `subscription ${sub.name ?? sub.id} could not start`)
        return
      }
      sub.readyResolve()
      if (sub.from !== 'now' || sub.name !== undefined) await this.checkExpired(sub).catch((error: unknown) => this.onError(error, `subscription ${sub.name ?? sub.id} journal head`))
      await this.run(sub)
    })()
  }

  private async resolveStart(sub: Sub, nowHead: number): Promise<void> {
    if (sub.cursor >= 0) return
    if (sub.name !== undefined) {
      const checkpoint = await this.store.getSubscriptionCheckpoint(sub.name)
      if (checkpoint !== null) {
        sub.cursor = checkpoint
        sub.saved = checkpoint
        return
      }
    }
    if (sub.from === 'now') sub.cursor = nowHead
    else if (sub.from === 'start') sub.cursor = (await this.store.journalHead()).prunedThrough
    else sub.cursor = sub.from as number
  }

  /** A start (checkpoint or position) below the pruned range: the subscriber is told before anything else. */
  private async checkExpired(sub: Sub): Promise<void> {
    const { prunedThrough } = await this.store.journalHead()
    if (sub.cursor < prunedThrough) await this.expired(sub, prunedThrough)
  }

  /** The subscriber's loop: live signals first, then journal entries after its cursor, in order. */
  private async run(sub: Sub): Promise<void> {
    let sinceYield = 0
    while (!sub.closed) {
      if (sub.live.length > 0) {
        await this.deliver(sub, sub.live.shift()!)
        continue
      }
      const next = sub.cursor + 1
      if (next <= this.head && next >= this.tailBase) {
        const signal = this.tail[this.tailStart + (next - this.tailBase)]!
        if ((sub.roomId === undefined || signal.subject === sub.roomId) && sub.matches(signal.type)) {
          // A handler that finishes synchronously costs no promise hop.
          const pending = this.deliverNow(sub, signal)
          if (pending !== undefined) await pending
        }
        sub.cursor = next
        this.checkpoint(sub)
        if (++sinceYield >= YIELD_EVERY) {
          sinceYield = 0
          await new Promise((resolve) => setImmediate(resolve))
        }
        continue
      }
      if (next < this.tailBase) {
        await this.readStore(sub)
        continue
      }
      await new Promise<void>((resolve) => (sub.wake = resolve))
    }
  }

  /** One page of the store's journal for a subscriber behind the in-memory tail. */
  private async readStore(sub: Sub): Promise<void> {
    const headBefore = this.head
    let entries
    try {
      entries = await this.store.readJournal({
        after: sub.cursor,
        limit: this.opts.pageSize,
        ...(sub.roomId === undefined ? {} : { roomId: sub.roomId }),
        ...(sub.typePrefix === '' ? {} : { typePrefix: sub.typePrefix }),
      })
    } catch (error) {
      if (isMessagingError(error, 'CURSOR_EXPIRED')) return this.expired(sub, (error as MessagingError).details['prunedThrough'] as number)
      this.onError(error, `subscription ${sub.name ?? sub.id} journal read`)
      await new Promise((resolve) => setTimeout(resolve, 200))
      return
    }
    for (const entry of entries) {
      if (sub.closed) return
      if (entry.position <= sub.cursor) continue
      if (sub.matches(entry.signal.type)) await this.deliver(sub, entry.signal)
      sub.cursor = entry.position
      this.checkpoint(sub)
    }
    // A short page read everything committed up to the head known before the read.
    if (entries.length < this.opts.pageSize && sub.cursor < headBefore) {
      sub.cursor = headBefore
      this.checkpoint(sub)
    }
  }

  /** The subscriber asked for pruned positions: it gets one signal naming the lost range, then goes on. */
  private async expired(sub: Sub, prunedThrough: number): Promise<void> {
    const signal = sealSignal(this.gapSignal(GAP_TYPE, undefined, {
      code: 'CURSOR_EXPIRED',
      subscription: sub.name ?? sub.id,
      fromPosition: sub.cursor + 1,
      toPosition: prunedThrough,
      message: `signals at positions ${sub.cursor + 1}..${prunedThrough} were pruned (older than the journal retention) before this subscription read them`,
    }, { correlationId: newId('correlation') }))
    sub.counters.gaps++
    await this.deliver(sub, signal)
    sub.cursor = prunedThrough
    this.checkpoint(sub)
  }

  private async deliver(sub: Sub, signal: Signal): Promise<void> {
    const pending = this.deliverNow(sub, signal)
    if (pending !== undefined) await pending
  }

  /** Calls the handler; resolves `undefined` when it finished synchronously, else a promise of its end. */
  private deliverNow(sub: Sub, signal: Signal): Promise<void> | undefined {
    let r: void | Promise<void>
    try {
      r = sub.handler(signal)
    } catch (error) {
      this.failed(sub, signal, error)
      return undefined
    }
    if (r === undefined || typeof (r as Promise<void>).then !== 'function') {
      sub.counters.delivered++
      return undefined
    }
    return (r as Promise<void>).then(() => void sub.counters.delivered++, (error: unknown) => this.failed(sub, signal, error))
  }

  private failed(sub: Sub, signal: Signal, error: unknown): void {
    sub.counters.failed++
    try {
      this.onError(error, `signal subscriber ${sub.id} (${sub.pattern}) failed on ${signal.type}`)
    } catch {
      // a broken error hook must not stop delivery
    }
  }

  /** Stores a durable subscription's cursor, at most once per `checkpointMs`, one write at a time. */
  private checkpoint(sub: Sub): void {
    if (sub.name === undefined || sub.closed || sub.saveTimer !== undefined || sub.saving !== undefined) return
    sub.saveTimer = setTimeout(() => {
      sub.saveTimer = undefined
      if (sub.cursor <= sub.saved) return
      const position = sub.cursor
      sub.saving = this.store.saveSubscriptionCheckpoint(sub.name!, position, nowIso())
        .then(() => {
          sub.saved = Math.max(sub.saved, position)
        }, (error: unknown) => this.onError(error, `checkpoint of subscription ${sub.name}`))
        .finally(() => {
          sub.saving = undefined
          if (sub.cursor > sub.saved && !sub.closed) this.checkpoint(sub)
        })
    }, this.opts.checkpointMs)
    sub.saveTimer.unref()
  }

  private async flushCheckpoint(sub: Sub): Promise<void> {
    if (sub.name === undefined) return
    clearTimeout(sub.saveTimer)
    sub.saveTimer = undefined
    await sub.saving
    if (sub.cursor > sub.saved) {
      await this.store.saveSubscriptionCheckpoint(sub.name, sub.cursor, nowIso())
      sub.saved = sub.cursor
    }
  }
}

