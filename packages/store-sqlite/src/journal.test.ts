import Database from 'better-sqlite3'
import {
  CursorExpiredError, isMessagingError, newId, signalFromJson, signalToJson, type JournalWrite, type Signal,
} from '@jido-messaging/core'
import { storeMigrations } from '@jido-messaging/store-sql'
import { isoAt, makeMessage, makeRoom } from '@jido-messaging/testing'
import { Kysely, Migrator, SqliteDialect } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { createSqliteStore, type SqliteStore } from './index.js'
import { tempDatabase } from './test-fixtures/temp-db.js'

// The signal journal on SQLite beyond the shared conformance cases: the group commit's handling of
// journal hooks (a failing write or hook in a batch), hooks that return promises, the worker thread
// boundary, and the 0004 migration over an existing file.

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f()
})

function fileStore(thread: 'main' | 'worker', filename?: string, options: { busyTimeoutMs?: number } = {}): { store: SqliteStore; filename: string } {
  let file = filename
  if (file === undefined) {
    const db = tempDatabase()
    cleanups.push(db.remove)
    file = db.filename
  }
  const store = createSqliteStore({ filename: file, thread, ...options })
  cleanups.push(() => store.stop())
  return { store, filename: file }
}

/** A signal as core hands it to the store (a CloudEvent draft, without a position). */
function signal(roomId: string | undefined, time = new Date().toISOString()): Signal {
  const json: Record<string, unknown> = {
    specversion: '1.0', id: newId('signal'), source: '/jido/messaging/test', type: 'jido.messaging.room.message_added', time,
    datacontenttype: 'application/json', data: { roomId: roomId ?? null }, correlationid: 'cor_test',
  }
  if (roomId !== undefined) json['subject'] = roomId
  return signalFromJson(json, 1)
}

const journal = <R = never>(signals: () => readonly Signal[] | Promise<readonly Signal[]>): JournalWrite<R> & { calls: number } => {
  const j = { calls: 0, signals: () => (j.calls++, signals()) }
  return j as JournalWrite<R> & { calls: number }
}

for (const thread of ['main', 'worker'] as const) {
  describe(`store-sqlite journal (${thread} thread)`, { timeout: 60_000 }, () => {
    it('in one group commit, a conflicting write and a throwing hook fail alone; the others append at consecutive positions', async () => {
      const { store } = fileStore(thread)
      const room = await store.createRoom(makeRoom(), [])
      const taken = await store.insertMessage(makeMessage(room.id))
      const boom = new Error('hook failed')
      const good = Array.from({ length: 6 }, () => journal(() => [signal(room.id), signal(room.id)]))
      const conflicting = journal(() => [signal(room.id)])
      const throwing = journal(() => {
        throw boom
      })
      // One turn: they meet in one batch (merged inserts first, then the replay with savepoints).
      const calls = [
        ...good.slice(0, 3).map((j) => store.insertMessage(makeMessage(room.id), j)),
        store.insertMessage(taken, conflicting),
        store.insertMessage(makeMessage(room.id), throwing),
        ...good.slice(3).map((j) => store.commitMessage({ message: makeMessage(room.id), journal: j })),
      ]
      const outcomes = await Promise.allSettled(calls)
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled'])
      expect(isMessagingError((outcomes[3] as PromiseRejectedResult).reason, 'CONFLICT')).toBe(true)
      expect((outcomes[4] as PromiseRejectedResult).reason).toBe(boom)
      expect(conflicting.firstPosition).toBeUndefined()
      expect(throwing.firstPosition).toBeUndefined()

      const entries = await store.readJournal({ after: 0, limit: 100 })
      expect(entries.map((e) => e.position)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1))
      const firsts = good.map((j) => j.firstPosition!).sort((a, b) => a - b)
      expect(firsts).toEqual([1, 3, 5, 7, 9, 11])
      expect(await store.journalHead()).toEqual({ position: 12, prunedThrough: 0 })
      // The message of the throwing hook's write was rolled back with it.
      expect(await store.countMessages(room.id)).toBe(1 + 6)
    })

    it('a hook may return a promise, also one that waits for a timer', async () => {
      const { store } = fileStore(thread)
      const room = await store.createRoom(makeRoom(), [])
      const slow = journal(async () => {
        await new Promise((r) => setTimeout(r, 20))
        return [signal(room.id)]
      })
      const message = await store.insertMessage(makeMessage(room.id), slow)
      expect(slow.firstPosition).toBe(1)
      const [entry] = await store.readJournal({ after: 0, limit: 10, roomId: room.id })
      expect(entry!.position).toBe(1)
      expect(await store.getMessage(message.id)).toEqual(message)
    })

    it('two handles on one file, both writing with hooks that wait: neither stalls on the other\'s write lock', async () => {
      // A 60 s busy timeout: a stall in the busy handler would show far above the bound below, which
      // leaves a loaded machine plenty of room.
      const { store: a, filename } = fileStore(thread, undefined, { busyTimeoutMs: 60_000 })
      const { store: b } = fileStore(thread, filename, { busyTimeoutMs: 60_000 })
      await a.start()
      await b.start()
      const room = await a.createRoom(makeRoom(), [])
      const started = Date.now()
      const hooks = Array.from({ length: 40 }, () => journal(async () => {
        await new Promise((r) => setTimeout(r, 2))
        return [signal(room.id)]
      }))
      await Promise.all(hooks.map((j, i) => (i % 2 === 0 ? a : b).insertMessage(makeMessage(room.id), j)))
      // Without the per-file serializer, SQLite's busy handler blocks the thread for the busy timeout (60 s here).
      expect(Date.now() - started).toBeLessThan(30_000)
      expect(new Set(hooks.map((j) => j.firstPosition)).size).toBe(40)
      expect((await b.readJournal({ after: 0, limit: 100 })).map((e) => e.position)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1))
    })

    it('CURSOR_EXPIRED is a CursorExpiredError with the requested and pruned positions', async () => {
      const { store } = fileStore(thread)
      for (const t of [10, 20, 30]) await store.appendSignals(journal(() => [signal(undefined, isoAt(t))]))
      expect(await store.pruneJournal({ before: isoAt(25) })).toBe(2)
      const error = await store.readJournal({ after: 1, limit: 10 }).then(() => undefined, (e: unknown) => e)
      expect(error).toBeInstanceOf(CursorExpiredError)
      expect(error).toMatchObject({ code: 'CURSOR_EXPIRED', requestedAfter: 1, prunedThrough: 2 })
    })
  })
}

describe("store-sqlite journal (worker thread): the hooks run on the calling thread", { timeout: 60_000 }, () => {
  it('the hook sees this thread\'s state and the write\'s result; firstPosition lands on the caller\'s journal', async () => {
    const { store } = fileStore('worker')
    const room = await store.createRoom(makeRoom(), [])
    const local = { calls: 0 } // a closure over this thread's state: only counts if the hook runs here
    const made: Signal[] = []
    const j: JournalWrite<{ record: { status: string }; changed: boolean } | null> = {
      signals: (result) => {
        local.calls++
        const s = signal(room.id)
        made.push(s)
        return result?.changed === true ? [s] : []
      },
    }
    const message = await store.insertMessage(makeMessage(room.id))
    const updated = await store.updateMessage(message.id, (m) => ({ ...m, status: 'read' }), j as JournalWrite<never>)
    expect(updated?.changed).toBe(true)
    expect(local.calls).toBeGreaterThanOrEqual(1)
    expect(j.firstPosition).toBe(1)
    const [entry] = await store.readJournal({ after: 0, limit: 10 })
    expect(signalToJson(entry!.signal)).toEqual(signalToJson(made.at(-1)!))

    // Unchanged: the hook is still called (with the unchanged result) and appends nothing.
    const again: JournalWrite<unknown> & { results?: unknown[] } = { signals: (r) => ((again.results ??= []).push(r), []) }
    await store.updateMessage(message.id, () => undefined, again as JournalWrite<never>)
    expect(again.results).toEqual([{ record: { ...message, status: 'read' }, changed: false }])
    expect(again.firstPosition).toBeUndefined()
  })

  it('a hook returning something the worker cannot take fails its write alone', async () => {
    const { store } = fileStore('worker')
    const room = await store.createRoom(makeRoom(), [])
    const bad = { signals: () => [{ ...signalToJson(signal(room.id)), data: { callback: () => 1 } }] as unknown as Signal[] }
    const good = journal(() => [signal(room.id)])
    const [a, b] = await Promise.allSettled([store.insertMessage(makeMessage(room.id), bad), store.insertMessage(makeMessage(room.id), good)])
    expect(a.status).toBe('rejected')
    expect(b.status).toBe('fulfilled')
    expect(good.firstPosition).toBe(1)
    expect(await store.countMessages(room.id)).toBe(1)
  })
})

describe("store-sqlite: 0004_signal_journal", { timeout: 60_000 }, () => {
  it('applies to a file migrated to 0003 with data in it; positions start at 1', async () => {
    const tmp = tempDatabase()
    cleanups.push(tmp.remove)
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(tmp.filename) }) })
    const all = storeMigrations('sqlite')
    const upTo3 = Object.fromEntries(Object.entries(all).filter(([name]) => name < '0004'))
    const result = await new Migrator({ db, provider: { getMigrations: async () => upTo3 } }).migrateToLatest()
    expect(result.error).toBeUndefined()
    await db.destroy()

    const { store } = fileStore('main', tmp.filename)
    const old = createSqliteStore({ filename: tmp.filename, autoMigrate: false })
    cleanups.push(() => old.stop())
    const room = await old.createRoom(makeRoom(), [])

    await store.start()
    expect(await store.getRoom(room.id)).toEqual(room)
    expect(await store.journalHead()).toEqual({ position: 0, prunedThrough: 0 })
    const j = journal(() => [signal(room.id)])
    await store.insertMessage(makeMessage(room.id), j)
    expect(j.firstPosition).toBe(1)
    const raw = new Database(tmp.filename, { readonly: true })
    cleanups.push(() => void raw.close())
    expect(raw.prepare('select name from kysely_migration order by name').all().map((r) => (r as { name: string }).name))
      .toEqual(Object.keys(storeMigrations('sqlite')).sort())
    // position is the table's rowid (INTEGER PRIMARY KEY): no separate index for it.
    expect(raw.prepare("select name from sqlite_master where type = 'index' and tbl_name = 'signal_journal'").all()).toEqual([{ name: 'signal_journal_room' }])
  })
})
