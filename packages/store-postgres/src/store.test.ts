import pg from 'pg'
import { isMessagingError } from '@jido-messaging/core'
import { makeBinding, makeMessage, makeRoom } from '@jido-messaging/testing'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { storeMigrations } from '@jido-messaging/store-sql'
import { createPostgresStore, type PostgresStoreOptions } from './index.js'
import { describeTarget } from './store.js'
import { adminPool, describeWithPostgres, dropSchema, PG_URL, uniqueSchema } from './test-fixtures/pg-env.js'

const admin = adminPool()
afterAll(() => admin.end())
const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f()
})

/** A store on a fresh schema, stopped and dropped after the test. */
function schemaStore(options: Partial<PostgresStoreOptions> = {}) {
  const schema = uniqueSchema('store')
  const store = createPostgresStore({ connectionString: PG_URL, schema, poolSize: 4, ...options })
  cleanups.push(() => dropSchema(admin, schema), () => store.stop())
  return { store, schema }
}

async function tablesIn(schema: string): Promise<string[]> {
  const { rows } = await admin.query<{ tablename: string }>('select tablename from pg_tables where schemaname = $1 order by 1', [schema])
  return rows.map((r) => r.tablename)
}

describe('store-postgres: connection failures', () => {
  it('fails start() with STORE_UNAVAILABLE naming the target when nothing listens', async () => {
    const store = createPostgresStore({ connectionString: 'postgres://postgres:secret@127.0.0.1:1/test', connectTimeoutMs: 2000 })
    const error = await store.start().then(() => undefined, (e: unknown) => e)
    expect(isMessagingError(error, 'STORE_UNAVAILABLE')).toBe(true)
    expect((error as Error).message).toMatch(/^\[store-postgres\] cannot connect to postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/test: /)
    expect((error as Error).message).not.toContain('secret')
  })

  it('describes a target without its password', () => {
    expect(describeTarget({ connectionString: 'postgres://u:pw@127.0.0.1:5432/db' })).toBe('postgres://u:***@127.0.0.1:5432/db')
    expect(describeTarget({ pool: new pg.Pool() })).toBe('the given pg pool')
  })
})

await describeWithPostgres('store-postgres: against the server', () => {
  it('migrates an empty schema, and running migrate() again changes nothing', async () => {
    const { store, schema } = schemaStore({ autoMigrate: false })
    await store.start()
    expect(await tablesIn(schema)).toEqual([])
    await store.migrate()
    const after = await tablesIn(schema)
    expect(after).toEqual(expect.arrayContaining(['rooms', 'room_bindings', 'messages', 'threads', 'dedupe_keys', 'deliveries', 'dead_letters', 'ingress_subscriptions',
      'signal_journal', 'journal_head', 'subscription_checkpoints', 'kysely_migration']))
    await store.migrate()
    expect(await tablesIn(schema)).toEqual(after)
    const { rows } = await admin.query(`select name from "${schema}".kysely_migration order by name`)
    expect(rows).toEqual(Object.keys(storeMigrations('postgres')).sort().map((name) => ({ name })))
  })

  it('keeps stores in different schemas of one database apart', async () => {
    const a = schemaStore().store
    const b = schemaStore().store
    const room = await a.createRoom(makeRoom(), [])
    expect(await a.getRoom(room.id)).toEqual(room)
    expect(await b.getRoom(room.id)).toBeNull()
  })

  it('uses a borrowed pool and leaves it open on stop()', async () => {
    const pool = new pg.Pool({ connectionString: PG_URL, max: 3 })
    cleanups.push(() => pool.end())
    const { store } = schemaStore({ pool })
    await store.start()
    await store.createRoom(makeRoom(), [])
    await store.stop()
    expect((await pool.query('select 1 as ok')).rows).toEqual([{ ok: 1 }])
  })

  it('a multi-record write that fails midway leaves nothing behind', async () => {
    const { store } = schemaStore()
    const taken = await store.createRoom(makeRoom(), [])
    const bound = makeBinding(taken.id)
    await store.insertRoomBinding(bound)
    const room = makeRoom()
    const error = await store.createRoom(room, [makeBinding(room.id), makeBinding(room.id, { externalRoomId: bound.externalRoomId })])
      .then(() => undefined, (e: unknown) => e)
    expect(isMessagingError(error, 'CONFLICT')).toBe(true)
    expect(await store.getRoom(room.id)).toBeNull()
    expect(await store.listRoomBindings(room.id)).toEqual([])
  })

  it('in a batch of concurrent writes, a failing write fails only its caller', async () => {
    const { store } = schemaStore()
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

  it('stop() waits for queued writes to commit', async () => {
    const { store, schema } = schemaStore()
    await store.start()
    const room = await store.createRoom(makeRoom(), [])
    const pending = Array.from({ length: 50 }, () => store.insertMessage(makeMessage(room.id)))
    await store.stop()
    await Promise.all(pending)
    expect((await admin.query(`select count(*)::int as n from "${schema}".messages`)).rows).toEqual([{ n: 50 }])
  })
})
