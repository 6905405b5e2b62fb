// The directory (directorySearch / directoryLookup through createMessaging) at 10k and 200k
// participants, on store-sqlite, store-postgres and store-memory. Participants are seeded with a bare
// bulk insert, then the store's 0007_directory migration indexes them (its time is shown too). Each query
// is measured at both sizes (samples alternate between the two, as in sqlite.ts); the ratio 200k/10k
// shows whether a search grows with the store. Baseline: the same name query as a plain scan of the
// participants table (lower/instr over every row's identity name, in id order), which is what a store
// without the gram index would do. Postgres: the database at JIDO_BENCH_PG_URL (default the local test
// database), one schema per size.
import Database from 'better-sqlite3'
import pg from 'pg'
import { createMessaging, type DirectoryQuery, type Messaging, type MessagingStore } from '@jido-messaging/core'
import { createMemoryStore } from '@jido-messaging/store-memory'
import { createPostgresStore } from '@jido-messaging/store-postgres'
import { createSqliteStore } from '@jido-messaging/store-sqlite'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { printTable } from './harness.js'

const SIZES = [10_000, 200_000] as const
const RUNS = 200
const WARMUP = 30
const PG_URL = process.env['JIDO_BENCH_PG_URL'] ?? process.env['JIDO_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Ken', 'Dennis', 'Linus', 'Margaret', 'John', 'Frances',
  'Niklaus', 'Tony', 'Leslie', 'Radia', 'Bjarne', 'Guido', 'Anita', 'Shafi', 'Tim', 'Vint', 'Butler', 'Adele', 'Karen',
  'Jean', 'Kathleen', 'Hedy', 'Sophie', 'Mary', 'Fran', 'Robin', 'Judea', 'Yukihiro', 'Brendan', 'Rasmus', 'Anders', 'Martin', 'Lynn', 'Cynthia']
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Thompson', 'Ritchie', 'Torvalds', 'Hamilton', 'McCarthy',
  'Allen', 'Wirth', 'Hoare', 'Lamport', 'Perlman', 'Stroustrup', 'van Rossum', 'Borg', 'Goldwasser', 'Berners-Lee', 'Cerf', 'Lampson',
  'Goldberg', 'Jones', 'Bartik', 'Booth', 'Lamarr', 'Wilson', 'Keller', 'Bilas', 'Milner', 'Pearl', 'Matsumoto', 'Eich', 'Lerdorf',
  'Hejlsberg', 'Odersky', 'Conway', 'Dwork']
/** The one participant with this name sits in the middle of the id range. */
const RARE = 'Zebulon Quuxworth'

const idOf = (i: number) => `ptc_${String(i).padStart(7, '0')}`
const nameOf = (i: number, size: number) => (i === Math.floor(size / 2) ? RARE : `${FIRST[i % FIRST.length]} ${LAST[(i * 7 + Math.floor(i / FIRST.length)) % LAST.length]}`)

interface Case {
  label: string
  run: (m: Messaging, size: number) => Promise<unknown>
  /** The name the baseline scan looks for (cases without one have no baseline). */
  scan?: string
}

const search = (query: DirectoryQuery, limit = 50) => (m: Messaging) => m.directorySearch('participant', query, { limit })

const CASES: Case[] = [
  { label: 'lookup rare name (1 match)', run: (m) => m.directoryLookup('participant', { name: 'quuxworth' }), scan: 'quuxworth' },
  { label: 'search full name, limit 50', run: search({ name: 'grace hopper' }), scan: 'grace hopper' },
  { label: 'search common substring "an", limit 50', run: search({ name: 'an' }), scan: 'an' },
  { label: 'search 2-char miss "qz" (budgeted scan)', run: search({ name: 'qz' }), scan: 'qz' },
  { label: 'search miss "xyzzy"', run: search({ name: 'xyzzy' }), scan: 'xyzzy' },
  { label: 'lookup by (channel, externalId)', run: (m, size) => m.directoryLookup('participant', { channel: 'telegram', externalId: String(Math.floor(size / 3)) }) },
  { label: 'lookup by id', run: (m, size) => m.directoryLookup('participant', { id: idOf(Math.floor(size / 3)) }) },
]

interface Target {
  messaging: Messaging
  /** The baseline: the name as a plain scan of participants (ms), or undefined when not applicable. */
  scan?: (name: string) => Promise<unknown>
  backfillMs: number
  close(): Promise<void>
}

/** Median ms of each case per size, the sizes' samples alternating. */
async function measure(targets: Target[]): Promise<Array<Record<string, number>>> {
  const out: Array<Record<string, number>> = targets.map(() => ({}))
  const time = async (fn: () => Promise<unknown>) => {
    const t0 = performance.now()
    await fn()
    return performance.now() - t0
  }
  for (const c of [...CASES.map((c) => ({ key: c.label, fn: (t: Target, size: number) => c.run(t.messaging, size) })),
    ...CASES.filter((c) => c.scan !== undefined).map((c) => ({ key: `scan:${c.label}`, fn: (t: Target) => t.scan?.(c.scan!) ?? Promise.resolve() }))]) {
    const samples: number[][] = targets.map(() => [])
    const runs = c.key.startsWith('scan:') ? Math.ceil(RUNS / 10) : RUNS
    for (let i = -WARMUP; i < runs; i++) {
      for (const [t, target] of targets.entries()) {
        const ms = await time(() => c.fn(target, SIZES[t]!))
        if (i >= 0) samples[t]!.push(ms)
      }
    }
    for (const [t, s] of samples.entries()) {
      s.sort((a, b) => a - b)
      out[t]![c.key] = s[Math.floor(s.length / 2)]!
    }
  }
  return out
}

function report(store: string, targets: Target[], medians: Array<Record<string, number>>): void {
  const [small, large] = medians as [Record<string, number>, Record<string, number>]
  printTable(`${store}: directory through createMessaging, ${SIZES.map((s) => s.toLocaleString('en')).join(' vs ')} participants (median ms of ${RUNS}; baseline: plain scan of participants, median of ${Math.ceil(RUNS / 10)}; backfill by 0007_directory: ${targets.map((t) => `${Math.round(t.backfillMs)} ms`).join(' / ')})`,
    CASES.map((c) => {
      const row: Record<string, string | number> = {
        case: c.label, '10k ms': small[c.label]!, '200k ms': large[c.label]!, 'ratio 200k/10k': large[c.label]! / small[c.label]!,
      }
      if (c.scan !== undefined && targets[0]!.scan !== undefined) {
        row['scan 10k ms'] = small[`scan:${c.label}`]!
        row['scan 200k ms'] = large[`scan:${c.label}`]!
        row['scan/ours at 200k'] = large[`scan:${c.label}`]! / large[c.label]!
      } else {
        row['scan 10k ms'] = '-'
        row['scan 200k ms'] = '-'
        row['scan/ours at 200k'] = '-'
      }
      return row
    }))
}

async function started(store: MessagingStore): Promise<{ messaging: Messaging; backfillMs: number }> {
  const messaging = createMessaging({ store, instanceId: 'bench' })
  const t0 = performance.now()
  await messaging.start()
  return { messaging, backfillMs: performance.now() - t0 }
}

// ---- SQLite ----

async function sqliteTarget(dir: string, size: number): Promise<Target> {
  const filename = join(dir, `directory-${size}.db`)
  // A migrated file, then the directory undone so that seeding and re-migrating measures the backfill.
  const first = createSqliteStore({ filename, thread: 'main' })
  await first.start()
  await first.stop()
  const db = new Database(filename)
  db.pragma('journal_mode = WAL')
  db.exec(`drop table directory_grams; drop table directory_entries; delete from kysely_migration where name = '0007_directory'`)
  const p = db.prepare(`insert into participants (id, type, identity, external_ids, presence, capabilities, metadata, inserted_at)
    values (?, 'human', ?, ?, 'offline', '[]', '{}', '2024-01-01T00:00:00.000Z')`)
  const x = db.prepare('insert into participant_external_ids (channel, external_user_id, participant_id) values (?, ?, ?)')
  db.transaction(() => {
    for (let i = 0; i < size; i++) {
      p.run(idOf(i), JSON.stringify({ name: nameOf(i, size) }), JSON.stringify({ telegram: String(i) }))
      x.run('telegram', String(i), idOf(i))
    }
  })()
  db.pragma('wal_checkpoint(TRUNCATE)')
  const scan = db.prepare(`select id from participants where instr(lower(json_extract(identity, '$.name')), ?) > 0 order by id limit 51`)
  const { messaging, backfillMs } = await started(createSqliteStore({ filename }))
  return {
    messaging, backfillMs,
    scan: async (name) => scan.all(name),
    close: async () => {
      await messaging.stop()
      db.close()
    },
  }
}

// ---- Postgres ----

async function postgresTarget(admin: pg.Client, schema: string, size: number): Promise<Target> {
  const first = createPostgresStore({ connectionString: PG_URL, schema })
  await first.start()
  await first.stop()
  await admin.query(`drop table "${schema}".directory_grams; drop table "${schema}".directory_entries;
    delete from "${schema}".kysely_migration where name = '0007_directory'`)
  for (let from = 0; from < size; from += 20_000) {
    const ids: string[] = []
    const names: string[] = []
    for (let i = from; i < Math.min(size, from + 20_000); i++) {
      ids.push(idOf(i))
      names.push(nameOf(i, size))
    }
    await admin.query(`insert into "${schema}".participants (id, type, identity, external_ids, presence, capabilities, metadata, inserted_at)
      select id, 'human', jsonb_build_object('name', name), jsonb_build_object('telegram', substr(id, 5)::int::text), 'offline', '[]', '{}', '2024-01-01T00:00:00.000Z'
      from unnest($1::text[], $2::text[]) as t(id, name)`, [ids, names])
    await admin.query(`insert into "${schema}".participant_external_ids (channel, external_user_id, participant_id)
      select 'telegram', substr(id, 5)::int::text, id from unnest($1::text[]) as t(id)`, [ids])
  }
  const { messaging, backfillMs } = await started(createPostgresStore({ connectionString: PG_URL, schema }))
  await admin.query(`analyze "${schema}".participants; analyze "${schema}".participant_external_ids; analyze "${schema}".directory_grams; analyze "${schema}".directory_entries`)
  return {
    messaging, backfillMs,
    scan: (name) => admin.query(`select id from "${schema}".participants where strpos(lower(identity->>'name'), $1) > 0 order by id limit 51`, [name]),
    close: () => messaging.stop(),
  }
}

// ---- memory ----

async function memoryTarget(size: number): Promise<Target> {
  const store = createMemoryStore()
  const t0 = performance.now()
  for (let i = 0; i < size; i++) {
    await store.createParticipant({ id: idOf(i), type: 'human', identity: { name: nameOf(i, size) }, externalIds: { telegram: String(i) },
      presence: 'offline', capabilities: [], metadata: {}, insertedAt: '2024-01-01T00:00:00.000Z' })
  }
  const seedMs = performance.now() - t0
  const { messaging } = await started(store)
  return { messaging, backfillMs: seedMs, close: () => messaging.stop() }
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'jido-bench-directory-'))
  try {
    const sqlite = []
    for (const size of SIZES) sqlite.push(await sqliteTarget(dir, size))
    report('store-sqlite', sqlite, await measure(sqlite))
    for (const t of sqlite) await t.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }

  const admin = new pg.Client({ connectionString: PG_URL })
  await admin.connect()
  const schemas = SIZES.map((size) => `jm_bench_dir_${process.pid}_${size}`)
  try {
    const postgres = []
    for (const [i, size] of SIZES.entries()) postgres.push(await postgresTarget(admin, schemas[i]!, size))
    report('store-postgres', postgres, await measure(postgres))
    for (const t of postgres) await t.close()
  } finally {
    for (const schema of schemas) await admin.query(`drop schema if exists "${schema}" cascade`)
    await admin.end()
  }

  const memory = []
  for (const size of SIZES) memory.push(await memoryTarget(size))
  const medians = await measure(memory)
  printTable(`store-memory: directory through createMessaging (median ms of ${RUNS}; seeded through createParticipant in ${memory.map((t) => `${Math.round(t.backfillMs)} ms`).join(' / ')})`,
    CASES.map((c) => ({ case: c.label, '10k ms': medians[0]![c.label]!, '200k ms': medians[1]![c.label]!, 'ratio 200k/10k': medians[1]![c.label]! / medians[0]![c.label]! })))
  for (const t of memory) await t.close()
}
