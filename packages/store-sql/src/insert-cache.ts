import { CompiledQuery, type Insertable, type Kysely } from 'kysely'
import type { Database } from './schema.js'

/** A plain INSERT of one row, which the group committer may merge with others of the same shape. */
export interface RowInsert {
  table: keyof Database & string
  row: Record<string, unknown>
}

/**
 * Inserts into one table can share one multi-row INSERT: the codec's row builders (`messageRowOf`, ...)
 * always produce the same columns in the same order for a table, so the table names the shape.
 */
export const shapeOf = (insert: RowInsert): string => insert.table

/**
 * Hot-path inserts compile once: the SQL of an INSERT depends only on the table, the column list and
 * the number of rows, so kysely builds and compiles it on first use and later calls reuse the text with
 * new values. Building a query costs more than SQLite spends running a small insert.
 */
export class InsertCache {
  readonly #sql = new Map<string, string>()

  /** Inserts one row. */
  insert<T extends keyof Database & string>(db: Kysely<Database>, table: T, row: Insertable<Database[T]>): Promise<void> {
    return this.insertMany(db, [{ table, row: row as Record<string, unknown> }])
  }

  /** Inserts rows of one table, built by the same codec function, in a single statement. */
  async insertMany(db: Kysely<Database>, inserts: readonly RowInsert[]): Promise<void> {
    const first = inserts[0]
    if (first === undefined) return
    const values: unknown[] = []
    for (const i of inserts) for (const key in i.row) values.push(i.row[key])
    const key = `${first.table}\u0000${Object.keys(first.row).join(',')}\u0000${inserts.length}`
    const sql = this.#sql.get(key)
    if (sql !== undefined) {
      await db.executeQuery(CompiledQuery.raw(sql, values))
      return
    }
    const compiled = db.insertInto(first.table).values(inserts.map((i) => i.row) as never).compile()
    // Cache only when kysely bound exactly the rows' values in order, so reuse is provably the same query.
    if (compiled.parameters.length === values.length && compiled.parameters.every((p, i) => p === values[i])) {
      this.#sql.set(key, compiled.sql)
    }
    await db.executeQuery(compiled)
  }
}
