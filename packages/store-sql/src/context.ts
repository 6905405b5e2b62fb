import type { JournalWrite, LeaseFence } from '@jido-messaging/core'
import type { Insertable, Kysely } from 'kysely'
import type { SqlDialectKind } from './dialect.js'
import type { Mergeable, WriteFn } from './group-commit.js'
import type { InsertCache } from './insert-cache.js'
import type { Database } from './schema.js'
import type { Statements } from './statements.js'

/** What the per-concern operation modules share. */
export interface SqlContext {
  /** Store name for error messages, e.g. `store-sqlite`. */
  readonly name: string
  readonly kind: SqlDialectKind
  /** The database for reads (schema-qualified on Postgres). Available once the store started. */
  readonly db: Kysely<Database>
  /**
   * Runs a write in a group-committed transaction; `fn` must use only the `tx` it is given. With
   * `merge`, concurrent writes of the same shape may run together through `merge.runMany` instead.
   * With `journal`, `journal.signals(result)` runs in the transaction once the write succeeded, and its
   * signals are appended to the journal before COMMIT (`journal.firstPosition` is set once committed).
   * With `fence` (or `journal.fence`), the write fails with CONFLICT, leaving nothing, once that lease
   * term is superseded (checked in its transaction).
   */
  write<T>(fn: WriteFn<T>, merge?: Mergeable, journal?: JournalWrite<T>, fence?: LeaseFence): Promise<T>
  /** A write that is exactly one single-row INSERT; concurrent ones may share a multi-row INSERT. */
  insert<T, K extends keyof Database & string>(table: K, row: Insertable<Database[K]>, result: () => T, journal?: JournalWrite<T>): Promise<T>
  /** A write that pruned the journal through the position `through(result)` (undefined: nothing); raises `pruned_through` before COMMIT. */
  prune<T>(fn: WriteFn<T>, through: (result: T) => number | undefined): Promise<T>
  /** Compiled single-row inserts, reused across calls. */
  readonly inserts: InsertCache
  /** Compiled hot-path statements (dedupe claim, member insert), reused across calls. */
  readonly statements: Statements
  /** Encodes a boolean for the dialect (SQLite 0/1). */
  bool(value: boolean): boolean | number
}
