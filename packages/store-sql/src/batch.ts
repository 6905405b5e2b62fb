import type { JournalWrite, LeaseFence } from '@jido-messaging/core'
import { CompiledQuery, type Kysely } from 'kysely'
import { classifyDbError } from './db-errors.js'
import { shapeOf, type InsertCache, type RowInsert } from './insert-cache.js'
import { journalRowsOf, type JournalRow } from './journal-rows.js'
import type { Database } from './schema.js'

// Runs one batch of queued writes as one transaction (see group-commit.ts for the queue around it).

/** A write: runs its statements on the transaction it is given, which it must not commit or leave. */
export type WriteFn<T> = (tx: Kysely<Database>) => Promise<T>

/**
 * A write that can share one statement per kind with its neighbours: consecutive writes of the same
 * `shape` run together through `runMany` (one multi-row INSERT, one multi-row claim, ...) in a `fast`
 * attempt. In a `safe` replay each write runs alone through its own `fn`, which must do the same thing.
 */
export interface Mergeable {
  /** Writes of one shape merge; writes of different shapes never do. */
  shape: string
  /** This write's part, as `runMany` takes it. */
  item: unknown
  /** Keys that must be distinct within one merged step (a second write with a key already in it starts a new step). */
  keys?: readonly string[]
  /** Runs the items of one step, in order, on `tx`; resolves each write's result, in the same order. */
  runMany: (tx: Kysely<Database>, items: unknown[]) => Promise<unknown[]>
  /** The step is one statement, atomic by itself: a batch of only this step needs no explicit transaction. */
  singleStatement?: boolean
}

/** A write that is a plain single-row INSERT: it may be merged into one multi-row INSERT with others. */
export interface MergeableInsert extends RowInsert {
  /** The write's result once the row is in. */
  result: () => unknown
}

/**
 * What a write adds to its batch's journal tail. The tail runs as the batch's last statements before
 * COMMIT: one UPDATE of the `journal_head` row (advancing the position by the batch's signal count,
 * raising `pruned_through`) and the multi-row INSERT of the batch's signals at the positions that
 * UPDATE handed out. On Postgres the head row's lock, held until COMMIT, orders the commits of journaled
 * transactions, so positions become visible in commit order; taken last, it closes no deadlock cycle.
 * On Postgres the same statement also queues the batch's one NOTIFY (the new head) for its schema's
 * listeners, sent at COMMIT (see `postgresAppender`).
 */
export interface JournalTail {
  /** The caller's journal: `signals(result)` is called in the write's transaction, after the write. */
  journal?: JournalWrite<unknown>
  /** pruneJournal: the position through which the write pruned, given its result (undefined: none). */
  prunedThrough?: (result: unknown) => number | undefined
  /**
   * The lease term the write is made under (also read from `journal.fence`): checked in the write's
   * transaction, after it and before COMMIT (in its savepoint when the batch is replayed `safe`); a
   * superseded term fails the write alone.
   */
  fence?: LeaseFence
}

/** Throws (a `ConflictError`) when `fence` is superseded; runs on the write's transaction. */
export type FenceCheck = (tx: Kysely<Database>, fence: LeaseFence) => Promise<void>

const fenceOf = (tail: JournalTail): LeaseFence | undefined => tail.fence ?? tail.journal?.fence

/** Runs a batch's journal tail on its transaction; resolves the position of the first signal appended. */
export type JournalAppender = (tx: Kysely<Database>, rows: JournalRow[], prunedThrough: number | undefined) => Promise<number>

export interface Pending {
  fn: WriteFn<unknown>
  merge?: Mergeable
  tail?: JournalTail
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
}

/** The {@link Mergeable} of a plain single-row INSERT: same-table inserts share one multi-row INSERT. */
export function mergeableInsert(inserts: InsertCache, insert: MergeableInsert): Mergeable {
  return {
    shape: `insert:${shapeOf(insert)}`,
    item: insert,
    singleStatement: true,
    runMany: async (tx, items) => {
      const rows = items as MergeableInsert[]
      await inserts.insertMany(tx, rows)
      return rows.map((r) => r.result())
    },
  }
}

export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown }

/**
 * `fast`: merge runs of same-shape inserts into multi-row INSERTs and use no savepoints; any failing
 * write aborts the attempt with {@link ReplayNeeded}. `safe`: each write alone, in its own savepoint, so
 * a failing write rolls back only itself.
 */
export type AttemptMode = 'fast' | 'safe'

/** Thrown by a `fast` attempt when a write failed: the batch is replayed in `safe` mode. */
export class ReplayNeeded extends Error {}

const SAVEPOINT = CompiledQuery.raw('savepoint jm_write')
const RELEASE = CompiledQuery.raw('release savepoint jm_write')
const ROLLBACK_TO = CompiledQuery.raw('rollback to savepoint jm_write')
const COMMIT = CompiledQuery.raw('commit')
const ROLLBACK = CompiledQuery.raw('rollback')

/** A successful write's share of the journal tail. */
interface TailPart {
  journal: JournalWrite<unknown> | undefined
  rows: JournalRow[]
  pruned: number | undefined
}

/** Calls a write's tail hooks with its result (in its transaction, after it); a throw fails the write. */
async function tailOf(tail: JournalTail, value: unknown): Promise<TailPart> {
  return {
    journal: tail.journal,
    rows: tail.journal === undefined ? [] : journalRowsOf(await tail.journal.signals(value)),
    pruned: tail.prunedThrough?.(value),
  }
}

/** Consecutive same-shape mergeable writes with distinct keys form one step; any other write is a step of its own. */
function stepsOf(batch: Pending[]): Pending[][] {
  const steps: Pending[][] = []
  let shape: string | undefined
  let keys = new Set<string>()
  for (const p of batch) {
    const m = p.merge
    const last = steps.at(-1)
    if (m !== undefined && m.shape === shape && last !== undefined && !(m.keys ?? []).some((k) => keys.has(k))) {
      last.push(p)
    } else {
      steps.push([p])
      keys = new Set()
    }
    for (const k of m?.keys ?? []) keys.add(k)
    shape = m?.shape
  }
  return steps
}

/** Runs a write transaction alone among those sharing the same serializer (see `SqlStoreConfig.serializeWrites`). */
export type Serializer = <T>(fn: () => Promise<T>) => Promise<T>

export class BatchRunner {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly appendJournal: JournalAppender,
    private readonly serialize: Serializer = (fn) => fn(),
    private readonly checkFence?: FenceCheck,
  ) {}

  /** Checks the distinct fences of `tails`, one statement each. */
  async #fences(conn: Kysely<Database>, tails: JournalTail[]): Promise<void> {
    if (this.checkFence === undefined) return
    const seen = new Set<string>()
    for (const tail of tails) {
      const fence = fenceOf(tail)
      if (fence === undefined || seen.has(`${fence.generation}\u0000${fence.name}`)) continue
      seen.add(`${fence.generation}\u0000${fence.name}`)
      await this.checkFence(conn, fence)
    }
  }

  /** Runs the batch; throws (after rolling back) when the whole batch must be replayed, retried or failed. */
  attempt(batch: Pending[], mode: AttemptMode, begin: CompiledQuery): Promise<Outcome[]> {
    return this.serialize(() => this.#attempt(batch, mode, begin))
  }

  async #attempt(batch: Pending[], mode: AttemptMode, begin: CompiledQuery): Promise<Outcome[]> {
    const steps = mode === 'fast' ? stepsOf(batch) : batch.map((p) => [p])
    const only = steps.length === 1 ? steps[0] : undefined
    // A write with a journal tail needs the transaction: its signals are appended after it, before COMMIT.
    if (mode === 'fast' && only?.[0]?.merge?.singleStatement === true && only.every((p) => p.tail === undefined)) return this.#autocommit(only)
    const single = batch.length === 1
    const guarded = mode === 'safe' && !single
    return this.db.connection().execute(async (conn) => {
      await conn.executeQuery(begin)
      const outcomes: Outcome[] = []
      const parts: TailPart[] = []
      // `fast`: tail hooks run together once every step ran (a worker-mode store's hooks then cross
      // threads once per batch, not once per write); a throwing hook replays the batch `safe`, where
      // each write's hooks run right after it, inside its savepoint, so a throw fails that write alone.
      const deferred: Array<{ tail: JournalTail; value: unknown }> = []
      try {
        for (const step of steps) {
          if (guarded) await conn.executeQuery(SAVEPOINT)
          try {
            const merge = step[0]?.merge
            const values = mode === 'fast' && merge !== undefined
              ? await merge.runMany(conn, step.map((p) => p.merge!.item))
              : [await step[0]!.fn(conn)]
            const tail = step[0]!.tail
            let part: TailPart | undefined
            if (mode === 'fast') {
              step.forEach((p, i) => {
                if (p.tail !== undefined) deferred.push({ tail: p.tail, value: values[i] })
              })
            } else if (tail !== undefined) {
              await this.#fences(conn, [tail])
              part = await tailOf(tail, values[0])
            }
            if (guarded) await conn.executeQuery(RELEASE)
            for (const value of values) outcomes.push({ ok: true, value })
            if (part !== undefined) parts.push(part)
          } catch (error) {
            if (classifyDbError(error) === 'retryable') throw error
            if (single) {
              await conn.executeQuery(ROLLBACK)
              return [{ ok: false, error }]
            }
            if (mode === 'fast') throw new ReplayNeeded()
            await conn.executeQuery(ROLLBACK_TO)
            await conn.executeQuery(RELEASE)
            outcomes.push({ ok: false, error })
          }
        }
        if (deferred.length > 0) {
          try {
            await this.#fences(conn, deferred.map((d) => d.tail))
            parts.push(...await Promise.all(deferred.map((d) => tailOf(d.tail, d.value))))
          } catch (error) {
            // A fence's row lock that timed out is contention, like a write's: the batch is retried or split.
            if (classifyDbError(error) === 'retryable') throw error
            if (!single) throw new ReplayNeeded()
            await conn.executeQuery(ROLLBACK)
            return [{ ok: false, error }]
          }
        }
        let pruned: number | undefined
        for (const part of parts) if (part.pruned !== undefined && (pruned === undefined || part.pruned > pruned)) pruned = part.pruned
        const rows = parts.length === 1 ? parts[0]!.rows : parts.flatMap((p) => p.rows)
        const first = rows.length > 0 || pruned !== undefined ? await this.appendJournal(conn, rows, pruned) : 0
        await conn.executeQuery(COMMIT)
        // Committed: each journal learns where its signals landed (consecutive, in batch order).
        let position = first
        for (const { journal, rows: own } of parts) {
          if (journal === undefined) continue
          if (own.length === 0) {
            delete journal.firstPosition
          } else {
            journal.firstPosition = position
            position += own.length
          }
        }
        return outcomes
      } catch (error) {
        await conn.executeQuery(ROLLBACK).catch(() => undefined)
        throw error
      }
    })
  }

  /** One single-statement step only (a multi-row INSERT): atomic by itself, it needs no explicit transaction. */
  async #autocommit(step: Pending[]): Promise<Outcome[]> {
    let values: unknown[]
    try {
      values = await step[0]!.merge!.runMany(this.db, step.map((p) => p.merge!.item))
    } catch (error) {
      if (classifyDbError(error) === 'retryable') throw error
      if (step.length > 1) throw new ReplayNeeded()
      return [{ ok: false, error }]
    }
    return values.map((value) => ({ ok: true, value }))
  }
}
