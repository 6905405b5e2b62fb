// routeWebhookRequest on store-sqlite: 64 concurrent signed adapter-webhook events (distinct messages,
// each resolved only after its commit), alone and through a mirror route to a local receiver, against
// bare one-row-per-transaction better-sqlite3 inserts of the same message row in the same run.
import { createWebhookAdapter, signWebhookBody } from '@jido-messaging/adapter-webhook'
import { createMessaging } from '@jido-messaging/core'
import { createSqliteStore } from '@jido-messaging/store-sqlite'
import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { printTable, throughput } from './harness.js'

const EVENTS = 8000
/** Events sent first and not measured, so the JIT and SQLite's caches are warm on both sides. */
const WARMUP = 1000
const CONCURRENCY = 64
const ROUNDS = 3
const SECRET = 'bench-secret'

function bareInsertRate(dir: string, round = 0): number {
  const db = new Database(join(dir, `bare-${round}.db`))
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec(`CREATE TABLE messages (id TEXT PRIMARY KEY, room_id TEXT NOT NULL, sender_id TEXT NOT NULL, role TEXT NOT NULL,
    content TEXT NOT NULL, external_id TEXT, metadata TEXT NOT NULL, status TEXT NOT NULL, inserted_at TEXT NOT NULL, updated_at TEXT NOT NULL)`)
  const stmt = db.prepare('INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
  const insert = db.transaction((i: number) => {
    const now = new Date().toISOString()
    stmt.run(`msg_${i}`, 'room_1', 'ptc_1', 'user', JSON.stringify([{ type: 'text', text: `event ${i}` }]), `ext-${i}`,
      JSON.stringify({ channel: 'webhook', bridgeId: 'wh' }), 'sent', now, now)
  })
  for (let i = 0; i < WARMUP; i++) insert(EVENTS + i)
  const start = performance.now()
  for (let i = 0; i < EVENTS; i++) insert(i)
  const rate = EVENTS / ((performance.now() - start) / 1000)
  db.close()
  return rate
}

async function receiver(): Promise<{ url: string; received: () => number; close: () => Promise<void> }> {
  let n = 0
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      n++
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ id: `rx-${n}` }))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, received: () => n,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()) }) }
}

async function ingestRate(dir: string, name: string, mirrorTo?: string, thread: 'main' | 'worker' = 'main') {
  const store = createSqliteStore({ filename: join(dir, `${name}.db`), thread })
  const messaging = createMessaging({ store, adapters: [createWebhookAdapter()], instanceId: 'bench', delivery: { concurrency: 64 } })
  await messaging.start()
  await messaging.putBridgeConfig({ id: 'wh', adapter: 'webhook', credentials: { secret: SECRET }, options: { outboundUrl: 'http://127.0.0.1:9/unused' } })
  if (mirrorTo) {
    await messaging.ensureBridgeRoom({
      bridgeConfigs: [{ id: 'rx', adapter: 'webhook', credentials: { secret: SECRET }, options: { outboundUrl: mirrorTo, rateLimit: { perBridge: { perSecond: 1e6, burst: 1e6 }, perConversation: { perSecond: 1e6, burst: 1e6 } } } }],
      bindings: [{ channel: 'webhook', bridgeId: 'wh', externalRoomId: 'room-1' }, { channel: 'webhook', bridgeId: 'rx', externalRoomId: 'far-1' }],
      routingPolicy: { deliveryMode: 'broadcast', mirror: true },
    })
  }
  const requests = Array.from({ length: EVENTS + WARMUP }, (_, i) => {
    const rawBody = JSON.stringify({ id: `ext-${i}`, room: 'room-1', user: `user-${i % 50}`, text: `event ${i}` })
    return { method: 'POST', headers: { 'content-type': 'application/json', ...signWebhookBody(SECRET, rawBody) }, rawBody }
  })
  let failures = 0
  const send = async (i: number) => {
    const { response } = await messaging.routeWebhookRequest('wh', requests[i]!)
    if (response.status !== 200) failures++
  }
  await throughput(WARMUP, CONCURRENCY, (i) => send(EVENTS + i))
  const r = await throughput(EVENTS, CONCURRENCY, send)
  if (failures > 0) throw new Error(`${failures} webhook requests failed`)
  // Every 200 stands for a stored message: count them.
  const room = await store.getRoomByBinding('webhook', 'wh', 'room-1')
  const stored = room === null ? 0 : await store.countMessages(room.id)
  if (stored !== EVENTS + WARMUP) throw new Error(`${stored} messages stored for ${EVENTS + WARMUP} acknowledged events`)
  return { ...r, messaging }
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'jido-bench-ingest-'))
  const rx = await receiver()
  try {
    // Three alternating rounds of the baseline and plain ingest (this VM's speed drifts); the median is shown.
    const rounds = []
    for (let round = 0; round < ROUNDS; round++) {
      const bare = bareInsertRate(dir, round)
      const plain = await ingestRate(dir, `plain-${round}`)
      await plain.messaging.stop()
      rounds.push({ bare, plain, ratio: plain.opsPerSec / bare })
    }
    rounds.sort((a, b) => a.ratio - b.ratio)
    const { bare, plain } = rounds[Math.floor(ROUNDS / 2)]!
    const threaded = await ingestRate(dir, 'worker', undefined, 'worker')
    await threaded.messaging.stop()
    const mirrored = await ingestRate(dir, 'mirror', rx.url)
    const sentStart = performance.now()
    while (rx.received() < EVENTS + WARMUP && performance.now() - sentStart < 120_000) await new Promise((r) => setTimeout(r, 20))
    const drainSeconds = (performance.now() - sentStart) / 1000
    await mirrored.messaging.stop()
    printTable(`routeWebhookRequest on store-sqlite (${EVENTS} signed events after ${WARMUP} warm-up, ${CONCURRENCY} concurrent; baseline: bare better-sqlite3, one row per transaction, same warm-up; plain ingest: median of ${ROUNDS} alternating rounds, ratios ${rounds.map((r) => r.ratio.toFixed(2)).join(', ')})`, [
      { case: 'bare insert, 1 row/tx', 'events/s': Math.round(bare), 'p50 ms': '', 'p99 ms': '', ratio: 1 },
      { case: 'ingest', 'events/s': Math.round(plain.opsPerSec), 'p50 ms': plain.p50, 'p99 ms': plain.p99, ratio: plain.opsPerSec / bare },
      { case: 'ingest, store in worker mode', 'events/s': Math.round(threaded.opsPerSec), 'p50 ms': threaded.p50, 'p99 ms': threaded.p99, ratio: threaded.opsPerSec / bare },
      { case: 'ingest + mirror outbox row', 'events/s': Math.round(mirrored.opsPerSec), 'p50 ms': mirrored.p50, 'p99 ms': mirrored.p99, ratio: mirrored.opsPerSec / bare },
    ])
    console.log(`mirror deliveries: ${rx.received()}/${EVENTS + WARMUP} received by the local receiver, the last ${drainSeconds.toFixed(2)} s after ingest ended`)
  } finally {
    await rx.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
