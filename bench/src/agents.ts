// Agents on store-sqlite. (1) The peer anchor's shape: 10 busy threads each receive bursts of messages
// while an agent whose handler takes 100 ms answers them one at a time per thread (`queue`): every
// message must be handled once, in order per thread; reported: the backlog's drain time and the p99
// from a message's commit to its handler's start. (2) Runner overhead: an agent that replies with a
// constant, from the message's commit to its stored reply, against the bare one-row-per-transaction
// insert measured in the same run.
import Database from 'better-sqlite3'
import { createMessaging, newId, type Message } from '@jido-messaging/core'
import { createSqliteStore } from '@jido-messaging/store-sqlite'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { printTable, throughput } from './harness.js'

const dir = mkdtempSync(join(tmpdir(), 'jido-bench-agents-'))
let files = 0
const freshFile = () => join(dir, `agents-${files++}.db`)
const textOf = (m: Message) => m.content.map((b) => (b.type === 'text' ? b.text : '')).join('')

async function bursts() {
  const THREADS = 10
  const BURSTS = 3
  const PER_BURST = 10
  const messaging = createMessaging({ store: createSqliteStore({ filename: freshFile() }), instanceId: 'bench' })
  await messaging.start()
  const room = await messaging.createRoom({ name: 'bursts' })
  const threads = []
  for (let t = 0; t < THREADS; t++) {
    const root = await messaging.saveMessage({ roomId: room.id, senderId: 'u', role: 'user', content: [{ type: 'text', text: `root ${t}` }] })
    threads.push(await messaging.saveThread({ roomId: room.id, rootMessageId: root.id }))
  }
  const committedAt = new Map<string, number>()
  const waits: number[] = []
  const handled = new Map<string, string[]>()
  let count = 0
  let duplicates = 0
  const seen = new Set<string>()
  await messaging.registerAgent(room.id, { id: 'slow', trigger: 'all', handler: async (m) => {
    const t0 = performance.now()
    waits.push(t0 - (committedAt.get(m.id) ?? t0))
    if (seen.has(m.id)) duplicates++
    seen.add(m.id)
    const list = handled.get(m.threadId!) ?? []
    list.push(textOf(m))
    handled.set(m.threadId!, list)
    await new Promise((r) => setTimeout(r, 100))
    count++
    return null
  } })
  const total = THREADS * BURSTS * PER_BURST
  const start = performance.now()
  for (let b = 0; b < BURSTS; b++) {
    await Promise.all(threads.map(async (thread, t) => {
      for (let i = 0; i < PER_BURST; i++) {
        const { message } = await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: [{ type: 'text', text: `${t}:${b * PER_BURST + i}` }], threadId: thread.id })
        committedAt.set(message.id, performance.now())
      }
    }))
    await new Promise((r) => setTimeout(r, 200))
  }
  const postedAt = performance.now()
  while (count < total) await new Promise((r) => setTimeout(r, 20))
  const drained = performance.now()
  await messaging.stop()
  let inOrder = true
  for (const [t, thread] of threads.entries()) {
    const expected = Array.from({ length: BURSTS * PER_BURST }, (_, i) => `${t}:${i}`)
    if (JSON.stringify(handled.get(thread.id)) !== JSON.stringify(expected)) inOrder = false
  }
  waits.sort((a, b) => a - b)
  const p = (q: number) => waits[Math.min(waits.length - 1, Math.floor(q * waits.length))]!
  printTable(`agent, queue mode, 100 ms handler: ${THREADS} threads x ${BURSTS} bursts of ${PER_BURST} messages (${total}) on store-sqlite`, [{
    handled: `${seen.size}/${total} (${((100 * seen.size) / total).toFixed(0)}%)`, 'in order per thread': inOrder ? 'yes' : 'NO', twice: duplicates,
    'drain after last post, s': (drained - postedAt) / 1000, 'total, s': (drained - start) / 1000, 'commit to start p50 ms': p(0.5), 'p99 ms': p(0.99),
  }])
  if (seen.size !== total || !inOrder || duplicates > 0) throw new Error('[bench agents] the agent missed, repeated or reordered messages')
}

function bareRate(count: number): number {
  const db = new Database(freshFile())
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec('create table messages (id text primary key, room_id text not null, sender_id text not null, content text not null, inserted_at text not null)')
  const insert = db.prepare('insert into messages values (?, ?, ?, ?, ?)')
  const one = db.transaction((i: number) => insert.run(newId('message'), 'room_1', 'u', JSON.stringify([{ type: 'text', text: `m ${i}` }]), new Date().toISOString()))
  const t0 = performance.now()
  for (let i = 0; i < count; i++) one(i)
  const rate = count / ((performance.now() - t0) / 1000)
  db.close()
  return rate
}

async function overhead() {
  const COUNT = 5000
  const messaging = createMessaging({ store: createSqliteStore({ filename: freshFile() }), instanceId: 'bench' })
  await messaging.start()
  const room = await messaging.createRoom({ name: 'overhead' })
  let replies = 0
  // The first handler call waits until every message is committed, so the runner then works off a backlog
  // of committed messages alone: the rate is the runner's, from commit to stored reply.
  let open!: () => void
  const gate = new Promise<void>((r) => (open = r))
  const agent = await messaging.registerAgent(room.id, { id: 'constant', trigger: 'all', handler: async () => {
    await gate
    return 'ok'
  } })
  messaging.subscribe('jido.messaging.room.message_added', (s) => {
    if (s.data?.['senderId'] === agent.participantId) replies++
  })
  const bare = bareRate(COUNT)
  const posted = await throughput(COUNT, 32, (i) => messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: [{ type: 'text', text: `m ${i}` }] }))
  const t0 = performance.now()
  open()
  while (replies < COUNT) await new Promise((r) => setTimeout(r, 10))
  const seconds = (performance.now() - t0) / 1000
  await messaging.stop()
  printTable(`agent runner on store-sqlite: a constant reply to each of ${COUNT} committed messages (default queue mode, one conversation; baseline: bare better-sqlite3, one INSERT per transaction)`, [{
    'answered/s (commit to stored reply)': Math.round(COUNT / seconds), 'baseline rows/s': Math.round(bare), ratio: COUNT / seconds / bare,
    'posting msg/s (agent waiting)': Math.round(posted.opsPerSec), target: '>= 1000 answered/s',
  }])
}

export async function run(): Promise<void> {
  try {
    await bursts()
    await overhead()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
