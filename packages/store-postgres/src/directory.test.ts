import pg from 'pg'
import type { DirectoryStore } from '@jido-messaging/core'
import { storeMigrations } from '@jido-messaging/store-sql'
import { Kysely, Migrator, PostgresDialect } from 'kysely'
import { afterAll, afterEach, expect, it } from 'vitest'
import { createPostgresStore, type PostgresStore } from './index.js'
import { adminPool, describeWithPostgres, dropSchema, PG_URL, uniqueSchema } from './test-fixtures/pg-env.js'

// The directory on Postgres beyond the shared conformance cases: 0007_directory backfills a schema that
// has participants and rooms, and a name search reads the directory's primary keys (EXPLAIN of the very
// statements the store sends, with their values).

const admin = adminPool()
afterAll(() => admin.end())
const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f()
})

type DirStore = PostgresStore & DirectoryStore

/** A schema migrated up to (not including) 0007_directory, then `seed` run in it. */
async function schemaBeforeDirectory(seed: (schema: string) => Promise<void>): Promise<string> {
  const schema = uniqueSchema('dir')
  cleanups.push(() => dropSchema(admin, schema))
  await admin.query(`create schema "${schema}"`)
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: PG_URL, max: 1 }) }) })
  const before = Object.fromEntries(Object.entries(storeMigrations('postgres', schema)).filter(([name]) => name < '0007'))
  const result = await new Migrator({ db, provider: { getMigrations: async () => before }, migrationTableSchema: schema }).migrateToLatest()
  expect(result.error).toBeUndefined()
  await db.destroy()
  await seed(schema)
  return schema
}

function open(schema: string): DirStore {
  const store = createPostgresStore({ connectionString: PG_URL, schema, poolSize: 4 }) as DirStore
  cleanups.push(() => store.stop())
  return store
}

/** Inserts `count` participants server-side: `ptc_000000`.. named by `nameSql` (an expression of i). */
async function seedParticipants(schema: string, count: number, nameSql: string): Promise<void> {
  await admin.query(`insert into "${schema}".participants (id, type, identity, external_ids, presence, capabilities, metadata, inserted_at)
    select 'ptc_' || lpad(i::text, 6, '0'), 'human', jsonb_build_object('name', ${nameSql}), '{}', 'offline', '[]', '{}', '2024-01-01T00:00:00.000Z'
    from generate_series(0, ${count - 1}) as i`)
}

await describeWithPostgres('store-postgres: directory', () => {
  it('0007_directory indexes the participants and rooms a schema already has', { timeout: 120_000 }, async () => {
    const schema = await schemaBeforeDirectory(async (s) => {
      await seedParticipants(s, 3, `(array['Ada Lovelace', 'GRACE Hopper', null])[i + 1]`)
      await admin.query(`insert into "${s}".rooms (id, type, name, metadata, inserted_at) values
        ('room_1', 'group', 'Support Desk', '{}', '2024-01-01T00:00:00.000Z'), ('room_2', 'group', null, '{}', '2024-01-01T00:00:00.000Z')`)
    })
    const store = open(schema)
    await store.start()
    const names = async (q: string) => (await store.searchParticipants({ name: q }, { limit: 10 })).items.map((p) => p.id)
    expect(await names('lovelace')).toEqual(['ptc_000000'])
    expect(await names('grace h')).toEqual(['ptc_000001'])
    expect(await names('e')).toEqual(['ptc_000000', 'ptc_000001'])
    expect((await store.searchRooms({ name: 'desk' }, { limit: 10 })).items.map((r) => r.id)).toEqual(['room_1'])
    await store.updateParticipant('ptc_000000', (p) => ({ ...p, identity: { name: 'Countess of Lovelace' } }))
    expect(await names('ada')).toEqual([])
    expect(await names('countess')).toEqual(['ptc_000000'])
    const { rows } = await admin.query(`select kind, count(*)::int as n from "${schema}".directory_entries group by kind order by kind`)
    expect(rows).toEqual([{ kind: 'p', n: 2 }, { kind: 'r', n: 1 }])
  })

  it('a name search reads the primary keys of the directory tables, never a whole table (EXPLAIN)', async () => {
    const schema = await schemaBeforeDirectory((s) => seedParticipants(s, 50_000,
      `(array['Ada', 'Grace', 'Alan', 'Edsger'])[i % 4 + 1] || ' Person ' || i`))
    const store = open(schema)
    const t0 = performance.now()
    await store.start()
    console.log(`[directory test] 0007_directory backfilled 50,000 participants in ${Math.round(performance.now() - t0)} ms`)
    await admin.query(`analyze "${schema}".directory_grams; analyze "${schema}".directory_entries; analyze "${schema}".participants`)
    // Record the directory statements the store sends, with their values.
    const seen: Array<{ text: string; values: unknown[] }> = []
    const query = pg.Client.prototype.query
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const [text, values] = args as [unknown, unknown]
      if (typeof text === 'string' && /directory_|"participants"/.test(text) && Array.isArray(values)) seen.push({ text, values })
      return (query as (...a: unknown[]) => unknown).apply(this, args)
    } as typeof query
    cleanups.push(() => void (pg.Client.prototype.query = query))
    expect((await store.searchParticipants({ name: 'person 49999' }, { limit: 10 })).items.map((p) => p.identity.name)).toEqual(['Edsger Person 49999'])
    expect((await store.searchParticipants({ name: 'grace' }, { limit: 10 })).items).toHaveLength(10)
    expect((await store.searchParticipants({ name: 'zz' }, { limit: 10 })).items).toHaveLength(0)
    pg.Client.prototype.query = query
    const plans: Array<{ text: string; plan: string }> = []
    for (const { text, values } of seen) {
      const { rows } = await admin.query<{ 'QUERY PLAN': string }>(`explain ${text}`, values)
      plans.push({ text, plan: rows.map((r) => r['QUERY PLAN']).join('\n') })
    }
    expect(plans.length).toBeGreaterThanOrEqual(5)
    for (const { text, plan } of plans) {
      expect(plan, `${text}\n${plan}`).not.toMatch(/Seq Scan on (directory_grams|directory_entries|participants)/)
      if (/from "[^"]+"\."directory_grams" as "g"/.test(text)) {
        expect(plan, plan).toMatch(/Index (Only )?Scan using directory_grams_pk on directory_grams g/)
        expect(plan, plan).toMatch(/Index Scan using directory_entries_pk on directory_entries e/)
        expect(plan, plan).not.toMatch(/Sort/)
      }
    }
    expect(plans.some(({ text }) => /"directory_grams" as "g"/.test(text))).toBe(true)
  }, 120_000)
})
