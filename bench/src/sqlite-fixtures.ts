// What the SQLite benchmarks share: migrated store files with one room, the bare connection with the
// store's pragmas, and the bare baseline (one INSERT of a message row per transaction).
import Database from 'better-sqlite3'
import { createMessaging, newId } from '@jido-messaging/core'
import { createSqliteStore } from '@jido-messaging/store-sqlite'
import { join } from 'node:path'
import { throughput } from './harness.js'

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

/** The same pragmas the store sets. */
export function openBare(filename: string): Database.Database {
  const db = new Database(filename)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  return db
}

/** Bare better-sqlite3 on a prepared file: one prepared INSERT of the full message row per transaction. */
export async function bareMessageRate(filename: string, count: number) {
  const { roomId } = await preparedFile(filename)
  const db = openBare(filename)
  const insert = db.prepare(`insert into messages (id, room_id, sender_id, role, content, status, reactions, receipts,
    metadata, inserted_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
  const one = db.transaction((i: number) => {
    const now = new Date().toISOString()
    insert.run(newId('message'), roomId, 'user_1', 'user', JSON.stringify([{ type: 'text', text: `message ${i}` }]), 'sent',
      '{}', '{}', '{}', now, now)
  })
  const r = await throughput(count, 1, (i) => one(i))
  db.close()
  return r
}
