import Database from 'better-sqlite3'
import { createMessaging, type DirectoryStore, type Page, type Participant } from '@jido-messaging/core'
import { storeMigrations } from '@jido-messaging/store-sql'
import { Kysely, Migrator, SqliteDialect } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { createSqliteStore, type SqliteStore } from './index.js'
import { tempDatabase } from './test-fixtures/temp-db.js'

// The directory on SQLite beyond the shared conformance cases: 0007_directory backfills a file that has
// participants and rooms, a name search reads the gram index (EXPLAIN QUERY PLAN of the statements the
// store runs), and a walk that stops at the scan budget continues through the cursor.

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f()
})

type DirStore = SqliteStore & DirectoryStore

/** A file migrated up to (not including) 0007_directory, with `seed` run on it through better-sqlite3. */
async function fileBeforeDirectory(seed: (db: Database.Database) => void): Promise<string> {
  const tmp = tempDatabase()
  cleanups.push(tmp.remove)
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new Database(tmp.filename) }) })
  const before = Object.fromEntries(Object.entries(storeMigrations('sqlite')).filter(([name]) => name < '0007'))
  const result = await new Migrator({ db, provider: { getMigrations: async () => before } }).migrateToLatest()
  expect(result.error).toBeUndefined()
  await db.destroy()
  const raw = new Database(tmp.filename)
  raw.transaction(() => seed(raw))()
  raw.close()
  return tmp.filename
}

function insertParticipants(db: Database.Database, rows: Array<{ id: string; name?: string }>): void {
  const insert = db.prepare(`insert into participants (id, type, identity, external_ids, presence, capabilities, metadata, inserted_at)
    values (?, 'human', ?, '{}', 'offline', '[]', '{}', '2024-01-01T00:00:00.000Z')`)
  for (const r of rows) insert.run(r.id, JSON.stringify(r.name === undefined ? {} : { name: r.name }))
}

function openStore(filename: string, thread: 'main' | 'worker' = 'main'): DirStore {
  const store = createSqliteStore({ filename, thread }) as DirStore
  cleanups.push(() => store.stop())
  return store
}

async function allPages<T>(search: (cursor?: string) => Promise<Page<T>>): Promise<Array<Page<T>>> {
  const pages: Array<Page<T>> = []
  let cursor: string | undefined
  do {
    const page = await search(cursor)
    pages.push(page)
    cursor = page.nextCursor
  } while (cursor !== undefined)
  return pages
}

describe('store-sqlite: directory', { timeout: 120_000 }, () => {
  it('0007_directory indexes the participants and rooms a file already has', async () => {
    const filename = await fileBeforeDirectory((db) => {
      insertParticipants(db, [{ id: 'ptc_1', name: 'Ada Lovelace' }, { id: 'ptc_2', name: 'GRACE Hopper' }, { id: 'ptc_3' }])
      db.prepare(`insert into rooms (id, type, name, metadata, inserted_at) values (?, 'group', ?, '{}', '2024-01-01T00:00:00.000Z')`).run('room_1', 'Support Desk')
      db.prepare(`insert into rooms (id, type, name, metadata, inserted_at) values (?, 'group', null, '{}', '2024-01-01T00:00:00.000Z')`).run('room_2')
    })
    const store = openStore(filename)
    await store.start()
    const names = async (q: string) => (await store.searchParticipants({ name: q }, { limit: 10 })).items.map((p) => p.id)
    expect(await names('lovelace')).toEqual(['ptc_1'])
    expect(await names('grace h')).toEqual(['ptc_2'])
    expect(await names('e')).toEqual(['ptc_1', 'ptc_2'])
    expect((await store.searchRooms({ name: 'desk' }, { limit: 10 })).items.map((r) => r.id)).toEqual(['room_1'])
    // Later writes keep the backfilled entries in step.
    await store.updateParticipant('ptc_1', (p) => ({ ...p, identity: { name: 'Countess of Lovelace' } }))
    expect(await names('ada')).toEqual([])
    expect(await names('countess')).toEqual(['ptc_1'])
    const raw = new Database(filename, { readonly: true })
    cleanups.push(() => void raw.close())
    expect(raw.prepare(`select kind, count(*) as n from directory_entries group by kind order by kind`).all()).toEqual([{ kind: 'p', n: 2 }, { kind: 'r', n: 1 }])
  })

  it('a name search reads the primary keys of the directory tables, never a whole table (EXPLAIN QUERY PLAN)', async () => {
    const filename = await fileBeforeDirectory((db) => insertParticipants(db, Array.from({ length: 5000 }, (_, i) => (
      { id: `ptc_${String(i).padStart(5, '0')}`, name: `${['Ada', 'Grace', 'Alan', 'Edsger'][i % 4]} Person ${i}` }))))
    // Record the directory statements the store prepares, with the values they run with.
    const seen: Array<{ sql: string; params: unknown[] }> = []
    const prepare = Database.prototype.prepare
    Database.prototype.prepare = function (this: Database.Database, source: string) {
      const stmt = prepare.call(this, source) as Database.Statement
      if (/directory_|"participants"/.test(source) && stmt.reader) {
        const all = stmt.all.bind(stmt)
        ;(stmt as unknown as { all: (...p: unknown[]) => unknown }).all = (...params: unknown[]) => {
          seen.push({ sql: source, params })
          return all(...params)
        }
      }
      return stmt
    } as typeof prepare
    cleanups.push(() => void (Database.prototype.prepare = prepare))
    const store = openStore(filename)
    await store.start()
    seen.length = 0
    expect((await store.searchParticipants({ name: 'person 4999' }, { limit: 10 })).items.map((p) => p.identity.name)).toEqual(['Edsger Person 4999'])
    expect((await store.searchParticipants({ name: 'grace' }, { limit: 10 })).items).toHaveLength(10)
    expect((await store.searchParticipants({ name: 'z' }, { limit: 10 })).items).toHaveLength(0)
    const raw = new Database(filename, { readonly: true })
    cleanups.push(() => void raw.close())
    const plans = seen.map(({ sql, params }) => ({
      sql,
      plan: (raw.prepare(`explain query plan ${sql}`).all(...params) as Array<{ detail: string }>).map((r) => r.detail),
    }))
    expect(plans.length).toBeGreaterThanOrEqual(4)
    for (const { sql, plan } of plans) {
      for (const step of plan) {
        // "SCAN c" / "SCAN s" walk a subquery's (bounded) rows; a SCAN of a table would read all of it.
        expect(step, `${sql}\n${plan.join('\n')}`).not.toMatch(/^SCAN (directory_|participants|g\b|e\b)/)
      }
      if (/from "directory_grams" as "g"/.test(sql)) {
        expect(plan.join('\n')).toContain('SEARCH g USING PRIMARY KEY (kind=? AND gram=?')
        expect(plan.join('\n')).toContain('SEARCH e USING PRIMARY KEY (kind=? AND entity_id=?)')
        // The walk is in id order already: no sort, so it stops at `limit` matches.
        expect(plan.join('\n')).not.toMatch(/TEMP B-TREE FOR ORDER BY/)
      }
    }
    expect(plans.some(({ sql }) => /from "directory_grams" as "g"/.test(sql))).toBe(true)
  })

  it('a walk that reaches the scan budget ends its page with a cursor and the next pages go on', async () => {
    // 21k names with "abc", 21k with "bcd": both grams of "abcd" are common, and one name has it, last.
    const filename = await fileBeforeDirectory((db) => insertParticipants(db, [
      ...Array.from({ length: 21_000 }, (_, i) => ({ id: `ptc_a${String(i).padStart(5, '0')}`, name: `abc ${i}` })),
      ...Array.from({ length: 21_000 }, (_, i) => ({ id: `ptc_b${String(i).padStart(5, '0')}`, name: `bcd ${i}` })),
      { id: 'ptc_z', name: 'The ABCD' },
      { id: 'ptc_zz', name: 'qq' },
    ]))
    const store = openStore(filename, 'worker')
    await store.start()
    const gramWalk = await allPages((cursor) => store.searchParticipants({ name: 'abcd' }, { limit: 5, ...(cursor === undefined ? {} : { cursor }) }))
    expect(gramWalk.length).toBeGreaterThan(1)
    expect(gramWalk[0]!.items).toEqual([])
    expect(gramWalk.flatMap((p) => p.items).map((p) => p.id)).toEqual(['ptc_z'])
    const shortWalk = await allPages((cursor) => store.searchParticipants({ name: 'qq' }, { limit: 5, ...(cursor === undefined ? {} : { cursor }) }))
    expect(shortWalk.length).toBe(3) // 42,002 names, 20,000 per call
    expect(shortWalk.flatMap((p) => p.items).map((p) => p.id)).toEqual(['ptc_zz'])
    // Dense matches fill their pages whatever the budget.
    const dense = await store.searchParticipants({ name: 'abc 1' }, { limit: 50 })
    expect(dense.items).toHaveLength(50)
    expect(dense.nextCursor).toEqual(expect.any(String))
    // The API follows the cursor: a lookup finds the one match behind the short pages.
    const messaging = createMessaging({ store, instanceId: 'dir' })
    await messaging.start()
    const found: Participant = await messaging.directoryLookup('participant', { name: 'the abcd' })
    expect(found.id).toBe('ptc_z')
    await expect(messaging.directoryLookup('participant', { name: 'q' })).resolves.toMatchObject({ id: 'ptc_zz' })
    await messaging.stop()
  })
})
