import type { GroupCommitTuning, SqlStore } from '@jido-messaging/store-sql'
import { createInThreadStore } from './open.js'
import { createWorkerStore } from './worker-client.js'

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
  /**
   * Who copies the WAL into the database file. `'background'` (default for files): a thread of this
   * process runs a PASSIVE checkpoint every `walCheckpointIntervalMs`, so commits almost never do it
   * themselves (the autocheckpoint above stays as the backstop); ingest runs about 1.4x faster and its
   * p99 drops from about 40 ms to about 7 ms (BENCHMARKS.md). `'inline'`: only SQLite's autocheckpoint,
   * inside the commit that crosses the threshold.
   */
  walCheckpoint?: 'background' | 'inline'
  /** How often the background checkpoint runs (default 100 ms). */
  walCheckpointIntervalMs?: number
  /** Group-commit tuning; the defaults suit most uses. */
  groupCommit?: Partial<GroupCommitTuning>
  /**
   * Where SQLite runs. `'main'` (default): on the calling thread; every query blocks the event loop
   * while it runs (a batch commit takes a few milliseconds). `'worker'`: on a worker thread shared by
   * the process's worker-mode stores, so queries never block this thread's event loop; each call then
   * crosses threads, which costs throughput on small writes (see BENCHMARKS.md).
   */
  thread?: 'worker' | 'main'
}

/** What {@link createSqliteStore} returns: a `MessagingStore` and `RuntimeStore` with start/stop/migrate. */
export type SqliteStore = SqlStore

// From the sources (this package's own tests) the worker is the built one: a worker thread cannot load TypeScript.
const WORKER_URL = import.meta.url.endsWith('.ts') ? new URL('../dist/worker.js', import.meta.url) : new URL('./worker.js', import.meta.url)

/**
 * A `MessagingStore` and `RuntimeStore` (message commits with dedupe, outbox, dead letters, ingress
 * subscriptions) on SQLite via better-sqlite3: the gateway's embedded default.
 */
export function createSqliteStore(options: SqliteStoreOptions): SqliteStore {
  const { thread = 'main', ...rest } = options
  if (thread !== 'worker' && thread !== 'main') throw new TypeError(`[store-sqlite] thread must be 'worker' or 'main', not ${String(thread)}`)
  return thread === 'main' ? createInThreadStore(rest) : createWorkerStore(rest, WORKER_URL)
}
