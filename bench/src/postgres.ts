// store-postgres against bare pg in the same run: postMessage from 32 concurrent callers vs durable
// one-row inserts of the same row from 8 connections, single-caller latency, and listMessages page
// latency with 10k and 200k messages in one room (seeded server-side, then read through the store).
// Each case uses its own schema in the database at JIDO_BENCH_PG_URL (default: the local test database).
import pg from 'pg'
import { createMessaging, newId } from '@jido-messaging/core'
import { createPostgresStore } from '@jido-messaging/store-postgres'
import { medianLatency, postMessageRate, printTable, throughput } from './harness.js'

const PG_URL = process.env['JIDO_BENCH_PG_URL'] ?? process.env['JIDO_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'
const COUNT = 10_000
const LATENCY_COUNT = 1_000
const schemas: string[] = []

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

/** Bare pg: 8 connections, each inserting the full message row one autocommitted statement at a time. */
async function bareRate(count: number, connections: number) {
  const { schema, roomId } = await preparedSchema()
  const clients = await Promise.all(Array.from({ length: connections }, async () => {
    const c = new pg.Client({ connectionString: PG_URL })
    await c.connect()
    return c
  }))
  const sql = `insert into "${schema}".messages (id, room_id, sender_id, role, content, status, reactions, receipts, metadata,
    inserted_at, updated_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`
  // Each of the `connections` callers holds its own client: one query in flight per connection.
  const idle = [...clients]
  const r = await throughput(count, connections, async (i) => {
    const client = idle.pop()!
    const now = new Date().toISOString()
    try {
      await client.query(sql, [newId('message'), roomId, 'user_1', 'user', JSON.stringify([{ type: 'text', text: `message ${i}` }]),
        'sent', '{}', '{}', '{}', now, now])
    } finally {
      idle.push(client)
    }
  })
  await Promise.all(clients.map((c) => c.end()))
  return r
}

async function postMessageRateOnSchema(count: number, concurrency: number) {
  const { schema, roomId } = await preparedSchema()
  return postMessageRate(createPostgresStore({ connectionString: PG_URL, schema }), count, concurrency, roomId)
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
    const single = await postMessageRateOnSchema(LATENCY_COUNT, 1)
    const bareSingle = await bareRate(LATENCY_COUNT, 1)
    printTable(`store-postgres postMessage (${COUNT} messages; baseline: bare pg, one autocommitted INSERT per row)`, [
      { case: 'postMessage, 32 callers', 'ours msg/s': Math.round(ours.opsPerSec), baseline: 'bare, 8 connections',
        'baseline rows/s': Math.round(bare.opsPerSec), ratio: ours.opsPerSec / bare.opsPerSec, 'p50 ms': ours.p50, 'p99 ms': ours.p99 },
      { case: 'postMessage, 1 caller', 'ours msg/s': Math.round(single.opsPerSec), baseline: 'bare, 1 connection',
        'baseline rows/s': Math.round(bareSingle.opsPerSec), ratio: single.opsPerSec / bareSingle.opsPerSec, 'p50 ms': single.p50, 'p99 ms': single.p99 },
    ])
    const small = await pageLatency(10_000)
    const large = await pageLatency(200_000)
    printTable('store-postgres listMessages page latency through createMessaging (limit 50, median of 300)', [
      { case: 'newest page', '10k ms': small.newest, '200k ms': large.newest, 'ratio 200k/10k': large.newest / small.newest },
      { case: 'page before a middle message', '10k ms': small.middle, '200k ms': large.middle, 'ratio 200k/10k': large.middle / small.middle },
      { case: 'page before a random message', '10k ms': small.random, '200k ms': large.random, 'ratio 200k/10k': large.random / small.random },
    ])
  } finally {
    await dropSchemas()
  }
}
