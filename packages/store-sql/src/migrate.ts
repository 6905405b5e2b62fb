import { StoreUnavailableError } from '@jido-messaging/core'
import { CompiledQuery, Migrator, sql, type Kysely, type MigrationResultSet } from 'kysely'
import type { SqlDialectKind } from './dialect.js'
import { classifyDbError } from './db-errors.js'
import { storeMigrationProvider } from './migrations.js'

export interface MigrateOptions {
  kind: SqlDialectKind
  /** Store name for error messages. */
  name: string
  /** Postgres schema that holds the tables and the migration bookkeeping. */
  schema?: string
}

function check(name: string, result: MigrationResultSet): void {
  if (result.error === undefined) return
  const failed = result.results?.find((r) => r.status === 'Error')?.migrationName ?? '(setup)'
  const reason = result.error instanceof Error ? result.error.message : String(result.error)
  throw new StoreUnavailableError(`[${name}] migration ${failed} failed: ${reason}`, result.error)
}

/**
 * Applies pending migrations. On SQLite the whole run holds the write lock (BEGIN IMMEDIATE), because
 * kysely takes no migration lock there and several processes may start on one file at once; on
 * Postgres kysely's advisory lock serializes concurrent migrators.
 */
export async function runMigrations(db: Kysely<any>, options: MigrateOptions): Promise<void> {
  const provider = storeMigrationProvider(options.kind, options.schema)
  if (options.kind === 'sqlite') {
    await db.connection().execute(async (conn) => {
      await conn.executeQuery(CompiledQuery.raw('begin immediate'))
      try {
        check(options.name, await new Migrator({ db: conn, provider }).migrateToLatest())
        await conn.executeQuery(CompiledQuery.raw('commit'))
      } catch (error) {
        await conn.executeQuery(CompiledQuery.raw('rollback')).catch(() => undefined)
        throw error
      }
    })
    return
  }
  for (let attempt = 1; ; attempt++) {
    try {
      if (options.schema !== undefined) await sql`create schema if not exists ${sql.id(options.schema)}`.execute(db)
      const migrator = new Migrator({
        db, provider, ...(options.schema === undefined ? {} : { migrationTableSchema: options.schema }),
      })
      check(options.name, await migrator.migrateToLatest())
      return
    } catch (error) {
      // Two processes creating the schema or the bookkeeping tables at once: the loser retries and finds them.
      // 3F000 (invalid_schema_name): kysely's migrator introspects every schema of the database, and one
      // dropped by another process between its listing and its lookup fails the run; a retry lists anew.
      const cause = error instanceof StoreUnavailableError ? error.cause : error
      const code = (cause as { code?: unknown } | undefined)?.code
      const raced = classifyDbError(cause) === 'unique' || code === '42P06' || code === '42P07' || code === '3F000'
      if (!raced || attempt >= 6) throw error
      await new Promise((r) => setTimeout(r, 20 * attempt))
    }
  }
}
