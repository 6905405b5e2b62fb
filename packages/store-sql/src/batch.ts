import { CompiledQuery, type Kysely } from 'kysely'
import { classifyDbError } from './db-errors.js'
import { shapeOf, type InsertCache, type RowInsert } from './insert-cache.js'
import type { Database } from './schema.js'

// Runs one batch of queued writes as one transaction (see group-commit.ts for the queue around it).

/** A write: runs its statements on the transaction it is given, which it must not commit or leave. */
export type WriteFn<T> = (tx: Kysely<Database>) => Promise<T>

/** A write that is a plain single-row INSERT: it may be merged into one multi-row INSERT with others. */
export interface MergeableInsert extends RowInsert {
  /** The write's result once the row is in. */
  result: () => unknown
}

export interface Pending {
  fn: WriteFn<unknown>
  insert?: MergeableInsert
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
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

/** Consecutive same-shape inserts form one step; any other write is a step of its own. */
function stepsOf(batch: Pending[]): Pending[][] {
  const steps: Pending[][] = []
  let shape: string | undefined
  for (const p of batch) {
    const s = p.insert === undefined ? undefined : shapeOf(p.insert)
    const last = steps.at(-1)
    if (s !== undefined && s === shape && last !== undefined) last.push(p)
    else steps.push([p])
    shape = s
  }
  return steps
}

export class BatchRunner {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly inserts: InsertCache,
  ) {}

  /** Runs the batch; throws (after rolling back) when the whole batch must be replayed, retried or failed. */
  async attempt(batch: Pending[], mode: AttemptMode, begin: CompiledQuery): Promise<Outcome[]> {
    const steps = mode === 'fast' ? stepsOf(batch) : batch.map((p) => [p])
    const only = steps.length === 1 ? steps[0] : undefined
    if (mode === 'fast' && only?.[0]?.insert !== undefined) return this.#autocommit(only)
    const single = batch.length === 1
    const guarded = mode === 'safe' && !single
    return this.db.connection().execute(async (conn) => {
      await conn.executeQuery(begin)
      const outcomes: Outcome[] = []
      try {
        for (const step of steps) {
          if (guarded) await conn.executeQuery(SAVEPOINT)
          try {
            if (mode === 'fast' && step[0]?.insert !== undefined) {
              await this.inserts.insertMany(conn, step.map((p) => p.insert!))
              for (const p of step) outcomes.push({ ok: true, value: p.insert!.result() })
            } else {
              outcomes.push({ ok: true, value: await step[0]!.fn(conn) })
            }
            if (guarded) await conn.executeQuery(RELEASE)
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
        await conn.executeQuery(COMMIT)
        return outcomes
      } catch (error) {
        await conn.executeQuery(ROLLBACK).catch(() => undefined)
        throw error
      }
    })
  }

  /** Same-shape inserts only: one multi-row INSERT is atomic by itself and needs no explicit transaction. */
  async #autocommit(step: Pending[]): Promise<Outcome[]> {
    try {
      await this.inserts.insertMany(this.db, step.map((p) => p.insert!))
    } catch (error) {
      if (classifyDbError(error) === 'retryable') throw error
      if (step.length > 1) throw new ReplayNeeded()
      return [{ ok: false, error }]
    }
    return step.map((p) => ({ ok: true, value: p.insert!.result() }))
  }
}
