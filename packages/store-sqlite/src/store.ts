import Database from 'better-sqlite3'
import { SqliteDialect } from 'kysely'
import { createSqlStore, type GroupCommitTuning, type SqlStore } from '@jido-messaging/store-sql'
import { withStatementCache } from './statement-cache.js'

export interface SqliteStoreOptions {
  /** Database file path, or `:memory:` for a private in-memory database. */
  filename: string
  /** Run pending migrations in `start()` (default true). */
  autoMigrate?: boolean
  /** How long a write waits for another process holding the file's write lock (default 5000 ms). */
  busyTimeoutMs?: number
  /**
   * WAL pages after which a commit checkpoints the WAL into the database file (default 4000, about
   * 16 MB; SQLite's own default is 1000). Fewer, larger checkpoints write hot index pages less often.
   */
  walAutoCheckpointPages?: number
  /** Group-commit tuning; the defaults suit most uses. */
  groupCommit?: Partial<GroupCommitTuning>
}

/** Opens the file with the pragmas the store relies on: WAL, NORMAL sync, foreign keys, busy timeout. */
function openDatabase(filename: string, busyTimeoutMs: number, walPages: number): Database.Database {
  const db = new Database(filename, { timeout: busyTimeoutMs })
  try {
    if (filename !== ':memory:' && filename !== '') {
      db.pragma('journal_mode = WAL')
      db.pragma(`wal_autocheckpoint = ${Math.max(0, Math.trunc(walPages))}`)
    }
    // In WAL mode NORMAL is durable against process crashes and only risks the last commits on power loss.
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    db.pragma('temp_store = MEMORY')
    return db
  } catch (error) {
    db.close()
    throw error
  }
}

/** What {@link createSqliteStore} returns: a `MessagingStore` and `RuntimeStore` with start/stop/migrate. */
export type SqliteStore = SqlStore

/**
 * A `MessagingStore` and `RuntimeStore` (message commits with dedupe, outbox, dead letters, ingress
 * subscriptions) on SQLite via better-sqlite3: the gateway's embedded default.
 */
export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000
  const walPages = options.walAutoCheckpointPages ?? 4000
  return createSqlStore({
    name: 'store-sqlite',
    kind: 'sqlite',
    target: options.filename,
    connect: () => new SqliteDialect({ database: withStatementCache(openDatabase(options.filename, busyTimeoutMs, walPages)) }),
    ...(options.autoMigrate === undefined ? {} : { autoMigrate: options.autoMigrate }),
    ...(options.groupCommit === undefined ? {} : { groupCommit: options.groupCommit }),
  })
}
