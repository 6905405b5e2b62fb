// Cross-process signals on Postgres alone: two OS processes on one schema (cross-process-child.ts, run
// through tsx). Process A posts 1,000 messages/s for 10 s; process B, with default journal options (no
// bus; the poll is only a 10 s backstop), subscribes to everything and is woken by LISTEN/NOTIFY.
// Reported: commit→subscriber latency, bracketed from both sides: from A's COMMIT acknowledgement (A's
// pg client got the reply; Postgres wakes listeners at about the same moment) and from the signal's
// `time` (stamped in the committing transaction before its journal statement and COMMIT: an upper
// bound), each to B's handler; post→subscriber; A's postMessage latency and achieved rate; B's count and
// gap check (the run fails on any shortfall or gap); each process's CPU. Baseline in the same run: bare
// pg, autocommitted `pg_notify` at the same rate from one process and a LISTEN in another (NOTIFY
// acknowledged → listener): the floor this machine sets. Times are the wall clock, 1 ms resolution.
// Database: JIDO_BENCH_PG_URL (default: the local test database).
import { createMessaging } from '@jido-messaging/core'
import { createPostgresStore } from '@jido-messaging/store-postgres'
import { fork } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import type { ChildConfig, ReceiveResult, SendResult } from './cross-process-child.js'
import { printTable, type Row } from './harness.js'

const PG_URL = process.env['JIDO_BENCH_PG_URL'] ?? process.env['JIDO_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'
const RATE = 1_000
const SECONDS = 10
const WARMUP = 500
const TARGET_P99_MS = 20
const here = dirname(fileURLToPath(import.meta.url))

function start<R>(config: ChildConfig): { result: Promise<R>; ready: Promise<void>; send: (m: unknown) => void } {
  const child = fork(join(here, 'cross-process-child.ts'), [JSON.stringify(config)], {
    cwd: join(here, '..'), execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  let ready!: () => void
  const readyP = new Promise<void>((r) => (ready = r))
  const result = new Promise<R>((resolve, reject) => {
    child.on('message', (m) => ((m as { ready?: boolean }).ready ? ready() : resolve(m as R)))
    child.on('exit', (code) => reject(new Error(`[bench] the ${config.role} process exited (${code}) before reporting`)))
    child.on('error', reject)
  })
  result.catch(() => undefined)
  return { result, ready: readyP, send: (m) => void (child.connected && child.send(m as never)) }
}

/** Starts the receiver, then (once it is ready) the sender; resolves both reports. */
async function pair(base: Omit<ChildConfig, 'role'>, receiverRole: ChildConfig['role'], senderRole: ChildConfig['role']) {
  const receiver = start<ReceiveResult>({ ...base, role: receiverRole })
  await Promise.race([receiver.ready, receiver.result])
  const sent = await start<SendResult>({ ...base, role: senderRole }).result
  // Everything is committed: give the receiver a generous moment to finish, then ask for its report.
  const timer = setTimeout(() => receiver.send({ stop: true }), 30_000)
  const got = await receiver.result
  clearTimeout(timer)
  return { sent, got }
}

const sorted = (values: number[]) => values.filter((v) => !Number.isNaN(v)).sort((x, y) => x - y)
const pct = (s: number[], p: number) => s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN
const latencyRow = (measure: string, values: number[]): Row => {
  const s = sorted(values)
  return { measure, p50: pct(s, 50), p99: pct(s, 99), max: s.at(-1) ?? NaN }
}
const cpuPercent = (r: { cpuMs: number; startedAt: number; endedAt: number }) => (100 * r.cpuMs) / (r.endedAt - r.startedAt)

export async function run(): Promise<void> {
  const schema = `jm_bench_xp_${process.pid}`
  const prep = createMessaging({ store: createPostgresStore({ connectionString: PG_URL, schema }), instanceId: 'prep' })
  await prep.start()
  const room = await prep.createRoom({ name: 'cross-process' })
  await prep.stop()
  const base = { pgUrl: PG_URL, schema, roomId: room.id, warmup: WARMUP, count: RATE * SECONDS, rate: RATE }
  const total = WARMUP + base.count
  try {
    const bare = await pair(base, 'bare-listen', 'bare-notify')
    const ours = await pair(base, 'subscribe', 'post')

    const commits = ours.sent.commits.sort((x, y) => x[0] - y[0])
    /** When the transaction holding position p was acknowledged: the first commit whose head is at or past p. */
    const commitOf = (p: number): number => {
      let lo = 0
      let hi = commits.length
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (commits[mid]![0] < p) lo = mid + 1
        else hi = mid
      }
      return commits[lo]?.[1] ?? NaN
    }
    const arrived = (r: ReceiveResult, f: (t: number, i: number) => number) => r.receivedAt.flatMap((t, i) => (t === 0 ? [] : [f(t, i)]))
    const fromCommit = arrived(ours.got, (t, i) => t - commitOf(ours.got.positions[i]!))
    const fromStamp = arrived(ours.got, (_, i) => ours.got.sinceStamped[i]!)
    const p99 = pct(sorted(fromCommit), 99)
    printTable(`cross-process signals on one Postgres schema: A posts ${RATE}/s for ${SECONDS} s, B subscribes (LISTEN/NOTIFY wake-up); ms`, [
      latencyRow('ours: A\'s COMMIT acknowledged → B\'s handler', fromCommit),
      latencyRow('ours: signal time (before COMMIT) → B\'s handler', fromStamp),
      latencyRow('ours: A calls postMessage → B\'s handler', arrived(ours.got, (t, i) => t - ours.sent.sentAt[i]!)),
      latencyRow('ours: A\'s postMessage, call → resolved', ours.sent.doneAt.map((t, i) => t - ours.sent.sentAt[i]!)),
      latencyRow('bare pg: NOTIFY acknowledged → LISTEN callback', arrived(bare.got, (t, i) => t - bare.sent.doneAt[i]!)),
    ])
    const seconds = (r: SendResult) => (r.endedAt - r.startedAt) / 1000
    printTable('rate, count and CPU (CPU: % of one core over the measured window)', [
      { process: 'A (posts)', figure: 'achieved rate (msg/s)', ours: base.count / seconds(ours.sent), 'bare pg': base.count / seconds(bare.sent) },
      { process: 'A (posts)', figure: 'journaled commits (/s)', ours: commits.length / seconds(ours.sent), 'bare pg': '' },
      { process: 'B (subscribes)', figure: `received of ${total} (incl. ${WARMUP} warm-up)`, ours: ours.got.received, 'bare pg': bare.got.received },
      { process: 'B (subscribes)', figure: 'position gaps', ours: ours.got.gaps, 'bare pg': '' },
      { process: 'A (posts)', figure: 'CPU %', ours: cpuPercent(ours.sent), 'bare pg': cpuPercent(bare.sent) },
      { process: 'B (subscribes)', figure: 'CPU %', ours: cpuPercent(ours.got), 'bare pg': cpuPercent(bare.got) },
      { process: 'B (subscribes)', figure: `p99 COMMIT ack → handler < ${TARGET_P99_MS} ms`, ours: p99 < TARGET_P99_MS ? 'met' : 'MISSED', 'bare pg': '' },
    ])
    if (ours.got.received !== total) throw new Error(`[bench] cross-process: B received ${ours.got.received} of ${total} message signals`)
    if (ours.got.gaps !== 0) throw new Error(`[bench] cross-process: B saw ${ours.got.gaps} gaps in the journal positions`)
  } finally {
    const admin = new pg.Client({ connectionString: PG_URL })
    await admin.connect()
    await admin.query(`drop schema if exists "${schema}" cascade`)
    await admin.end()
  }
}
