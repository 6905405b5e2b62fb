import Database from 'better-sqlite3'
import { SqliteDialect } from 'kysely'
import { resolve } from 'node:path'
import { createSqlStore, type GroupCommitTuning, type Serializer, type SqlStore } from '@jido-messaging/store-sql'
import { backgroundCheckpoints } from './checkpointer.js'
import { withStatementCache } from './statement-cache.js'

/** The options of a store on this thread (what the worker receives, minus `thread`). */
export interface InThreadOptions {
  filename: string
  autoMigrate?: boolean
  busyTimeoutMs?: number
  walAutoCheckpointPages?: number
  walCheckpoint?: 'background' | 'inline'
  walCheckpointIntervalMs?: number
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

/**
 * One serializer per database file on this thread (the calling thread, or the worker): write
 * transactions of the stores on one file take turns here, asynchronously. Without it a second connection
 * to the file would meet the first's write lock in SQLite's busy handler, which waits synchronously and
 * so blocks this very thread; a transaction that awaits something off the thread (a worker-mode journal
 * asking the caller's thread for its signals) could then not finish before the busy timeout. Other
 * processes still meet the lock in the busy handler, as before.
 */
const fileSerializers = new Map<string, Serializer>()

function serializerFor(filename: string): Serializer | undefined {
  if (filename === ':memory:' || filename === '' || filename.startsWith('file:')) return undefined
  const key = resolve(filename)
  let serializer = fileSerializers.get(key)
  if (serializer === undefined) {
    let last: Promise<unknown> = Promise.resolve()
    serializer = <T>(fn: () => Promise<T>): Promise<T> => {
      const run = last.then(fn)
      last = run.then(() => undefined, () => undefined)
      return run
    }
    fileSerializers.set(key, serializer)
  }
  return serializer
}

/** The store on the calling thread: store-sql's kysely implementation over one better-sqlite3 connection. */
export function createInThreadStore(options: InThreadOptions): SqlStore {
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000
  const walPages = options.walAutoCheckpointPages ?? 4000
  const serializeWrites = serializerFor(options.filename)
  const mode = options.walCheckpoint ?? 'background'
  if (mode !== 'background' && mode !== 'inline') throw new TypeError(`[store-sqlite] walCheckpoint must be 'background' or 'inline', not ${String(mode)}`)
  const background = mode === 'background'
  const intervalMs = Math.max(10, Math.trunc(options.walCheckpointIntervalMs ?? 100))
  let releasing: Promise<void> | undefined
  const store = createSqlStore({
    name: 'store-sqlite',
    kind: 'sqlite',
    target: options.filename,
    connect: () => {
      const db = openDatabase(options.filename, busyTimeoutMs, walPages)
      const cached = withStatementCache(db)
      if (!background || db.memory) return new SqliteDialect({ database: cached })
      const release = backgroundCheckpoints(options.filename, intervalMs)
      return new SqliteDialect({
        database: {
          prepare: cached.prepare,
          close: () => {
            cached.close()
            releasing = release()
          },
        },
      })
    },
    ...(options.autoMigrate === undefined ? {} : { autoMigrate: options.autoMigrate }),
    ...(options.groupCommit === undefined ? {} : { groupCommit: options.groupCommit }),
    ...(serializeWrites === undefined ? {} : { serializeWrites }),
  })
  // stop() resolves once the checkpoint thread has let go of the file too: the caller may delete it then.
  return {
    ...store,
    stop: async () => {
      await store.stop()
      await releasing
    },
  }
}
