import pg from 'pg'
import { newId, signalFromJson, type JournalWrite, type Signal } from '@jido-messaging/core'
import { storeMigrations } from '@jido-messaging/store-sql'
import { isoAt, makeMessage, makeRoom } from '@jido-messaging/testing'
import { Kysely, Migrator, PostgresDialect } from 'kysely'
import { afterAll, afterEach, expect, it } from 'vitest'
import { createPostgresStore, type PostgresStore, type PostgresStoreOptions } from './index.js'
import { adminPool, describeWithPostgres, dropSchema, PG_URL, uniqueSchema } from './test-fixtures/pg-env.js'

// The signal journal on Postgres beyond the shared conformance cases: positions in commit order under
// concurrent batches on separate pools (the journal_head row lock), the head lock's wait exempt from a
// batch's lock timeout, and the 0004 migration over a schema with data.

const admin = adminPool()
afterAll(() => admin.end())
const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f()
})

function store(schema: string, options: Partial<PostgresStoreOptions> = {}): PostgresStore {
  const s = createPostgresStore({ connectionString: PG_URL, schema, poolSize: 6, ...options })
  cleanups.push(() => s.stop())
  return s
}

function freshSchema(): string {
  const schema = uniqueSchema('journal')
  cleanups.push(() => dropSchema(admin, schema))
  return schema
}

function signal(roomId: string | undefined, time = new Date().toISOString()): Signal {
  const json: Record<string, unknown> = {
    specversion: '1.0', id: newId('signal'), source: '/jido/messaging/test', type: 'jido.messaging.room.message_added', time,
    datacontenttype: 'application/json', data: { roomId: roomId ?? null }, correlationid: 'cor_test',
  }
  if (roomId !== undefined) json['subject'] = roomId
  return signalFromJson(json, 1)
}

const journal = <R = never>(count: number, roomId?: string): JournalWrite<R> & { made: Signal[] } => {
  const j = {
    made: [] as Signal[],
    signals: () => (j.made = Array.from({ length: count }, () => signal(roomId))),
  }
  return j as JournalWrite<R> & { made: Signal[] }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

await describeWithPostgres('store-postgres: signal journal', () => {
  it('concurrent batches on two pools: every page a poller reads continues exactly where its cursor stood', async () => {
    const schema = freshSchema()
    const a = store(schema)
    const b = store(schema)
    await a.start()
    await b.start()
    const room = await a.createRoom(makeRoom(), [])
    const messages = await Promise.all(Array.from({ length: 20 }, () => a.insertMessage(makeMessage(room.id))))

    let writing = true
    const journals: Array<JournalWrite<never> & { made: Signal[] }> = []
    const writers = (async () => {
      try {
        // Waves of concurrent writes of every journaled kind on both pools: several batches in flight at once.
        for (let wave = 0; wave < 15; wave++) {
          await Promise.all(Array.from({ length: 40 }, (_, i) => {
            const s = (i + wave) % 2 === 0 ? a : b
            const j = journal(1 + (i % 3), room.id)
            journals.push(j)
            switch (i % 5) {
              case 0: return s.commitMessage({ message: makeMessage(room.id), journal: j })
              case 1: return s.insertMessage(makeMessage(room.id), j)
              case 2: return s.updateMessage(messages[i % messages.length]!.id, (m) => ({ ...m, metadata: { wave, i } }), j)
              case 3: return s.addRoomMember({ roomId: room.id, participantId: newId('participant'), joinedAt: new Date().toISOString() }, j)
              default: return s.appendSignals(j)
            }
          }))
        }
      } finally {
        writing = false
      }
    })()

    // With no pruning, the visible positions are always exactly 1..k: a page must start right after the
    // cursor and have no gaps. A position committed below one already read would break that.
    const follow = async (s: PostgresStore, limit: number) => {
      let cursor = 0
      let pages = 0
      for (;;) {
        const finished = !writing
        const page = await s.readJournal({ after: cursor, limit })
        page.forEach((entry, k) => {
          if (entry.position !== cursor + 1 + k) throw new Error(`after ${cursor} read position ${entry.position} at index ${k}`)
        })
        if (page.length > 0) {
          cursor = page[page.length - 1]!.position
          pages++
        } else if (finished) {
          return { cursor, pages }
        } else {
          await sleep(1)
        }
      }
    }
    const [, ...followed] = await Promise.all([writers, follow(a, 5), follow(b, 50), follow(a, 1000), follow(b, 1)])
    const total = journals.reduce((n, j) => n + j.made.length, 0)
    for (const f of followed) expect(f!.cursor).toBe(total)
    expect(await b.journalHead()).toEqual({ position: total, prunedThrough: 0 })
    // Each write's signals sit at consecutive positions from its firstPosition.
    const all = new Map<string, number>()
    for (let after = 0; after < total; after += 1000) {
      for (const e of await a.readJournal({ after, limit: 1000 })) all.set(e.signal.id, e.position)
    }
    for (const j of journals) j.made.forEach((s, k) => expect(all.get(s.id)).toBe(j.firstPosition! + k))
  }, 120_000)

  it('a batch waiting for the journal head past its lock timeout keeps waiting (no split into single writes)', async () => {
    const schema = freshSchema()
    const statements: string[] = []
    const pool = new pg.Pool({ connectionString: PG_URL, max: 6 })
    cleanups.push(() => pool.end())
    const seen = new WeakSet<object>()
    const connect = pool.connect.bind(pool)
    // Records what the store sends, to tell a batch transaction from the single-write fallback.
    ;(pool as unknown as { connect: () => Promise<pg.PoolClient> }).connect = async () => {
      const client = await connect()
      if (!seen.has(client)) {
        seen.add(client)
        const query = client.query.bind(client) as (...args: unknown[]) => unknown
        ;(client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
          if (typeof args[0] === 'string') statements.push(args[0])
          return query(...args)
        }
      }
      return client
    }
    const s = store(schema, { pool, groupCommit: { lockTimeoutMs: 50 } })
    await s.start()
    const room = await s.createRoom(makeRoom(), [])

    // Another transaction holds the head row (as a committing batch would) for far longer than 50 ms.
    const holder = await admin.connect()
    await holder.query('begin')
    await holder.query(`select position from "${schema}".journal_head where id = 1 for update`)
    statements.length = 0
    const journals = Array.from({ length: 10 }, () => journal(2, room.id))
    const writes = Promise.all(journals.map((j, i) => (i % 2 === 0
      ? s.insertMessage(makeMessage(room.id), j)
      : s.commitMessage({ message: makeMessage(room.id), dedupe: { key: newId('message'), now: isoAt(0), expiresAt: isoAt(60_000) }, journal: j }))))
    await sleep(400)
    await holder.query('commit')
    holder.release()
    await writes

    expect(new Set(journals.map((j) => j.firstPosition)).size).toBe(10)
    expect(await s.journalHead()).toEqual({ position: 20, prunedThrough: 0 })
    // Only batch transactions (with their lock timeout) ran: the fallback's plain `begin` never did.
    expect(statements.filter((q) => /^begin/.test(q)).length).toBeGreaterThan(0)
    expect(statements.filter((q) => q === 'begin')).toEqual([])
  }, 60_000)

  it('0004 applies to a schema migrated to 0003 with data in it; positions start at 1', async () => {
    const schema = freshSchema()
    await admin.query(`create schema "${schema}"`)
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: PG_URL, max: 1 }) }) })
    const upTo3 = Object.fromEntries(Object.entries(storeMigrations('postgres', schema)).filter(([name]) => name < '0004'))
    const result = await new Migrator({ db, provider: { getMigrations: async () => upTo3 }, migrationTableSchema: schema }).migrateToLatest()
    expect(result.error).toBeUndefined()
    await db.destroy()

    const old = store(schema, { autoMigrate: false })
    const room = await old.createRoom(makeRoom(), [])
    const message = await old.insertMessage(makeMessage(room.id))
    await old.stop()

    const s = store(schema)
    await s.start()
    expect(await s.getMessage(message.id)).toEqual(message)
    expect(await s.journalHead()).toEqual({ position: 0, prunedThrough: 0 })
    const j = journal(2, room.id)
    await s.updateMessage(message.id, (m) => ({ ...m, status: 'read' }), j)
    expect(j.firstPosition).toBe(1)
    expect((await s.readJournal({ after: 0, limit: 10, roomId: room.id })).map((e) => e.position)).toEqual([1, 2])
    const { rows } = await admin.query(`select name from "${schema}".kysely_migration order by name`)
    expect(rows.map((r: { name: string }) => r.name)).toEqual(Object.keys(storeMigrations('postgres')).sort())
    const columns = await admin.query(
      `select table_name, column_name, data_type, collation_name from information_schema.columns where table_schema = $1 and table_name in ('signal_journal', 'journal_head', 'subscription_checkpoints') order by table_name, ordinal_position`,
      [schema])
    expect(columns.rows).toEqual([
      { table_name: 'journal_head', column_name: 'id', data_type: 'integer', collation_name: null },
      { table_name: 'journal_head', column_name: 'position', data_type: 'bigint', collation_name: null },
      { table_name: 'journal_head', column_name: 'pruned_through', data_type: 'bigint', collation_name: null },
      { table_name: 'signal_journal', column_name: 'position', data_type: 'bigint', collation_name: null },
      { table_name: 'signal_journal', column_name: 'id', data_type: 'text', collation_name: 'C' },
      { table_name: 'signal_journal', column_name: 'type', data_type: 'text', collation_name: 'C' },
      { table_name: 'signal_journal', column_name: 'room_id', data_type: 'text', collation_name: 'C' },
      { table_name: 'signal_journal', column_name: 'time', data_type: 'text', collation_name: 'C' },
      { table_name: 'signal_journal', column_name: 'body', data_type: 'text', collation_name: null },
      { table_name: 'subscription_checkpoints', column_name: 'name', data_type: 'text', collation_name: 'C' },
      { table_name: 'subscription_checkpoints', column_name: 'position', data_type: 'bigint', collation_name: null },
      { table_name: 'subscription_checkpoints', column_name: 'updated_at', data_type: 'text', collation_name: 'C' },
    ])
  }, 60_000)
})
