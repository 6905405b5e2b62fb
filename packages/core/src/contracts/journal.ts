import type { LeaseFence } from './leases.js'
import type { Signal } from './signal-bus.js'

/**
 * The signals one store write appends to the signal journal, in the write's own transaction.
 *
 * A store MUST call `signals(result)` inside the transaction of the write it was passed to, with the
 * write's result (the value the write resolves), and append what it returns, in order, at consecutive
 * positions, before that transaction commits. It MAY call it more than once (a replayed batch); only
 * the signals of the last call are appended. It MUST NOT call it for a write that fails. Once the write
 * resolves, `firstPosition` holds the position of the first appended signal (unset when none were).
 * `signals` may return a promise only where the store says it accepts one (store-sql does).
 */
export interface JournalWrite<R = unknown> {
  signals(result: R): readonly Signal[] | Promise<readonly Signal[]>
  firstPosition?: number
  /**
   * The lease term the write is made under (a listener's ingest, an agent's reply): a store with leases
   * MUST refuse the write with CONFLICT, writing nothing, once that lease has another generation (see
   * `LeaseStore`). Unset: not fenced.
   */
  fence?: LeaseFence
}

/** A committed journal entry: the signal, carrying its position. */
export interface JournalEntry {
  position: number
  signal: Signal
}

export interface JournalReadOptions {
  /** Entries with a position strictly greater than this. */
  after: number
  /** 1..1000 */
  limit: number
  /** Only entries whose subject (room id) equals this. */
  roomId?: string
  /** Only entries whose type starts with this (a pre-filter; core applies the exact pattern). */
  typePrefix?: string
}

export interface JournalHead {
  /** The highest committed position (0 when nothing was ever appended). */
  position: number
  /** Every position up to this one was pruned (0 when nothing was). Reads after an older position are `CURSOR_EXPIRED`. */
  prunedThrough: number
}

/** A durable subscription's stored checkpoint. */
export interface SubscriptionCheckpoint {
  name: string
  /** The last position its handler finished. */
  position: number
  /** When it was last saved (ISO). */
  updatedAt: string
}

/**
 * The signal journal: every signal except `participant.typing`, appended by the write that commits the
 * change it announces (see {@link JournalWrite}), with a store-wide, strictly increasing integer position.
 *
 * Positions MUST be assigned in commit order: once an entry is visible to a reader, every entry with a
 * lower position that will ever exist is visible too (a reader that has seen position p never later
 * finds a new entry below p). A store MUST NOT reuse a position, also after pruning or a restart.
 */
export interface JournalStore {
  /** Appends signals with no other change (custom room events, status changes) in a transaction of their own. */
  appendSignals(journal: JournalWrite<void>): Promise<void>
  /**
   * Entries after `options.after` in position order (at most `limit`, filtered by room and type prefix).
   * MUST reject with `CursorExpiredError` when `after` is below the pruned range (`after < prunedThrough`).
   * The read costs O(limit + log n): it seeks on the position (or room and position) index.
   */
  readJournal(options: JournalReadOptions): Promise<JournalEntry[]>
  /** The last committed position and the pruned range. */
  journalHead(): Promise<JournalHead>
  /**
   * Deletes the oldest entries, in position order, whose signal time is before `before`, stopping at the
   * first newer one (so what is pruned is always a prefix); raises `prunedThrough`. Resolves how many.
   */
  pruneJournal(options: { before: string }): Promise<number>

  /** The stored checkpoint of a durable subscription: the last position its handler finished, or null. */
  getSubscriptionCheckpoint(name: string): Promise<number | null>
  /**
   * Stores a durable subscription's checkpoint (a lower position than the stored one is ignored). With
   * `fence`, a store with leases refuses it (CONFLICT) once that lease has another generation.
   */
  saveSubscriptionCheckpoint(name: string, position: number, now: string, fence?: LeaseFence): Promise<void>
  /** Every stored checkpoint, ordered by name (monitoring: how far each durable subscription is behind the head). */
  listSubscriptionCheckpoints(): Promise<SubscriptionCheckpoint[]>
  /** Forgets a durable subscription's checkpoint; resolves whether there was one. */
  deleteSubscriptionCheckpoint(name: string): Promise<boolean>

  /**
   * Optional: calls `onAppended` soon after any process (this one included) committed journal entries,
   * so readers learn of other processes' commits without polling (store-postgres: LISTEN/NOTIFY).
   *
   * A wake-up is a hint, not data: the reader still reads the journal by position, so a spurious or
   * coalesced call costs a read and a lost one costs only latency (readers keep a slow poll as a
   * backstop). A store MUST call `onAppended` once whenever the watch (re)connects, `head` unset, since
   * entries may have been committed while it was not listening; it MUST NOT call it after `close()`
   * resolved, and it MUST NOT throw into the caller (failures go to `options.onError`, and the store keeps
   * trying to reconnect until closed). `stop()` closes every watch.
   */
  watchJournal?(onAppended: (appended: JournalAppended) => void, options?: JournalWatchOptions): JournalWatch
}

/** What a journal watch reports (see {@link JournalStore.watchJournal}). */
export interface JournalAppended {
  /** The journal head after the commit, when known; unset: unknown (read `journalHead()`). */
  head?: number
  /**
   * The commit was made through this very store object (its own connections). Whoever wrote through it
   * usually already has the signals, so a reader may wait a moment before reading the journal for them.
   */
  local?: boolean
}

export interface JournalWatchOptions {
  /** Where connection losses and failed reconnects are reported (the watch goes on trying). */
  onError?: (error: unknown) => void
}

/** A running journal watch. */
export interface JournalWatch {
  /** Stops the watch; no callback runs after it resolves. */
  close(): Promise<void>
}
