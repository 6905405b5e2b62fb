// scale-out: signed adapter-webhook ingest over HTTP into 1, 2 and 3 gateway processes
// (`apps/gateway/dist/cli.js start`) on one Postgres database, a fresh schema per case (dropped after).
// The first process migrates the schema and applies the config; the others start once it listens and
// apply the same config (idempotent). Load: one autocannon instance per gateway process, all in this
// process and run concurrently, 64 connections split between them, each sending its own pool of distinct
// messages signed before the case; a warm-up, then the measured window. CPU of each gateway process, of
// the Postgres backends serving them (found by their application_name) and of this process is read from
// /proc over the window. After the gateways stop, the schema's messages table is counted directly: every
// 2xx's message must be there, once. Database: JIDO_BENCH_PG_URL (default: the local test database).
// JIDO_BENCH_SCALE_PROCESSES=3 (or 1,3) runs only those cases (without 1, ratios are to the first case);
// JIDO_BENCH_CPU_PROF=<dir> runs every gateway process with `node --cpu-prof` into that folder.
import { signWebhookBody } from '@jido-messaging/adapter-webhook'
import autocannon from 'autocannon'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { printTable } from './harness.js'

const PG_URL = process.env['JIDO_BENCH_PG_URL'] ?? process.env['JIDO_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'
const PROCESS_COUNTS = (process.env['JIDO_BENCH_SCALE_PROCESSES'] ?? '1,2,3').split(',').map(Number)
const CONNECTIONS = 64
const WARMUP_SECONDS = 2
const SECONDS = 10
/** Signed requests per gateway process, made before each case; a case that needs more fails. */
const POOL = 100_000
const POOL_SIZE = 8
/** The target: req/s per gateway CPU core with 3 processes, relative to 1 process. */
const TARGET_PER_CORE = 0.7
const SECRET = 'bench-secret'
const BRIDGE = 'bench'
const ROOM_ID = 'scale-room'
const EXTERNAL_ROOM = 'room-1'
const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..')
const GATEWAY_CLI = join(BENCH_DIR, '..', 'apps', 'gateway', 'dist', 'cli.js')
const fail = (message: string): never => { throw new Error(`[bench scale-out] ${message}`) }

function gatewayYaml(schema: string, applicationName: string): string {
  const url = new URL(PG_URL)
  url.searchParams.set('application_name', applicationName)
  return `instanceId: bench
logLevel: warn
store: { kind: postgres, connectionString: "${url.toString()}", schema: ${schema}, poolSize: ${POOL_SIZE} }
console: { enabled: false }
bridges:
  - { id: ${BRIDGE}, adapter: webhook, credentials: { secret: ${SECRET} } }
rooms:
  - id: ${ROOM_ID}
    name: Scale-out
    bindings: [{ bridge: ${BRIDGE}, externalRoomId: ${EXTERNAL_ROOM}, direction: inbound }]
`
}

interface Signed { body: Buffer; headers: Record<string, string> }

/** `n` distinct signed webhook requests with ids `<prefix>-<i>` (signed now: the verifier allows 300 s of skew). */
function signedPool(prefix: string, n: number): Signed[] {
  const ts = Math.floor(Date.now() / 1000)
  const pool = new Array<Signed>(n)
  for (let i = 0; i < n; i++) {
    const raw = JSON.stringify({ id: `${prefix}-${i}`, room: EXTERNAL_ROOM, user: `user-${i % 50}`, text: `event ${i}` })
    pool[i] = { body: Buffer.from(raw, 'utf8'), headers: { 'content-type': 'application/json', ...signWebhookBody(SECRET, raw, ts) } }
  }
  return pool
}

/** CPU seconds (user + system) a process has used so far, from /proc; undefined once it is gone. */
function cpuSecondsOf(pid: number): number | undefined {
  if (pid === process.pid) {
    const u = process.cpuUsage()
    return (u.user + u.system) / 1e6
  }
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100 // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined
  }
}

/** CPU seconds of every process named `postgres` on the machine (other users' backends included). */
function allPostgresCpu(): number {
  let total = 0
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') total += cpuSecondsOf(Number(entry)) ?? 0
    } catch { /* exited meanwhile */ }
  }
  return total
}

/** Backend pid → CPU seconds, for the backends whose application_name starts with `prefix`. */
async function backendCpu(admin: pg.Client, prefix: string): Promise<Map<number, number>> {
  const { rows } = await admin.query<{ pid: number }>('select pid from pg_stat_activity where application_name like $1', [`${prefix}%`])
  return new Map(rows.flatMap((r) => { const s = cpuSecondsOf(r.pid); return s === undefined ? [] : [[r.pid, s] as [number, number]] }))
}

/**
 * Samples what the gateways' Postgres backends are doing every 100 ms; `stop()` gives the average number
 * of backends in each state. The head-row lock that orders journaled commits shows as `lock`; a backend
 * inside a transaction waiting for its gateway's next statement as `in tx, awaiting gateway`.
 */
function sampleBackends(admin: pg.Client, prefix: string) {
  const counts = new Map<string, number>()
  let samples = 0
  let busy: Promise<unknown> = Promise.resolve()
  const timer = setInterval(() => {
    busy = busy.then(async () => {
      const { rows } = await admin.query<{ state: string | null; wait_event_type: string | null; wait_event: string | null }>(
        'select state, wait_event_type, wait_event from pg_stat_activity where application_name like $1', [`${prefix}%`])
      samples++
      for (const r of rows) {
        const what = r.state === 'idle' ? 'idle'
          : r.state === 'idle in transaction' ? 'in tx, awaiting gateway'
          : r.wait_event_type === null ? 'running'
          : r.wait_event_type === 'Lock' ? 'lock'
          : r.wait_event_type === 'Client' ? 'sending to gateway'
          : `${r.wait_event_type}:${r.wait_event}`
        counts.set(what, (counts.get(what) ?? 0) + 1)
      }
    }).catch(() => undefined)
  }, 100)
  return async () => {
    clearInterval(timer)
    await busy
    return [...counts].sort((a, b) => b[1] - a[1]).map(([what, n]) => `${what} ${(n / Math.max(1, samples)).toFixed(1)}`).join(', ')
  }
}

/**
 * The gateway's event-loop delay (ms) since the previous scrape of its /metrics (prom-client's
 * monitorEventLoopDelay histogram, reset by each scrape), less its 10 ms sampling interval: how long a
 * ready pg reply or request waits for the loop.
 */
async function eventLoopDelay(url: string): Promise<{ mean: number; p99: number }> {
  const text = await (await fetch(`${url}/metrics`)).text()
  // the histogram records each 10 ms sampling timer's whole interval (an idle loop reads about 10 ms)
  const value = (name: string) => -10 + 1000 * Number(new RegExp(`^jido_gateway_nodejs_eventloop_lag_${name}_seconds (\\S+)$`, 'm').exec(text)?.[1] ?? NaN)
  return { mean: value('mean'), p99: value('p99') }
}

interface Gateway { url: string; child: ChildProcess; stop: () => Promise<void> }

/** Starts one gateway process and waits for its "listening on <url>" line. */
async function startGateway(configFile: string, instanceId: string): Promise<Gateway> {
  const profDir = process.env['JIDO_BENCH_CPU_PROF']
  const args = [...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), GATEWAY_CLI, 'start', '--config', configFile, '--port', '0', '--instance-id', instanceId]
  const child = spawn(process.execPath, args, { cwd: BENCH_DIR, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`[bench scale-out] ${instanceId} did not start in 60 s:\n${output}`)), 60_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8')
      const m = /listening on (http:\/\/\S+)/.exec(output)
      if (m) { clearTimeout(timer); resolve(m[1]!) }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`[bench scale-out] ${instanceId} exited with ${code} before listening:\n${output}`)) })
  })
  const stop = async () => {
    if (child.exitCode !== null) fail(`${instanceId} exited early with ${child.exitCode}:\n${output.slice(-2000)}`)
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    const code = await exited
    clearTimeout(killer)
    if (code !== 0) fail(`${instanceId} stopped with exit code ${code}:\n${output.slice(-2000)}`)
  }
  return { url, child, stop }
}

/** One autocannon load on one gateway, sending its pool in order; keeps the ids answered 2xx. */
function loader(url: string, prefix: string, connections: number) {
  const pool = signedPool(prefix, POOL)
  let next = 0
  const acked: string[] = []
  const failures: string[] = []
  const request = {
    method: 'POST' as const,
    path: `/webhooks/${BRIDGE}`,
    setupRequest: (req: autocannon.Request, context: { i?: number }) => {
      const i = next++
      context.i = i
      const s = pool[i % pool.length]! // a wrap is reported after the run (a throw here would escape autocannon)
      return { ...req, body: s.body, headers: s.headers }
    },
    onResponse: (status: number, body: string, context: { i?: number }) => {
      if (status >= 200 && status < 300) acked.push(`${prefix}-${context.i!}`)
      else if (failures.length < 3) failures.push(`${status} ${String(body).slice(0, 300)}`)
    },
  }
  async function run(seconds: number, latencies: number[]): Promise<number> {
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon({ url, connections, duration: seconds, requests: [request as autocannon.Request] },
        (error, r) => (error ? reject(error) : resolve(r)))
      // autocannon's own percentiles are whole milliseconds; these are not
      instance.on('response', (_c: unknown, status: number, _b: number, ms: number) => { if (status >= 200 && status < 300) latencies.push(ms) })
    })
    if (next > pool.length) fail(`${prefix} needed more than ${POOL} signed requests; raise POOL`)
    const failed = result.non2xx + result.errors + result.timeouts
    if (failed > 0) fail(`${prefix}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts of ${result['2xx'] + failed} (${failures.join(' | ') || 'no response body'})`)
    return result['2xx'] / result.duration
  }
  return { run, acked, sent: () => next }
}

interface CaseResult {
  processes: number
  rps: number
  p50: number
  p99: number
  /** CPU of each gateway process over the window, as a fraction of one core. */
  gatewayCpu: number[]
  backendsCpu: number
  allPostgresCpu: number
  loadCpu: number
  acked: number
  stored: number
  /** Average number of the gateways' backends in each state over the window. */
  backendStates: string
  /** Each gateway's event-loop delay over the window. */
  loopDelay: Array<{ mean: number; p99: number }>
  /** Journaled commits (updates of the journal head row) over the whole case, warm-up included. */
  journalCommits: number
}

/** Every acknowledged message stored once, nothing stored that was not sent, all in the bound room. */
async function checkStored(admin: pg.Client, schema: string, acked: string[], sent: number): Promise<number> {
  const { rows: [counts] } = await admin.query<{ n: string; distinct_ids: string; in_room: string }>(
    `select count(*) as n, count(distinct external_id) as distinct_ids, count(*) filter (where room_id = $1) as in_room from "${schema}".messages`, [ROOM_ID])
  const n = Number(counts!.n)
  if (Number(counts!.distinct_ids) !== n) fail(`${schema}: ${n} messages stored for ${counts!.distinct_ids} distinct external ids (doubles)`)
  if (Number(counts!.in_room) !== n) fail(`${schema}: ${n - Number(counts!.in_room)} messages outside room ${ROOM_ID}`)
  if (n > sent) fail(`${schema}: ${n} messages stored for ${sent} sent`)
  const { rows } = await admin.query<{ external_id: string }>(`select external_id from "${schema}".messages`)
  const stored = new Set(rows.map((r) => r.external_id))
  const missing = acked.filter((id) => !stored.has(id))
  if (missing.length > 0) fail(`${schema}: ${missing.length} of ${acked.length} acknowledged messages are not stored (first: ${missing[0]})`)
  return n
}

async function runCase(admin: pg.Client, root: string, processes: number): Promise<CaseResult> {
  const schema = `jm_bench_scale_${process.pid}_${processes}`
  const dir = mkdtempSync(join(root, `p${processes}-`))
  const gateways: Gateway[] = []
  try {
    for (let n = 1; n <= processes; n++) {
      const configFile = join(dir, `gw-${n}.yaml`)
      writeFileSync(configFile, gatewayYaml(schema, `${schema}_gw${n}`))
      gateways.push(await startGateway(configFile, `gw-${n}`)) // the first migrates and applies before the others start
    }
    const loads = gateways.map((g, k) => loader(g.url, `${schema}-gw${k + 1}`,
      Math.floor(CONNECTIONS / processes) + (k < CONNECTIONS % processes ? 1 : 0)))
    ;(globalThis as { gc?: () => void }).gc?.()
    await Promise.all(loads.map((l) => l.run(WARMUP_SECONDS, [])))

    const pids = gateways.map((g) => g.child.pid!)
    const latencies: number[] = []
    const before = { gw: pids.map(cpuSecondsOf), pg: await backendCpu(admin, schema), all: allPostgresCpu(), load: cpuSecondsOf(process.pid)! }
    await Promise.all(gateways.map((g) => eventLoopDelay(g.url))) // resets the histograms
    const sampling = sampleBackends(admin, schema)
    const t0 = performance.now()
    const rates = await Promise.all(loads.map((l) => l.run(SECONDS, latencies)))
    const wall = (performance.now() - t0) / 1000
    const backendStates = await sampling()
    const loopDelay = await Promise.all(gateways.map((g) => eventLoopDelay(g.url)))
    const after = { gw: pids.map(cpuSecondsOf), pg: await backendCpu(admin, schema), all: allPostgresCpu(), load: cpuSecondsOf(process.pid)! }
    // a backend first seen at the end started within the window: all of its CPU is the window's
    const backends = [...after.pg].reduce((sum, [pid, s]) => sum + s - (before.pg.get(pid) ?? 0), 0)

    while (gateways.length > 0) await gateways.pop()!.stop()
    latencies.sort((a, b) => a - b)
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0
    const acked = loads.flatMap((l) => l.acked)
    const stored = await checkStored(admin, schema, acked, loads.reduce((s, l) => s + l.sent(), 0))
    // the gateways' backends have exited, which flushes their table statistics
    const { rows: [head] } = await admin.query<{ n: string }>(
      `select n_tup_upd as n from pg_stat_user_tables where schemaname = $1 and relname = 'journal_head'`, [schema])
    return {
      processes,
      rps: rates.reduce((a, b) => a + b, 0),
      p50: pct(50),
      p99: pct(99),
      gatewayCpu: pids.map((_, k) => ((after.gw[k] ?? NaN) - (before.gw[k] ?? NaN)) / wall),
      backendsCpu: backends / wall,
      allPostgresCpu: (after.all - before.all) / wall,
      loadCpu: (after.load - before.load) / wall,
      acked: acked.length,
      stored,
      backendStates,
      loopDelay,
      journalCommits: Number(head?.n ?? NaN),
    }
  } finally {
    await Promise.allSettled(gateways.map((g) => g.stop()))
    await admin.query(`drop schema if exists "${schema}" cascade`)
  }
}

export async function run(): Promise<void> {
  if (!existsSync(GATEWAY_CLI)) fail(`${GATEWAY_CLI} is missing: build the gateway first`)
  const admin = new pg.Client({ connectionString: PG_URL })
  await admin.connect()
  const root = mkdtempSync(join(tmpdir(), 'jido-bench-scale-out-'))
  const results: CaseResult[] = []
  try {
    for (const n of PROCESS_COUNTS) results.push(await runCase(admin, root, n))
  } finally {
    rmSync(root, { recursive: true, force: true })
    await admin.end()
  }
  const cores = availableParallelism()
  const pctCpu = (f: number) => `${Math.round(f * 100)} %`
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
  const perCore = (r: CaseResult) => r.rps / sum(r.gatewayCpu)
  const perCoreWithPg = (r: CaseResult) => r.rps / (sum(r.gatewayCpu) + r.backendsCpu)
  const one = results.find((r) => r.processes === 1) ?? results[0]!
  printTable(`scale-out: signed webhook ingest into N gateway processes on one Postgres schema (${cores} cores on this machine: 3 gateway processes, Postgres and the load generator share them, so this cannot scale linearly); autocannon, ${CONNECTIONS} connections split across the processes, ${WARMUP_SECONDS} s warm-up then ${SECONDS} s measured; CPU is the share of one core over the measured window; per core = req/s / gateway CPU`, results.map((r) => ({
    processes: r.processes,
    'req/s': Math.round(r.rps),
    'vs 1 process': `${(r.rps / one.rps).toFixed(2)}x`,
    'p50 ms': r.p50,
    'p99 ms': r.p99,
    'CPU per gateway': r.gatewayCpu.map(pctCpu).join(' / '),
    'gateways CPU': pctCpu(sum(r.gatewayCpu)),
    'req/s per gateway core': Math.round(perCore(r)),
    'per core vs 1 process': `${(perCore(r) / perCore(one)).toFixed(2)}x`,
    'pg backends CPU': pctCpu(r.backendsCpu),
    'req/s per core (gateways + pg backends)': Math.round(perCoreWithPg(r)),
    'all postgres CPU': pctCpu(r.allPostgresCpu),
    'autocannon CPU': pctCpu(r.loadCpu),
    '2xx / stored (all)': `${r.acked} / ${r.stored}`,
  })))
  printTable('where the Postgres side waits: the gateways\' backends by state (average count over the measured window, sampled every 100 ms from pg_stat_activity), and messages per journaled commit (stored messages / updates of the journal head row, whose lock orders every journaled commit across processes; whole case)', results.map((r) => ({
    processes: r.processes,
    'backends by state': r.backendStates,
    'gateway event-loop delay mean / p99 ms': r.loopDelay.map((d) => `${d.mean.toFixed(1)} / ${d.p99.toFixed(1)}`).join(', '),
    'journaled commits': r.journalCommits,
    'messages per commit': (r.stored / r.journalCommits).toFixed(1),
  })))
  const three = results.find((r) => r.processes === 3)
  if (three) {
    const ratio = perCore(three) / perCore(one)
    console.log(`req/s per gateway CPU core, 3 processes vs 1: ${ratio.toFixed(2)}x (target >= ${TARGET_PER_CORE}: ${ratio >= TARGET_PER_CORE ? 'met' : 'NOT met'}); ` +
      `total req/s 3 vs 1: ${(three.rps / one.rps).toFixed(2)}x on ${cores} cores`)
  }
  console.log('every 2xx message stored exactly once in each case (counted in the schema\'s messages table); "all postgres CPU" includes the checkpointer, WAL writer and any other client\'s backends')
}
