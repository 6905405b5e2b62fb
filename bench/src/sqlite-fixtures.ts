// What the SQLite benchmarks share: migrated store files with one room, the bare connection with the
// store's pragmas, the bare baselines (one prepared INSERT of a message row, one row per transaction or
// as many rows per transaction as the store's group commit reached), and a count of the store's commits.
import Database from 'better-sqlite3'
import { createMessaging, newId } from '@jido-messaging/core'
import { createSqliteStore } from '@jido-messaging/store-sqlite'
import { join } from 'node:path'
import { expectStored, throughput } from './harness.js'

/** Rows the SQLite baselines insert first, unmeasured, so the JIT and SQLite's caches are warm. */
export const BARE_WARMUP = 2_000

// Counts the `commit` statements run through better-sqlite3 on this thread. kysely ends every transaction
// of the store (each group-commit batch) with a lowercase `commit`; better-sqlite3's own `transaction()`,
// which the baselines use, prepares `COMMIT` natively, so the baselines are not counted. A store in worker
// mode runs its statements on another thread: not counted either.
let commits = 0
const prepare = Database.prototype.prepare
Database.prototype.prepare = function (this: Database.Database, source: string) {
  const stmt = prepare.call(this, source) as unknown as { run: (...args: unknown[]) => unknown }
  if (source === 'commit') {
    const run = stmt.run
    stmt.run = function (this: unknown, ...args: unknown[]) {
      commits++
      return run.apply(this, args)
    }
  }
  return stmt
} as typeof prepare

/** Transactions the store committed on this thread so far (read it before and after a measured window). */
export const sqliteCommits = (): number => commits

/** Fresh file names in `dir`. */
export function fileNamer(dir: string, label: string): () => string {
  let files = 0
  return () => join(dir, `${label}-${files++}.db`)
}

/** A migrated, empty store file with one room; returns the file and the room id. */
export async function preparedFile(filename: string): Promise<{ filename: string; roomId: string }> {
  const messaging = createMessaging({ store: createSqliteStore({ filename }), instanceId: 'bench' })
  await messaging.start()
  const room = await messaging.createRoom({ name: 'bench' })
  await messaging.stop()
  return { filename, roomId: room.id }
}

/** The same pragmas the store sets (store-sqlite's openDatabase, default options). */
export function openBare(filename: string): Database.Database {
  const db = new Database(filename)
  db.pragma('journal_mode = WAL')
  db.pragma('wal_autocheckpoint = 4000')
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  db.pragma('temp_store = MEMORY')
  return db
}

/**
 * Bare better-sqlite3 on a prepared file: one prepared INSERT of the full message row, run `rowsPerTx`
 * times per transaction (1: one row per transaction; more: the rows per transaction the store's group
 * commit reached, the physical limit of that batching), after {@link BARE_WARMUP} unmeasured rows
 * batched the same way. Counts the rows after and throws on a shortfall. Returns rows/s.
 */
export async function bareMessageRate(filename: string, count: number, rowsPerTx = 1) {
  const { roomId } = await preparedFile(filename)
  const db = openBare(filename)
  const insert = db.prepare(`insert into messages (id, room_id, sender_id, role, content, status, reactions, receipts,
    metadata, inserted_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const now = new Date().toISOString()
      insert.run(newId('message'), roomId, 'user_1', 'user', JSON.stringify([{ type: 'text', text: `message ${i}` }]), 'sent',
        '{}', '{}', '{}', now, now)
    }
  })
  const size = Math.max(1, Math.round(rowsPerTx))
  for (let from = 0; from < BARE_WARMUP; from += size) batch(count + from, count + Math.min(BARE_WARMUP, from + size))
  const r = await throughput(Math.ceil(count / size), 1, (t) => batch(t * size, Math.min(count, (t + 1) * size)))
  const stored = (db.prepare('select count(*) as n from messages where room_id = ?').get(roomId) as { n: number }).n
  db.close()
  expectStored(`bare insert, ${size} row(s)/tx`, stored, count + BARE_WARMUP)
  return { ...r, opsPerSec: count / r.seconds, rowsPerTx: size }
}
