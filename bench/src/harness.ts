// Minimal benchmark helpers: every benchmark measures our code and raw baselines in the same run (see
// BENCHMARKS.md for what each baseline does and does not do), and prints a plain table with the ratios.
import { createMessaging, type MessagingStore } from '@jido-messaging/core'
import { performance } from 'node:perf_hooks'

export interface Row {
  [column: string]: string | number
}

/** Prints rows as a plain aligned table under a title. */
export function printTable(title: string, rows: Row[]): void {
  console.log(`\n## ${title}\n`)
  if (rows.length === 0) return
  const cols = Object.keys(rows[0]!)
  const fmt = (v: string | number) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(2)) : v)
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => fmt(r[c] ?? '').length)))
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`
  console.log(line(cols))
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
  for (const r of rows) console.log(line(cols.map((c) => fmt(r[c] ?? ''))))
}

/** Runs `op` `count` times with `concurrency` callers in flight; returns ops/s and latency percentiles (ms). */
export async function throughput(
  count: number,
  concurrency: number,
  op: (i: number) => Promise<unknown> | unknown,
): Promise<{ opsPerSec: number; p50: number; p99: number; seconds: number }> {
  const latencies = new Float64Array(count)
  let next = 0
  const start = performance.now()
  const worker = async () => {
    while (next < count) {
      const i = next++
      const t0 = performance.now()
      await op(i)
      latencies[i] = performance.now() - t0
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker))
  const seconds = (performance.now() - start) / 1000
  const sorted = Array.from(latencies).sort((a, b) => a - b)
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0
  return { opsPerSec: count / seconds, p50: pct(50), p99: pct(99), seconds }
}

/** Median latency in ms of `runs` sequential calls of `op` (after `warmup` unmeasured calls). */
export async function medianLatency(runs: number, op: (i: number) => Promise<unknown> | unknown, warmup = 20): Promise<number> {
  for (let i = 0; i < warmup; i++) await op(i)
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    await op(i)
    times.push(performance.now() - t0)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)] ?? 0
}

/**
 * `postMessage` throughput through `createMessaging` over `store`, with one catch-all subscriber, into
 * `roomId` (a room is created when none is given; it must be empty). Calls are in-process (no HTTP).
 * Counts the room's stored messages after the run and throws on a shortfall. `commits`, when given,
 * reads a counter of committed transactions: the result then carries the average rows per transaction
 * of the measured window. Stops the instance (and so the store) after.
 */
export async function postMessageRate(store: MessagingStore, count: number, concurrency: number, roomId?: string, commits?: () => number) {
  const messaging = createMessaging({ store, instanceId: 'bench' })
  await messaging.start()
  messaging.subscribe('jido.messaging.**', () => {})
  const room = roomId ?? (await messaging.createRoom({ name: 'bench' })).id
  const commitsBefore = commits?.()
  const r = await throughput(count, concurrency, (i) =>
    messaging.postMessage({ roomId: room, senderId: 'user_1', role: 'user', content: [{ type: 'text', text: `message ${i}` }] }))
  const committed = commits === undefined ? undefined : commits() - commitsBefore!
  const stored = await store.countMessages(room)
  await messaging.stop()
  if (stored !== count) throw new Error(`[bench] ${stored} messages stored for ${count} posted`)
  return { ...r, stored, rowsPerCommit: committed ? count / committed : undefined }
}

/** Checks that a baseline stored what it claims to have written. */
export function expectStored(what: string, stored: number, expected: number): void {
  if (stored !== expected) throw new Error(`[bench] ${what}: ${stored} rows stored for ${expected} written`)
}
