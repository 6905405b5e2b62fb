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
  /** Stores a durable subscription's checkpoint (a lower position than the stored one is ignored). */
  saveSubscriptionCheckpoint(name: string, position: number, now: string): Promise<void>
  /** Forgets a durable subscription's checkpoint; resolves whether there was one. */
  deleteSubscriptionCheckpoint(name: string): Promise<boolean>
}
