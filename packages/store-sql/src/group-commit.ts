import { CompiledQuery, type Kysely } from 'kysely'
import { classifyDbError } from './db-errors.js'
import type { Database } from './schema.js'

// Group commit: writes from concurrent callers are queued and run together in one transaction, each
// inside its own savepoint, so one commit (one fsync on Postgres, one WAL append on SQLite) serves many
// callers and a failing write rolls back only itself. A caller is resolved only after the commit that
// holds its write.

/** A write: runs its statements on the transaction it is given, which it must not commit or leave. */
export type WriteFn<T> = (tx: Kysely<Database>) => Promise<T>

export interface GroupCommitOptions {
  /** Opens a batch transaction, e.g. `begin immediate` on SQLite so the write lock is taken up front. */
  begin: string
  /** Opens the transaction of a single write (default: `begin`). */
  beginSolo?: string
  /** Most writes per transaction. */
  maxBatchSize: number
  /** Most transactions in flight at once (1 for SQLite's single writer). */
  maxInFlight: number
  /** Run a batch without savepoints first and replay it with savepoints only when one of its writes fails. */
  optimistic: boolean
  /** Attempts of a transaction that hits a deadlock, lock timeout, serialization failure or busy database. */
  maxAttempts: number
  /** On lock contention, run the batch's writes one per transaction instead of retrying the batch. */
  splitOnContention: boolean
  /** Maps a batch-level driver error (BEGIN or COMMIT failed, connection lost) for the callers. */
  mapError: (error: unknown) => unknown
}

interface Pending {
  fn: WriteFn<unknown>
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown }

/** Thrown inside an optimistic attempt when a write failed: the batch is replayed with savepoints. */
class ReplayWithSavepoints extends Error {}

const backoff = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt))

const SAVEPOINT = CompiledQuery.raw('savepoint jm_write')
const RELEASE = CompiledQuery.raw('release savepoint jm_write')
const ROLLBACK_TO = CompiledQuery.raw('rollback to savepoint jm_write')
const COMMIT = CompiledQuery.raw('commit')
const ROLLBACK = CompiledQuery.raw('rollback')

export class GroupCommitter {
  readonly #db: Kysely<Database>
  readonly #opts: GroupCommitOptions
  readonly #begin: CompiledQuery
  readonly #beginSolo: CompiledQuery
  #queue: Pending[] = []
  #inFlight = 0
  #scheduled = false
  #idleWaiters: Array<() => void> = []

  constructor(db: Kysely<Database>, options: GroupCommitOptions) {
    this.#db = db
    this.#opts = options
    this.#begin = CompiledQuery.raw(options.begin)
    this.#beginSolo = CompiledQuery.raw(options.beginSolo ?? options.begin)
  }

  /** Queues a write; resolves with its result once the transaction holding it has committed. */
  run<T>(fn: WriteFn<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ fn, resolve: resolve as (value: unknown) => void, reject })
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
    if (batch.length > 1) {
      for (let attempt = 1; ; attempt++) {
        try {
          this.#settle(batch, await this.#attemptBatch(batch))
          return
        } catch (error) {
          if (classifyDbError(error) !== 'retryable') return this.#rejectAll(batch, error)
          // Lock contention with another transaction (a deadlock, or a lock wait past the batch's lock
          // timeout): on Postgres the writes go on one per transaction, which cannot deadlock each other
          // the way two batches holding many row locks can.
          if (this.#opts.splitOnContention) break
          if (attempt >= this.#opts.maxAttempts) return this.#rejectAll(batch, error)
          await backoff(attempt)
        }
      }
    }
    for (const p of batch) await this.#runSolo(p)
  }

  async #runSolo(p: Pending): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        this.#settle([p], await this.#attempt([p], false, this.#beginSolo))
        return
      } catch (error) {
        if (classifyDbError(error) !== 'retryable' || attempt >= this.#opts.maxAttempts) return this.#rejectAll([p], error)
        await backoff(attempt)
      }
    }
  }

  async #attemptBatch(batch: Pending[]): Promise<Outcome[]> {
    try {
      return await this.#attempt(batch, !this.#opts.optimistic, this.#begin)
    } catch (error) {
      if (!(error instanceof ReplayWithSavepoints)) throw error
      return this.#attempt(batch, true, this.#begin)
    }
  }

  #settle(batch: Pending[], outcomes: Outcome[]): void {
    outcomes.forEach((o, i) => (o.ok ? batch[i]!.resolve(o.value) : batch[i]!.reject(o.error)))
  }

  #rejectAll(batch: Pending[], error: unknown): void {
    const mapped = this.#opts.mapError(error)
    for (const p of batch) p.reject(mapped)
  }

  /** One transaction over the batch; throws (after rolling back) when the whole batch must be retried or failed. */
  #attempt(batch: Pending[], savepoints: boolean, begin: CompiledQuery): Promise<Outcome[]> {
    return this.#db.connection().execute(async (conn) => {
      await conn.executeQuery(begin)
      const outcomes: Outcome[] = []
      try {
        for (const p of batch) {
          if (savepoints) await conn.executeQuery(SAVEPOINT)
          try {
            const value = await p.fn(conn)
            if (savepoints) await conn.executeQuery(RELEASE)
            outcomes.push({ ok: true, value })
          } catch (error) {
            if (classifyDbError(error) === 'retryable') throw error
            if (!savepoints) {
              if (batch.length > 1) throw new ReplayWithSavepoints()
              await conn.executeQuery(ROLLBACK)
              return [{ ok: false, error }]
            }
            await conn.executeQuery(ROLLBACK_TO)
            await conn.executeQuery(RELEASE)
            outcomes.push({ ok: false, error })
          }
        }
        await conn.executeQuery(COMMIT)
        return outcomes
      } catch (error) {
        await conn.executeQuery(ROLLBACK).catch(() => undefined)
        throw error
      }
    })
  }
}
