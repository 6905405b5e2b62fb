// store-postgres against bare pg in the same run: postMessage from 32 concurrent callers vs durable
// one-row inserts of the same row from 8 connections, and (the physical limit) multi-row inserts of as
// many rows per transaction as the store's group commit reached, from 8 connections; single-caller
// latency, and listMessages page latency with 10k and 200k messages in one room (seeded server-side,
// then read through the store). Calls are in-process; every statement crosses TCP to PostgreSQL (no HTTP).
// Each case uses its own schema in the database at JIDO_BENCH_PG_URL (default: the local test database).
import pg from 'pg'
import { createMessaging, newId } from '@jido-messaging/core'
import { createPostgresStore } from '@jido-messaging/store-postgres'
import { expectStored, medianLatency, postMessageRate, printTable, throughput } from './harness.js'

const PG_URL = process.env['JIDO_BENCH_PG_URL'] ?? process.env['JIDO_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'
const COUNT = 10_000
const LATENCY_COUNT = 1_000
/** Rows the baselines insert first, unmeasured, batched as measured. */
const BARE_WARMUP = 1_000
const schemas: string[] = []

// Counts the COMMITs sent through pg in this process: the store ends every transaction (each group-commit
// batch) with kysely's `commit`; the baselines autocommit and send none.
let commits = 0
const query = pg.Client.prototype.query as (...args: unknown[]) => unknown
;(pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: unknown, ...args: unknown[]) {
  if (args[0] === 'commit') commits++
  return query.apply(this, args)
}
const pgCommits = (): number => commits

/** A migrated, empty schema with one room. */
async function preparedSchema(): Promise<{ schema: string; roomId: string }> {
  const schema = `jm_bench_${process.pid}_${schemas.length}`
  schemas.push(schema)
  const messaging = createMessaging({ store: createPostgresStore({ connectionString: PG_URL, schema }), instanceId: 'bench' })
  await messaging.start()
  const room = await messaging.createRoom({ name: 'bench' })
  await messaging.stop()
  return { schema, roomId: room.id }
}

/**
 * Bare pg: `connections` connections, each inserting the full message row with one autocommitted (durable)
 * statement at a time: one row per statement, or `rowsPerTx` rows in one multi-row INSERT (one transaction).
 * Counts the rows after and throws on a shortfall. Returns rows/s.
 */
async function bareRate(count: number, connections: number, rowsPerTx = 1) {
  const { schema, roomId } = await preparedSchema()
  const clients = await Promise.all(Array.from({ length: connections }, async () => {
    const c = new pg.Client({ connectionString: PG_URL })
    await c.connect()
    return c
  }))
  const size = Math.max(1, Math.round(rowsPerTx))
  const values = (rows: number) => Array.from({ length: rows }, (_, r) => `(${Array.from({ length: 11 }, (_, c) => `$${r * 11 + c + 1}`).join(', ')})`).join(', ')
  const texts = new Map<number, string>()
  const sqlFor = (rows: number) => texts.get(rows) ?? texts.set(rows, `insert into "${schema}".messages (id, room_id, sender_id, role, content, status, reactions, receipts, metadata,
    inserted_at, updated_at) values ${values(rows)}`).get(rows)!
  // Each of the `connections` callers holds its own client: one statement in flight per connection.
  const idle = [...clients]
  const insert = async (from: number, to: number) => {
    const client = idle.pop()!
    const now = new Date().toISOString()
    const params: unknown[] = []
    for (let i = from; i < to; i++) {
      params.push(newId('message'), roomId, 'user_1', 'user', JSON.stringify([{ type: 'text', text: `message ${i}` }]), 'sent', '{}', '{}', '{}', now, now)
    }
    try {
      await client.query(sqlFor(to - from), params)
    } finally {
      idle.push(client)
    }
  }
  await throughput(Math.ceil(BARE_WARMUP / size), connections, (t) => insert(count + t * size, count + Math.min(BARE_WARMUP, (t + 1) * size)))
  const r = await throughput(Math.ceil(count / size), connections, (t) => insert(t * size, Math.min(count, (t + 1) * size)))
  const { rows } = await clients[0]!.query(`select count(*)::int as n from "${schema}".messages where room_id = $1`, [roomId])
  await Promise.all(clients.map((c) => c.end()))
  expectStored(`bare pg, ${size} row(s) per statement`, (rows[0] as { n: number }).n, count + BARE_WARMUP)
  return { ...r, opsPerSec: count / r.seconds, rowsPerTx: size }
}

async function postMessageRateOnSchema(count: number, concurrency: number) {
  const { schema, roomId } = await preparedSchema()
  return postMessageRate(createPostgresStore({ connectionString: PG_URL, schema }), count, concurrency, roomId, pgCommits)
}

/** Seeds `size` messages with one server-side bulk insert, then reads pages through the store. */
async function pageLatency(size: number) {
  const { schema, roomId } = await preparedSchema()
  const admin = new pg.Client({ connectionString: PG_URL })
  await admin.connect()
  await admin.query(`insert into "${schema}".messages (id, room_id, sender_id, role, content, status, reactions, receipts, metadata,
      inserted_at, updated_at)
    select 'msg_' || lpad(i::text, 10, '0'), $1, 'user_1', 'user', jsonb_build_array(jsonb_build_object('type', 'text', 'text', 'message ' || i)),
      'sent', '{}', '{}', '{}', to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), to_char(t, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
    from generate_series(0, $2::int - 1) as i, lateral (select timestamp '2024-01-01' + i * interval '1 millisecond' as t) as ts`,
  [roomId, size])
  await admin.query(`analyze "${schema}".messages`)
  await admin.end()
  const ids = Array.from({ length: size }, (_, i) => `msg_${String(i).padStart(10, '0')}`)

  const messaging = createMessaging({ store: createPostgresStore({ connectionString: PG_URL, schema }), instanceId: 'bench' })
  await messaging.start()
  let seed = 7
  const randomId = () => ids[(seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) % size]!
  const newest = await medianLatency(300, () => messaging.listMessages(roomId, { limit: 50 }))
  const middle = await medianLatency(300, (i) => messaging.listMessages(roomId, { limit: 50, before: ids[Math.floor(size / 2) + (i % 100)]! }))
  const random = await medianLatency(300, () => messaging.listMessages(roomId, { limit: 50, before: randomId() }))
  await messaging.stop()
  return { newest, middle, random }
}

async function dropSchemas(): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_URL })
  await admin.connect()
  for (const schema of schemas.splice(0)) await admin.query(`drop schema if exists "${schema}" cascade`)
  await admin.end()
}

export async function run(): Promise<void> {
  try {
    const bare = await bareRate(COUNT, 8)
    const ours = await postMessageRateOnSchema(COUNT, 32)
    // The physical limit: multi-row INSERTs of as many rows as our batches held (32 if not counted), 8 connections.
    const limit = await bareRate(COUNT, 8, ours.rowsPerCommit ?? 32)
    const single = await postMessageRateOnSchema(LATENCY_COUNT, 1)
    const bareSingle = await bareRate(LATENCY_COUNT, 1)
    const perTx = (rows: number | undefined) => (rows === undefined ? '' : rows.toFixed(1))
    printTable(`store-postgres postMessage, in-process calls, statements over TCP to PostgreSQL (${COUNT} messages; baselines: bare pg after ${BARE_WARMUP} warm-up rows, one autocommitted INSERT per row, and one autocommitted multi-row INSERT of as many rows as our batches reached = physical limit; every row counted after each run)`, [
      { case: 'bare, 8 connections, 1 row/tx', 'rows/tx': 1, 'msg or rows/s': Math.round(bare.opsPerSec), 'ratio vs 1 row/tx': 1, 'ratio vs physical limit': '', 'p50 ms': '', 'p99 ms': '' },
      { case: `bare, 8 connections, ${limit.rowsPerTx} rows/tx (physical limit)`, 'rows/tx': limit.rowsPerTx, 'msg or rows/s': Math.round(limit.opsPerSec),
        'ratio vs 1 row/tx': limit.opsPerSec / bare.opsPerSec, 'ratio vs physical limit': 1, 'p50 ms': '', 'p99 ms': '' },
      { case: 'postMessage, 32 callers', 'rows/tx': perTx(ours.rowsPerCommit), 'msg or rows/s': Math.round(ours.opsPerSec),
        'ratio vs 1 row/tx': ours.opsPerSec / bare.opsPerSec, 'ratio vs physical limit': ours.opsPerSec / limit.opsPerSec, 'p50 ms': ours.p50, 'p99 ms': ours.p99 },
      { case: 'bare, 1 connection, 1 row/tx', 'rows/tx': 1, 'msg or rows/s': Math.round(bareSingle.opsPerSec), 'ratio vs 1 row/tx': 1, 'ratio vs physical limit': 1, 'p50 ms': '', 'p99 ms': '' },
      // One caller's transactions hold one row each: its physical limit is the 1-connection, 1-row baseline.
      { case: 'postMessage, 1 caller', 'rows/tx': perTx(single.rowsPerCommit), 'msg or rows/s': Math.round(single.opsPerSec),
        'ratio vs 1 row/tx': single.opsPerSec / bareSingle.opsPerSec, 'ratio vs physical limit': single.opsPerSec / bareSingle.opsPerSec, 'p50 ms': single.p50, 'p99 ms': single.p99 },
    ])
    const small = await pageLatency(10_000)
    const large = await pageLatency(200_000)
    printTable('store-postgres listMessages page latency through createMessaging, in-process calls over TCP to PostgreSQL (limit 50, median of 300)', [
      { case: 'newest page', '10k ms': small.newest, '200k ms': large.newest, 'ratio 200k/10k': large.newest / small.newest },
      { case: 'page before a middle message', '10k ms': small.middle, '200k ms': large.middle, 'ratio 200k/10k': large.middle / small.middle },
      { case: 'page before a random message', '10k ms': small.random, '200k ms': large.random, 'ratio 200k/10k': large.random / small.random },
    ])
  } finally {
    await dropSchemas()
  }
}
