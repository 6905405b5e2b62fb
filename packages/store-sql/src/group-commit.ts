import { CompiledQuery, type Kysely } from 'kysely'
import {
  BatchRunner, ReplayNeeded, type FenceCheck, type JournalAppender, type JournalTail, type Mergeable, type Outcome, type Pending, type Serializer, type WriteFn,
} from './batch.js'
import { classifyDbError } from './db-errors.js'
import type { Database } from './schema.js'

// Group commit: writes from concurrent callers are queued and run together in one transaction, so one
// commit (one fsync on Postgres, one WAL append on SQLite) serves many callers. A batch first runs
// fast (no savepoints; runs of plain inserts merged into multi-row INSERTs); if a write fails, the batch
// is replayed with each write in its own savepoint, so the failing write rolls back only itself and
// fails only its caller. A caller is resolved only after the commit that holds its write.

export type { WriteFn, Mergeable, MergeableInsert, JournalTail, JournalAppender, Serializer, FenceCheck } from './batch.js'
export { mergeableInsert } from './batch.js'

export interface GroupCommitOptions {
  /** Opens a batch transaction, e.g. `begin immediate` on SQLite so the write lock is taken up front. */
  begin: string
  /** Opens the transaction of a single write (default: `begin`). */
  beginSolo?: string
  /** Most writes per transaction. */
  maxBatchSize: number
  /** Most transactions in flight at once (1 for SQLite's single writer). */
  maxInFlight: number
  /** Attempts of a transaction that hits a deadlock, lock timeout, serialization failure or busy database. */
  maxAttempts: number
  /** On lock contention, run the batch's writes one per transaction instead of retrying the batch. */
  splitOnContention: boolean
  /** Maps a batch-level driver error (BEGIN or COMMIT failed, connection lost) for the callers. */
  mapError: (error: unknown) => unknown
  /** Runs a batch's journal tail (see {@link JournalTail}) as its last statements before COMMIT. */
  appendJournal: JournalAppender
  /** Runs each transaction alone among those sharing it (see `SqlStoreConfig.serializeWrites`). */
  serialize?: Serializer
  /** Checks a write's lease fence (see {@link JournalTail.fence}) in its transaction. */
  checkFence?: FenceCheck
}

const backoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt))

export class GroupCommitter {
  readonly #opts: GroupCommitOptions
  readonly #runner: BatchRunner
  readonly #begin: CompiledQuery
  readonly #beginSolo: CompiledQuery
  #queue: Pending[] = []
  #inFlight = 0
  #scheduled = false
  #idleWaiters: Array<() => void> = []

  constructor(db: Kysely<Database>, options: GroupCommitOptions) {
    this.#opts = options
    this.#runner = new BatchRunner(db, options.appendJournal, options.serialize, options.checkFence)
    this.#begin = CompiledQuery.raw(options.begin)
    this.#beginSolo = CompiledQuery.raw(options.beginSolo ?? options.begin)
  }

  /**
   * Queues a write; resolves with its result once the transaction holding it has committed. `merge`
   * declares that `fn` does exactly what `merge.runMany` does for `merge.item` alone. `tail`: what the
   * write adds to the batch's journal tail (signals to append, a pruned range).
   */
  run<T>(fn: WriteFn<T>, merge?: Mergeable, tail?: JournalTail): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({
        fn, ...(merge === undefined ? {} : { merge }), ...(tail === undefined ? {} : { tail }),
        resolve: resolve as (value: unknown) => void, reject,
      })
      this.#schedule()
    })
  }

  /** Resolves once every queued and in-flight write has settled. */
  drain(): Promise<void> {
    if (this.#queue.length === 0 && this.#inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  #schedule(): void {
    if (this.#scheduled || this.#queue.length === 0 || this.#inFlight >= this.#opts.maxInFlight) return
    this.#scheduled = true
    // setImmediate, not a microtask: callers that are about to write in this turn join the batch.
    setImmediate(() => {
      this.#scheduled = false
      this.#dispatch()
    })
  }

  #dispatch(): void {
    while (this.#queue.length > 0 && this.#inFlight < this.#opts.maxInFlight) {
      const free = this.#opts.maxInFlight - this.#inFlight
      const size = Math.min(this.#opts.maxBatchSize, Math.ceil(this.#queue.length / free))
      const batch = this.#queue.splice(0, size)
      this.#inFlight++
      void this.#runBatch(batch).finally(() => {
        this.#inFlight--
        this.#schedule()
        if (this.#queue.length === 0 && this.#inFlight === 0) {
          for (const wake of this.#idleWaiters.splice(0)) wake()
        }
      })
    }
  }

  async #runBatch(batch: Pending[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        this.#settle(batch, await this.#attemptBatch(batch))
        return
      } catch (error) {
        if (classifyDbError(error) !== 'retryable') return this.#rejectAll(batch, error)
        // Lock contention with another transaction (a deadlock, or a lock wait past the batch's lock
        // timeout): on Postgres the writes go on one per transaction (`beginSolo`, without the batch's
        // lock timeout), which cannot deadlock each other the way two batches holding many row locks can.
        // A batch of one goes that way too: a write that must wait for another transaction (a dedupe
        // claim the other has not committed yet) then waits as long as that takes instead of failing.
        if (this.#opts.splitOnContention) break
        if (attempt >= this.#opts.maxAttempts) return this.#rejectAll(batch, error)
        await backoff(attempt)
      }
    }
    for (const p of batch) await this.#runSolo(p)
  }

  async #runSolo(p: Pending): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        this.#settle([p], await this.#runner.attempt([p], 'safe', this.#beginSolo))
        return
      } catch (error) {
        if (classifyDbError(error) !== 'retryable' || attempt >= this.#opts.maxAttempts) return this.#rejectAll([p], error)
        await backoff(attempt)
      }
    }
  }

  async #attemptBatch(batch: Pending[]): Promise<Outcome[]> {
    try {
      return await this.#runner.attempt(batch, 'fast', this.#begin)
    } catch (error) {
      if (!(error instanceof ReplayNeeded)) throw error
      return this.#runner.attempt(batch, 'safe', this.#begin)
    }
  }

  #settle(batch: Pending[], outcomes: Outcome[]): void {
    outcomes.forEach((o, i) => (o.ok ? batch[i]!.resolve(o.value) : batch[i]!.reject(o.error)))
  }

  #rejectAll(batch: Pending[], error: unknown): void {
    const mapped = this.#opts.mapError(error)
    for (const p of batch) p.reject(mapped)
  }
}
