import { CompiledQuery, type Insertable, type Kysely } from 'kysely'
import type { Database } from './schema.js'

/**
 * Hot-path inserts compile once: the SQL of an INSERT of one row depends only on the table and the
 * column list, so kysely builds and compiles it on first use and later calls reuse the text with new
 * values. Building a query costs more than SQLite spends running a small insert.
 */
export class InsertCache {
  readonly #sql = new Map<string, string>()

  async insert<T extends keyof Database & string>(db: Kysely<Database>, table: T, row: Insertable<Database[T]>): Promise<void> {
    const values = Object.values(row)
    const key = `${table}\u0000${Object.keys(row).join(',')}`
    const sql = this.#sql.get(key)
    if (sql !== undefined) {
      await db.executeQuery(CompiledQuery.raw(sql, values))
      return
    }
    const compiled = db.insertInto(table).values(row as never).compile()
    // Cache only when kysely bound exactly the row's values in order, so reuse is provably the same query.
    if (compiled.parameters.length === values.length && compiled.parameters.every((p, i) => p === values[i])) {
      this.#sql.set(key, compiled.sql)
    }
    await db.executeQuery(compiled)
  }
}
