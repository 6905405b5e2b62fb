// gateway-ingest: signed adapter-webhook events over HTTP on 127.0.0.1 into the gateway (POST
// /webhooks/:bridgeId → routeWebhookRequest → store-sqlite in a temporary folder; 200 only after the
// commit), loaded by autocannon with 64 connections, against a bare hono + @hono/node-server server that
// only reads and JSON-parses the same bodies, with the same autocannon settings in the same run. Two
// placements: each server in a child process, so autocannon (this process) has a core of its own (the
// headline on a 2-core machine), and each server in this process, sharing the event loop with autocannon.
// Every request is a distinct message signed before the case starts; afterwards every 2xx's message is
// looked up through the messaging API, and any shortfall, non-2xx, error or timeout fails the suite.
// JIDO_BENCH_CPU_PROF=<dir> runs both child servers with `node --cpu-prof` into that folder.
import { signWebhookBody } from '@jido-messaging/adapter-webhook'
import { createMessaging, type Messaging } from '@jido-messaging/core'
import { parseConfigText, startGateway } from '@jido-messaging/gateway'
import { createSqliteStore } from '@jido-messaging/store-sqlite'
import { createAdaptorServer } from '@hono/node-server'
import autocannon from 'autocannon'
import { Hono } from 'hono'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { printTable } from './harness.js'

const CONNECTIONS = 64
const WARMUP_SECONDS = 2
const SECONDS = 10
/** Signed requests made before each case. A gateway case that needs more fails; bare cases reuse them. */
const POOL = 200_000
const SECRET = 'bench-secret'
const BRIDGE = 'bench'
const ROOM = 'room-1'
const THIS_FILE = fileURLToPath(import.meta.url)
const BENCH_DIR = join(dirname(THIS_FILE), '..')
const GATEWAY_CLI = join(BENCH_DIR, '..', 'apps', 'gateway', 'dist', 'cli.js')

const gatewayYaml = () => `instanceId: bench
logLevel: warn
listen: { host: 127.0.0.1, port: 0 }
store: { kind: sqlite, filename: data/gateway.db }
console: { enabled: false }
bridges:
  - { id: ${BRIDGE}, adapter: webhook, credentials: { secret: ${SECRET} } }
`

/** The baseline: the same framework and route, reading and JSON-parsing the body, nothing else. */
function bareApp(): Hono {
  const app = new Hono()
  app.post('/webhooks/:bridgeId', async (c) => {
    const body = JSON.parse(Buffer.from(await c.req.arrayBuffer()).toString('utf8')) as { id?: unknown }
    if (typeof body.id !== 'string') return c.json({ error: { code: 'VALIDATION', message: 'no id' } }, 400)
    return c.json({ ok: true })
  })
  return app
}

async function listen(app: Hono): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createAdaptorServer({ fetch: app.fetch }) as Server
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }) }
}

interface Signed { body: Buffer; headers: Record<string, string> }

/** `n` distinct signed webhook requests with ids `<prefix>-<i>` (signed now: the verifier allows 300 s of skew). */
function signedPool(prefix: string, n: number): Signed[] {
  const ts = Math.floor(Date.now() / 1000)
  const pool = new Array<Signed>(n)
  for (let i = 0; i < n; i++) {
    const raw = JSON.stringify({ id: `${prefix}-${i}`, room: ROOM, user: `user-${i % 50}`, text: `event ${i}` })
    pool[i] = { body: Buffer.from(raw, 'utf8'), headers: { 'content-type': 'application/json', ...signWebhookBody(SECRET, raw, ts) } }
  }
  return pool
}

/** CPU seconds (user + system) a process has used so far, from /proc; undefined where that is not readable. */
function cpuSecondsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined
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

interface Window { rps: number; p50: number; p99: number; ok: number; serverCpu: number | undefined; loadCpu: number | undefined }

/**
 * Drives `url` with autocannon, taking requests from `pool` in order (one shared counter for all
 * connections, so each request is sent once). Keeps the index of every request answered 2xx.
 */
function driver(url: string, pool: Signed[], what: string) {
  let next = 0
  const acked: number[] = []
  const failures: string[] = []
  const request = {
    method: 'POST' as const,
    path: `/webhooks/${BRIDGE}`,
    setupRequest: (req: autocannon.Request, context: { i?: number }) => {
      const i = next++
      context.i = i
      const s = pool[i % pool.length]!
      return { ...req, body: s.body, headers: s.headers }
    },
    onResponse: (status: number, body: string, context: { i?: number }) => {
      if (status >= 200 && status < 300) acked.push(context.i!)
      else if (failures.length < 3) failures.push(`${status} ${String(body).slice(0, 300)}`)
    },
  }
  /** One autocannon run of `seconds`; `serverPid` is the process whose CPU time is reported. */
  async function run(seconds: number, serverPid: number | undefined): Promise<Window> {
    const latencies: number[] = []
    const cpu0 = [cpuSecondsOf(serverPid), cpuSecondsOf(process.pid)] as const
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon({ url, connections: CONNECTIONS, duration: seconds, requests: [request as autocannon.Request] },
        (error, r) => (error ? reject(error) : resolve(r)))
      // autocannon's own percentiles are whole milliseconds; these are not
      instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => { if (status >= 200 && status < 300) latencies.push(ms) })
    })
    const cpu1 = [cpuSecondsOf(serverPid), cpuSecondsOf(process.pid)] as const
    const failed = result.non2xx + result.errors + result.timeouts
    if (failed > 0) {
      throw new Error(`[bench gateway-ingest] ${what}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts of ${result['2xx'] + failed} (${failures.join(' | ') || 'no response body'})`)
    }
    latencies.sort((a, b) => a - b)
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0
    const share = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : (b - a) / result.duration)
    return { rps: result['2xx'] / result.duration, p50: pct(50), p99: pct(99), ok: result['2xx'], serverCpu: share(cpu0[0], cpu1[0]), loadCpu: share(cpu0[1], cpu1[1]) }
  }
  return { run, acked, sent: () => next, wrapped: () => Math.max(0, next - pool.length) }
}

interface CaseResult { window: Window; acked: number; stored?: number }

/** Warm-up, then the measured window, against a server already listening at `url`. */
async function drive(url: string, pool: Signed[], what: string, serverPid: number | undefined) {
  const d = driver(url, pool, what)
  await d.run(WARMUP_SECONDS, serverPid)
  const window = await d.run(SECONDS, serverPid)
  return { d, window }
}

/**
 * Every acknowledged message must be in the room, found by paging `listMessages`; no more than were
 * sent may be. Returns the number stored.
 */
async function checkStored(messaging: Messaging, prefix: string, acked: number[], sent: number, what: string): Promise<number> {
  const room = await messaging.getRoomByExternalBinding('webhook', BRIDGE, ROOM)
  const stored = new Set<string>()
  let before: string | undefined
  while (room) {
    const page = await messaging.listMessages(room.id, { limit: 1000, ...(before === undefined ? {} : { before }) })
    for (const m of page.messages) if (m.externalId !== undefined) stored.add(m.externalId)
    if (!page.hasMoreBefore || page.messages.length === 0) break
    before = page.messages[0]!.id
  }
  const missing = acked.filter((i) => !stored.has(`${prefix}-${i}`))
  if (missing.length > 0) {
    throw new Error(`[bench gateway-ingest] ${what}: ${missing.length} of ${acked.length} acknowledged messages are not stored (first: ${prefix}-${missing[0]})`)
  }
  if (stored.size > sent) throw new Error(`[bench gateway-ingest] ${what}: ${stored.size} messages stored for ${sent} sent`)
  return stored.size
}

/** Spawns a server process and waits for its "listening on <url>" line. */
async function spawnServer(args: string[], env: NodeJS.ProcessEnv): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> {
  const profDir = process.env['JIDO_BENCH_CPU_PROF']
  const nodeArgs = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, ...args] : args
  const child = spawn(process.execPath, nodeArgs, { cwd: BENCH_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`[bench gateway-ingest] ${args.join(' ')} did not start in 60 s:\n${output}`)), 60_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8')
      const m = /listening on (http:\/\/\S+)/.exec(output)
      if (m) {
        clearTimeout(timer)
        resolve(m[1]!)
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`[bench gateway-ingest] ${args.join(' ')} exited with ${code} before listening:\n${output}`))
    })
  })
  const stop = async () => {
    if (child.exitCode !== null) throw new Error(`[bench gateway-ingest] ${args.join(' ')} exited early with ${child.exitCode}:\n${output}`)
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    const code = await exited
    clearTimeout(killer)
    if (code !== 0) throw new Error(`[bench gateway-ingest] ${args.join(' ')} stopped with exit code ${code}:\n${output.slice(-2000)}`)
  }
  return { url, child, stop }
}

async function bareInChild(): Promise<CaseResult> {
  const pool = signedPool('bare-child', POOL)
  const server = await spawnServer(['--import', 'tsx', THIS_FILE, '--bare-server'], process.env)
  try {
    const { d, window } = await drive(server.url, pool, 'bare server, child process', server.child.pid)
    return { window, acked: d.acked.length }
  } finally {
    await server.stop()
  }
}

async function gatewayInChild(dir: string): Promise<CaseResult> {
  if (!existsSync(GATEWAY_CLI)) throw new Error(`[bench gateway-ingest] ${GATEWAY_CLI} is missing: build the gateway first`)
  const configFile = join(dir, 'gateway.yaml')
  writeFileSync(configFile, gatewayYaml())
  const prefix = 'gw-child'
  const pool = signedPool(prefix, POOL)
  const server = await spawnServer([GATEWAY_CLI, 'start', '--config', configFile], process.env)
  let run: Awaited<ReturnType<typeof drive>>
  try {
    run = await drive(server.url, pool, 'gateway, child process', server.child.pid)
  } finally {
    await server.stop()
  }
  const { d, window } = run
  if (d.wrapped() > 0) throw new Error(`[bench gateway-ingest] gateway, child process: needed more than ${POOL} signed requests; raise POOL`)
  // the gateway has stopped; its store is read back through a messaging instance of our own
  const messaging = createMessaging({ store: createSqliteStore({ filename: join(dir, 'data', 'gateway.db') }), instanceId: 'bench-check' })
  await messaging.start()
  try {
    const stored = await checkStored(messaging, prefix, d.acked, d.sent(), 'gateway, child process')
    return { window, acked: d.acked.length, stored }
  } finally {
    await messaging.stop()
  }
}

async function bareInProcess(): Promise<CaseResult> {
  const pool = signedPool('bare-here', POOL)
  const server = await listen(bareApp())
  try {
    const { d, window } = await drive(server.url, pool, 'bare server, this process', undefined)
    return { window, acked: d.acked.length }
  } finally {
    await server.close()
  }
}

async function gatewayInProcess(dir: string): Promise<CaseResult> {
  const prefix = 'gw-here'
  const pool = signedPool(prefix, POOL)
  const loaded = parseConfigText(gatewayYaml(), { file: join(dir, 'gateway.yaml'), baseDir: dir, env: process.env })
  const gateway = await startGateway({ config: loaded, env: process.env, listen: { host: '127.0.0.1', port: 0 }, logDestination: { write: () => {} } })
  try {
    const { d, window } = await drive(gateway.url, pool, 'gateway, this process', undefined)
    if (d.wrapped() > 0) throw new Error(`[bench gateway-ingest] gateway, this process: needed more than ${POOL} signed requests; raise POOL`)
    const stored = await checkStored(gateway.messaging, prefix, d.acked, d.sent(), 'gateway, this process')
    return { window, acked: d.acked.length, stored }
  } finally {
    await gateway.stop()
  }
}

export async function run(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'jido-bench-gateway-ingest-'))
  const gc = (globalThis as { gc?: () => void }).gc
  try {
    // Bare first, then the gateway, in each placement; a fresh pool (and gateway folder) per case.
    gc?.()
    const bareChild = await bareInChild()
    gc?.()
    const gwChild = await gatewayInChild(mkdtempSync(join(root, 'child-')))
    gc?.()
    const bareHere = await bareInProcess()
    gc?.()
    const gwHere = await gatewayInProcess(mkdtempSync(join(root, 'here-')))
    const pctCpu = (s: number | undefined) => (s === undefined ? '' : `${Math.round(s * 100)} %`)
    // CPU per request holds up better than req/s on a shared machine (where a process may get less than a core)
    const usPerRequest = (w: Window, share: number | undefined) => (share === undefined ? undefined : (share / w.rps) * 1e6)
    const row = (name: string, server: string, r: CaseResult, bare: CaseResult | undefined) => ({
      case: name,
      server,
      'req/s': Math.round(r.window.rps),
      'p50 ms': r.window.p50,
      'p99 ms': r.window.p99,
      'ratio vs bare': bare ? `${(r.window.rps / bare.window.rps).toFixed(2)}x` : '1',
      'server CPU': pctCpu(r.window.serverCpu),
      'autocannon process CPU': pctCpu(r.window.loadCpu),
      'CPU µs/req': Math.round(usPerRequest(r.window, r.window.serverCpu ?? r.window.loadCpu) ?? 0),
      '2xx (measured)': r.window.ok,
      '2xx / stored (all)': r.stored === undefined ? `${r.acked} / -` : `${r.acked} / ${r.stored}`,
    })
    printTable(`gateway webhook ingest over HTTP on 127.0.0.1: autocannon, ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up then ${SECONDS} s measured, every request a distinct signed adapter-webhook message (signed before the case); gateway = POST /webhooks/${BRIDGE} → routeWebhookRequest → store-sqlite in a temp folder, 200 after the commit, logLevel warn; bare = hono + @hono/node-server reading and JSON-parsing the same bodies; every 2xx's message found by paging listMessages after the run (2xx and stored count the warm-up too); CPU is the share of one core during the measured window, CPU µs/req the server process's CPU per 2xx (in this process: autocannon's and the server's together)`, [
      row('bare hono server', 'child process', bareChild, undefined),
      row('gateway (headline)', 'child process', gwChild, bareChild),
      row('bare hono server', 'this process (shares autocannon\'s event loop)', bareHere, undefined),
      row('gateway', 'this process (shares autocannon\'s event loop)', gwHere, bareHere),
    ])
    const headline = gwChild.window.rps / bareChild.window.rps
    console.log(`headline (separate processes): gateway ${Math.round(gwChild.window.rps)} req/s vs bare ${Math.round(bareChild.window.rps)} req/s = ${headline.toFixed(2)}x (target >= 0.40: ${headline >= 0.4 ? 'met' : 'NOT met'})`)
    const bareUs = usPerRequest(bareChild.window, bareChild.window.serverCpu)
    const gwUs = usPerRequest(gwChild.window, gwChild.window.serverCpu)
    if (bareUs !== undefined && gwUs !== undefined) {
      console.log(`server CPU per request (separate processes): gateway ${Math.round(gwUs)} µs vs bare ${Math.round(bareUs)} µs = ${(bareUs / gwUs).toFixed(2)}x (the req/s ratio if each server were bound by its own CPU on a core of its own)`)
    }
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

// `node --import tsx gateway-ingest.ts --bare-server`: the bare baseline as a process of its own.
if (process.argv[1] === THIS_FILE && process.argv.includes('--bare-server')) {
  const server = await listen(bareApp())
  console.log(`bare server listening on ${server.url}`)
  process.once('SIGTERM', () => void server.close().then(() => process.exit(0)))
}
