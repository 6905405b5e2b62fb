import pg from 'pg'
import { PostgresDialect, type PostgresPool } from 'kysely'
import type { JournalAppended, JournalWatch, JournalWatchOptions } from '@jido-messaging/core'
import { createSqlStore, journalChannel, type GroupCommitTuning, type SqlStore } from '@jido-messaging/store-sql'
import { JournalListener } from './journal-watch.js'

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`; ignored when `pool` is given. */
  connectionString?: string
  /** An existing pg Pool to use; the store never ends it. */
  pool?: pg.Pool
  /** Schema holding the tables and the migration bookkeeping (default `public`); created if missing. */
  schema?: string
  /** Run pending migrations in `start()` (default true). */
  autoMigrate?: boolean
  /** Size of the pool the store creates (default 10). */
  poolSize?: number
  /** How long to wait for a connection before giving up (default 5000 ms). */
  connectTimeoutMs?: number
  /** Group-commit tuning; `maxInFlight` (default 2) should stay below the pool size so reads find a connection. */
  groupCommit?: Partial<GroupCommitTuning>
}

/** The connection string without its password, for error messages. */
export function describeTarget(options: PostgresStoreOptions): string {
  if (options.pool !== undefined) return 'the given pg pool'
  if (options.connectionString === undefined) return 'the default PG* environment target'
  try {
    const url = new URL(options.connectionString)
    if (url.password !== '') url.password = '***'
    return url.toString()
  } catch {
    return 'an unparsable connection string'
  }
}

/** Remembers the backend pid of each pool connection the store uses, while it is open (its own commits' NOTIFYs). */
function pidTracker() {
  const pids = new Set<number>()
  const seen = new WeakSet<pg.PoolClient>()
  return {
    has: (pid: number) => pids.has(pid),
    track: (client: pg.PoolClient): pg.PoolClient => {
      const pid = (client as unknown as { processID?: unknown }).processID
      if (!seen.has(client) && typeof pid === 'number') {
        seen.add(client)
        pids.add(pid)
        client.once('end', () => pids.delete(pid))
      }
      return client
    },
  }
}

/** The pool the dialect uses: a borrowed pool is wrapped so that closing the store leaves it open. */
function poolFor(options: PostgresStoreOptions, track: (client: pg.PoolClient) => pg.PoolClient): PostgresPool {
  if (options.pool !== undefined) {
    const borrowed = options.pool
    return { connect: async () => track(await borrowed.connect()), end: async () => undefined }
  }
  const pool = new pg.Pool({
    ...(options.connectionString === undefined ? {} : { connectionString: options.connectionString }),
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
  })
  // An idle client losing its connection emits 'error' on the pool; unhandled it would kill the process.
  // The next query on a fresh client surfaces the problem as STORE_UNAVAILABLE instead.
  pool.on('error', () => undefined)
  // A client that loses its connection while checked out (mid-query) emits 'error' with no pool
  // listener attached: that would be an uncaught exception. Its query rejects anyway (STORE_UNAVAILABLE).
  pool.on('connect', (client) => void client.on('error', () => undefined))
  return { connect: async () => track(await pool.connect()), end: () => pool.end() }
}

/** How the journal watch's own connection connects: like the pool's connections. */
function clientConfigFor(options: PostgresStoreOptions): pg.ClientConfig {
  if (options.pool !== undefined) return { ...(options.pool.options as pg.ClientConfig) }
  return {
    ...(options.connectionString === undefined ? {} : { connectionString: options.connectionString }),
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
  }
}

/** What {@link createPostgresStore} returns: a `MessagingStore` and `RuntimeStore` with start/stop/migrate. */
export type PostgresStore = SqlStore & {
  /**
   * Calls `onAppended` soon after any process committed journal entries on this schema (LISTEN/NOTIFY
   * on a dedicated connection, reconnecting with backoff; once more after each reconnect). `stop()`
   * closes every watch.
   */
  watchJournal(onAppended: (appended: JournalAppended) => void, options?: JournalWatchOptions): JournalWatch
}

/**
 * A `MessagingStore` and `RuntimeStore` (message commits with dedupe, outbox, dead letters, ingress
 * subscriptions) on PostgreSQL via a pg pool, schema-qualified so several stores can share a database.
 */
export function createPostgresStore(options: PostgresStoreOptions): PostgresStore {
  const schema = options.schema ?? 'public'
  const pids = pidTracker()
  const store = createSqlStore({
    name: 'store-postgres',
    kind: 'postgres',
    target: describeTarget(options),
    schema,
    connect: () => new PostgresDialect({ pool: poolFor(options, pids.track) }),
    ...(options.autoMigrate === undefined ? {} : { autoMigrate: options.autoMigrate }),
    ...(options.groupCommit === undefined ? {} : { groupCommit: options.groupCommit }),
  })
  const listener = new JournalListener({ client: clientConfigFor(options), channel: journalChannel(schema), isLocal: pids.has })
  return {
    ...store,
    watchJournal: (onAppended, watchOptions) => listener.watch(onAppended, watchOptions),
    stop: async () => {
      await listener.closeAll()
      await store.stop()
    },
  }
}
