import Database from 'better-sqlite3'
import { existsSync, statSync } from 'node:fs'
import { isMessagingError, type MessagingStore } from '@jido-messaging/core'
import { makeBinding, makeMessage, makeRoom } from '@jido-messaging/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { storeMigrations } from '@jido-messaging/store-sql'
import { createSqliteStore } from './index.js'
import { tempDatabase } from './test-fixtures/temp-db.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f()
})

function fileStore(options: { autoMigrate?: boolean } = {}) {
  const db = tempDatabase()
  const store = createSqliteStore({ filename: db.filename, ...options })
  cleanups.push(db.remove, () => store.stop())
  return { store, filename: db.filename }
}

function inspect(filename: string) {
  const raw = new Database(filename, { readonly: true })
  cleanups.push(() => void raw.close())
  return raw
}

const tables = (raw: Database.Database) =>
  (raw.prepare("select name from sqlite_master where type = 'table' order by name").all() as Array<{ name: string }>).map((r) => r.name)

describe('store-sqlite: migrations', () => {
  it('migrates an empty file, and running migrate() again changes nothing', async () => {
    const { store, filename } = fileStore({ autoMigrate: false })
    await store.start()
    expect(tables(inspect(filename))).toEqual([])
    await store.migrate()
    const after = tables(inspect(filename))
    expect(after).toEqual(expect.arrayContaining(['rooms', 'room_bindings', 'messages', 'threads', 'dedupe_keys', 'deliveries', 'dead_letters', 'ingress_subscriptions',
      'signal_journal', 'journal_head', 'subscription_checkpoints', 'kysely_migration']))
    await store.migrate()
    const raw = inspect(filename)
    expect(tables(raw)).toEqual(after)
    expect(raw.prepare('select name from kysely_migration order by name').all()).toEqual(Object.keys(storeMigrations('sqlite')).sort().map((name) => ({ name })))
  })

  it('start() migrates by default and a second store on a migrated file starts without error', async () => {
    const { store, filename } = fileStore()
    await store.start()
    const second = createSqliteStore({ filename })
    cleanups.push(() => second.stop())
    await second.start()
    const room = await store.createRoom(makeRoom(), [])
    expect(await second.getRoom(room.id)).toEqual(room)
  })
})

describe('store-sqlite: connection', () => {
  it('uses WAL, NORMAL sync and foreign keys on a file', async () => {
    const { store, filename } = fileStore()
    await store.start()
    expect(inspect(filename).pragma('journal_mode', { simple: true })).toBe('wal')
  })

  it('works on :memory:', async () => {
    const store = createSqliteStore({ filename: ':memory:' })
    cleanups.push(() => store.stop())
    const room = await store.createRoom(makeRoom(), [])
    expect(await store.getRoom(room.id)).toEqual(room)
  })

  it('fails start() with STORE_UNAVAILABLE and names the file when it cannot be opened', async () => {
    const store = createSqliteStore({ filename: '/nonexistent-dir/jido/store.db' })
    const error = await store.start().then(() => undefined, (e: unknown) => e)
    expect(isMessagingError(error, 'STORE_UNAVAILABLE')).toBe(true)
    expect((error as Error).message).toMatch(/^\[store-sqlite\] cannot connect to \/nonexistent-dir\/jido\/store\.db: /)
  })

  it('rejects calls after stop() with STORE_UNAVAILABLE, and stop() is idempotent', async () => {
    const { store } = fileStore()
    await store.start()
    await store.stop()
    await store.stop()
    const error = await store.getRoom('room_x').then(() => undefined, (e: unknown) => e)
    expect(isMessagingError(error, 'STORE_UNAVAILABLE')).toBe(true)
  })
})

describe('store-sqlite: transactions and group commit', () => {
  async function started(): Promise<MessagingStore> {
    const { store } = fileStore()
    await store.start()
    return store
  }

  it('a multi-record write that fails midway leaves nothing behind', async () => {
    const store = await started()
    const taken = await store.createRoom(makeRoom(), [])
    const bound = makeBinding(taken.id)
    await store.insertRoomBinding(bound)
    const room = makeRoom()
    // The first binding is fine, the second collides: the room and the first binding must not persist.
    const error = await store.createRoom(room, [makeBinding(room.id), makeBinding(room.id, { externalRoomId: bound.externalRoomId })])
      .then(() => undefined, (e: unknown) => e)
    expect(isMessagingError(error, 'CONFLICT')).toBe(true)
    expect(await store.getRoom(room.id)).toBeNull()
    expect(await store.listRoomBindings(room.id)).toEqual([])
  })

  it('in one batch of concurrent writes, a failing write fails only its caller', async () => {
    const store = await started()
    const room = await store.createRoom(makeRoom(), [])
    const duplicate = makeMessage(room.id)
    await store.insertMessage(duplicate)
    const halfDone = makeRoom()
    const writes = [
      ...Array.from({ length: 20 }, () => store.insertMessage(makeMessage(room.id))),
      store.insertMessage(duplicate),
      store.insertMessage(makeMessage('room_missing')),
      store.createRoom(halfDone, [makeBinding(halfDone.id), makeBinding(halfDone.id, { externalRoomId: 'same' }),
        makeBinding(halfDone.id, { externalRoomId: 'same' })]),
      ...Array.from({ length: 20 }, () => store.insertMessage(makeMessage(room.id))),
    ]
    const settled = await Promise.allSettled(writes)
    const codes = settled.map((s) => (s.status === 'fulfilled' ? 'ok' : (s.reason as { code?: string }).code))
    expect(codes.filter((c) => c === 'ok')).toHaveLength(40)
    expect(codes.slice(20, 23)).toEqual(['CONFLICT', 'NOT_FOUND', 'CONFLICT'])
    expect(await store.countMessages(room.id)).toBe(41)
    expect(await store.getRoom(halfDone.id)).toBeNull()
  })

  it('an updater that throws changes nothing and does not disturb concurrent writers', async () => {
    const store = await started()
    const room = await store.createRoom(makeRoom(), [])
    const message = await store.insertMessage(makeMessage(room.id))
    const results = await Promise.allSettled([
      store.updateMessage(message.id, (m) => ({ ...m, status: 'read' })),
      store.updateMessage(message.id, () => {
        throw new Error('updater refused')
      }),
      store.updateMessage(message.id, (m) => ({ ...m, metadata: { touched: true } })),
    ])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ message: 'updater refused' })
    expect(await store.getMessage(message.id)).toMatchObject({ status: 'read', metadata: { touched: true } })
  })

  it('stop() waits for queued writes to commit', async () => {
    const { store, filename } = fileStore()
    await store.start()
    const room = await store.createRoom(makeRoom(), [])
    const pending = Array.from({ length: 50 }, () => store.insertMessage(makeMessage(room.id)))
    await store.stop()
    await Promise.all(pending)
    expect(inspect(filename).prepare('select count(*) as n from messages').get()).toEqual({ n: 50 })
  })
})

describe('store-sqlite: WAL checkpoints', () => {
  const mainFileSize = (filename: string) => statSync(filename).size
  const walSize = (filename: string) => (existsSync(`${filename}-wal`) ? statSync(`${filename}-wal`).size : 0)

  async function writeMessages(store: MessagingStore, n: number): Promise<void> {
    const room = await store.createRoom(makeRoom(), [])
    for (let i = 0; i < n; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, j) => store.saveMessage(makeMessage(room.id, { content: [{ type: 'text', text: `m${i + j} ${'x'.repeat(400)}` }] }))))
    }
  }

  async function until(check: () => boolean, what: string): Promise<void> {
    for (let waited = 0; !check(); waited += 20) {
      if (waited > 30_000) throw new Error(`timed out waiting for ${what}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  it('by default a background thread copies the WAL into the database file, without the writers\' autocheckpoint', { timeout: 60_000 }, async () => {
    const db = tempDatabase()
    // Autocheckpoint off: only the background thread can move pages into the main file.
    const store = createSqliteStore({ filename: db.filename, walAutoCheckpointPages: 0, walCheckpointIntervalMs: 20 })
    cleanups.push(db.remove, () => store.stop())
    await store.start()
    const before = mainFileSize(db.filename)
    await writeMessages(store, 500)
    expect(walSize(db.filename)).toBeGreaterThan(100_000)
    await until(() => mainFileSize(db.filename) > before + 100_000, 'the background checkpoint')
    // Stopping releases the thread's connection: the file can be opened exclusively afterwards.
    await store.stop()
    const raw = new Database(db.filename)
    raw.pragma('locking_mode = EXCLUSIVE')
    raw.prepare('begin exclusive').run()
    raw.prepare('commit').run()
    raw.close()
  })

  it("walCheckpoint 'inline' leaves the copying to SQLite's autocheckpoint in the committing connection", { timeout: 60_000 }, async () => {
    const db = tempDatabase()
    const store = createSqliteStore({ filename: db.filename, walAutoCheckpointPages: 0, walCheckpoint: 'inline' })
    cleanups.push(db.remove, () => store.stop())
    await store.start()
    const before = mainFileSize(db.filename)
    await writeMessages(store, 500)
    await new Promise((r) => setTimeout(r, 300))
    expect(mainFileSize(db.filename)).toBe(before)
    expect(walSize(db.filename)).toBeGreaterThan(100_000)
  })

  it('once stop() resolves nothing holds the file: its folder can be removed at once, every time', async () => {
    for (let i = 0; i < 15; i++) {
      const db = tempDatabase()
      const store = createSqliteStore({ filename: db.filename, walCheckpointIntervalMs: 10 })
      await store.start()
      await writeMessages(store, 100)
      await store.stop()
      // A checkpoint connection still closing would delete or rewrite -wal/-shm under rmSync (ENOTEMPTY).
      db.remove()
      expect(existsSync(db.filename)).toBe(false)
    }
  })

  it('rejects an unknown walCheckpoint mode', () => {
    expect(() => createSqliteStore({ filename: ':memory:', walCheckpoint: 'sometimes' as 'inline' })).toThrow(/walCheckpoint/)
  })
})
