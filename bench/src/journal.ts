// The signal journal on store-sqlite: (1) 32 callers post 50,000 messages while a no-op subscriber and a
// subscriber whose handler takes 1 ms consume them; both must receive every signal in order, and every
// message must be stored. Reported (all in-process, no HTTP): the posting rate against two bare inserts
// measured in the same run (one row per transaction, and as many rows per transaction as our group
// commit reached: the physical limit; neither writes a journal), each
// subscriber's catch-up time after the last post, and the process's peak memory. (2) readSignals of 500
// signals after a position in the middle of a journal of 10k and of 1M entries (seeded by a bare bulk
// insert), sampled alternately; the ratio says whether the read grows with the journal.
import { createMessaging, positionOf, SignalTypes, type Signal } from '@jido-messaging/core'
import { createSqliteStore } from '@jido-messaging/store-sqlite'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { printTable, throughput } from './harness.js'
import { bareMessageRate, BARE_WARMUP, fileNamer, openBare, preparedFile as prepared, sqliteCommits } from './sqlite-fixtures.js'

const MESSAGES = 50_000
const dir = mkdtempSync(join(tmpdir(), 'jido-bench-journal-'))
const freshFile = fileNamer(dir, 'journal')
const preparedFile = () => prepared(freshFile())
const bareRate = (count: number, rowsPerTx = 1) => bareMessageRate(freshFile(), count, rowsPerTx)

/** Samples the process's resident and heap memory until stopped; resolves the peaks (MB). */
function memorySampler() {
  let rss = 0
  let heap = 0
  const sample = () => {
    const m = process.memoryUsage()
    rss = Math.max(rss, m.rss)
    heap = Math.max(heap, m.heapUsed)
  }
  sample()
  const timer = setInterval(sample, 50)
  return { stop: () => (clearInterval(timer), sample(), { rssMb: rss / 2 ** 20, heapMb: heap / 2 ** 20 }) }
}

function inOrder(seen: Signal[]): boolean {
  for (let i = 1; i < seen.length; i++) if (positionOf(seen[i]!)! <= positionOf(seen[i - 1]!)!) return false
  return true
}

async function delivery() {
  const bare = await bareRate(20_000)
  const { filename, roomId } = await preparedFile()
  global.gc?.()
  const memory = memorySampler()
  const store = createSqliteStore({ filename })
  const messaging = createMessaging({ store, instanceId: 'bench' })
  await messaging.start()
  const fast: Signal[] = []
  const slow: Signal[] = []
  let fastDone = 0
  let slowDone = 0
  messaging.subscribe(SignalTypes.roomMessageAdded, (s) => {
    fast.push(s)
    if (fast.length === MESSAGES) fastDone = performance.now()
  })
  messaging.subscribe(SignalTypes.roomMessageAdded, async (s) => {
    await new Promise((r) => setTimeout(r, 1))
    // Only the position is kept: holding 50,000 whole signals would measure the benchmark, not the runtime.
    slow.push({ position: positionOf(s) } as unknown as Signal)
    if (slow.length === MESSAGES) slowDone = performance.now()
  })
  const commitsBefore = sqliteCommits()
  const posted = await throughput(MESSAGES, 32, (i) =>
    messaging.postMessage({ roomId, senderId: 'user_1', role: 'user', content: [{ type: 'text', text: `message ${i}` }] }))
  const rowsPerCommit = MESSAGES / Math.max(1, sqliteCommits() - commitsBefore)
  const postedAt = performance.now()
  while (fast.length < MESSAGES || slow.length < MESSAGES) await new Promise((r) => setTimeout(r, 20))
  const peak = memory.stop()
  const ok = fast.length === MESSAGES && slow.length === MESSAGES && inOrder(fast) && inOrder(slow)
  const stored = await store.countMessages(roomId)
  await messaging.stop()
  if (!ok) throw new Error(`[bench journal] a subscriber missed or reordered signals: fast ${fast.length}, slow ${slow.length}`)
  if (stored !== MESSAGES) throw new Error(`[bench journal] ${stored} messages stored for ${MESSAGES} posted`)
  const limit = await bareRate(20_000, rowsPerCommit)
  printTable(`signal journal on store-sqlite, in-process calls: 32 callers post ${MESSAGES} messages, two subscribers (baselines: bare better-sqlite3 with the store's pragmas after ${BARE_WARMUP} warm-up rows, no journal: the same INSERT 1 row per transaction, and batched as many rows per transaction as our batches reached = physical limit; every row counted after each run)`, [
    { case: 'bare insert, 1 row/tx', 'rows/tx': 1, 'msg or rows/s': Math.round(bare.opsPerSec), 'ratio vs 1 row/tx': 1, 'ratio vs physical limit': '', 'p99 ms': '' },
    { case: `bare insert, ${limit.rowsPerTx} rows/tx (physical limit)`, 'rows/tx': limit.rowsPerTx, 'msg or rows/s': Math.round(limit.opsPerSec),
      'ratio vs 1 row/tx': limit.opsPerSec / bare.opsPerSec, 'ratio vs physical limit': 1, 'p99 ms': '' },
    { case: 'postMessage with both subscribers', 'rows/tx': rowsPerCommit.toFixed(1), 'msg or rows/s': Math.round(posted.opsPerSec),
      'ratio vs 1 row/tx': posted.opsPerSec / bare.opsPerSec, 'ratio vs physical limit': posted.opsPerSec / limit.opsPerSec, 'p99 ms': posted.p99 },
  ])
  printTable(`subscribers, in-process (every signal received, in journal order, and ${MESSAGES} messages stored: checked)`, [
    { subscriber: 'no-op handler', received: `${fast.length}/${MESSAGES}`, 'caught up after last post, s': Math.max(0, (fastDone - postedAt) / 1000) },
    { subscriber: '1 ms handler', received: `${slow.length}/${MESSAGES}`, 'caught up after last post, s': Math.max(0, (slowDone - postedAt) / 1000) },
  ])
  printTable('process memory during the run (peak)', [{ 'rss MB': peak.rssMb, 'heap MB': peak.heapMb }])
}

/** A store file whose journal holds `size` message_added entries, seeded by a bare bulk insert. */
async function seededJournal(size: number) {
  const { filename, roomId } = await preparedFile()
  const db = openBare(filename)
  const insert = db.prepare('insert into signal_journal (position, id, type, room_id, time, body) values (?, ?, ?, ?, ?, ?)')
  const base = Date.now() - 3_600_000
  const chunk = db.transaction((from: number, to: number) => {
    for (let p = from; p < to; p++) {
      const time = new Date(base + Math.floor(p / 1000)).toISOString()
      const id = `sig_${String(p).padStart(10, '0')}`
      const message = { id: `msg_${p}`, roomId, senderId: 'user_1', role: 'user', content: [{ type: 'text', text: `message ${p}` }],
        status: 'sent', reactions: {}, receipts: {}, metadata: {}, insertedAt: time, updatedAt: time }
      const body = { id, time, type: SignalTypes.roomMessageAdded, source: '/jido/messaging/bench', specversion: '1.0', datacontenttype: 'application/json',
        subject: roomId, data: { roomId, messageId: message.id, senderId: 'user_1', message }, correlationid: `cor_${p}` }
      insert.run(p + 1, id, body.type, roomId, time, JSON.stringify(body))
    }
  })
  for (let from = 0; from < size; from += 100_000) chunk(from, Math.min(size, from + 100_000))
  db.prepare('update journal_head set position = ? where id = 1').run(size)
  db.pragma('wal_checkpoint(TRUNCATE)')
  db.close()
  return { filename, size }
}

async function readLatency(sizes: readonly number[], runs = 300) {
  const journals = []
  for (const size of sizes) {
    const seeded = await seededJournal(size)
    const messaging = createMessaging({ store: createSqliteStore({ filename: seeded.filename }), instanceId: 'bench', journal: { pruneIntervalMs: 0 } })
    await messaging.start()
    journals.push({ messaging, size })
  }
  const times: number[][] = journals.map(() => [])
  for (let i = -100; i < runs; i++) {
    for (const [j, { messaging, size }] of journals.entries()) {
      const after = Math.floor(size / 2) + (i % 1000) * 3
      const t0 = performance.now()
      const page = await messaging.readSignals({ after, limit: 500 })
      if (i >= 0) times[j]!.push(performance.now() - t0)
      if (page.signals.length !== 500 || positionOf(page.signals[0]!) !== after + 1) throw new Error('[bench journal] readSignals returned the wrong page')
    }
  }
  for (const { messaging } of journals) await messaging.stop()
  return times.map((t) => (t.sort((a, b) => a - b), t[Math.floor(t.length / 2)]!))
}

export async function run(): Promise<void> {
  try {
    await delivery()
    const [small, large] = (await readLatency([10_000, 1_000_000])) as [number, number]
    printTable('readSignals({after: a middle position, limit: 500}) on store-sqlite, in-process calls (median of 300, sizes sampled alternately)', [
      { case: '500 signals after a position', '10k entries ms': small, '1M entries ms': large, 'ratio 1M/10k': large / small },
    ])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
