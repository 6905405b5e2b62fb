// gateway-sse: Server-Sent Events fan-out. 100 clients stream GET /v1/signals from a gateway on
// store-sqlite (temporary folder) while messages are posted at 2,000/s for 10 s (after 1 s of warm-up
// at the same rate) through the messaging API in-process (messaging.postMessage, no HTTP). The clients
// are plain node:http requests parsing the stream in a worker thread (the other core); each must get
// every committed signal, in order, once: any shortfall fails the suite. Latency is commit-to-client:
// from the moment core hands a commit to its first in-process subscriber to the moment a client's socket
// delivered the frame (performance.timeOrigin + now(), comparable across threads). Baselines in the same run, fed
// pre-serialized frames of the same size appended to an in-memory log at the same rate, to the same 100
// clients: bare node:http writing each client's unsent frames as one res.write (waiting for 'drain'),
// the floor of the transport; and hono + @hono/node-server streamSSE with one awaited write per event,
// the framework's usual way.
import { mkdtempSync, rmSync } from 'node:fs'
import type { Server } from 'node:http'
import { request, type ClientRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads'
import { printTable, type Row } from './harness.js'

const CLIENTS = 100
const RATE = 2000
const SECONDS = 10
const WARMUP_SECONDS = 1
/** Posts in flight at most; past it the pacer waits (and the achieved rate shows it). */
const MAX_IN_FLIGHT = 1000
const READ_KEY = 'bench-sse-read-key-0123456789abcdef'
const THIS_FILE = fileURLToPath(import.meta.url)

const now = () => performance.timeOrigin + performance.now()

// ---------------------------------------------------------------------------------------------------
// The clients (worker thread): node:http requests, parsed as latin1 (ids and frame ends are ASCII).

interface ClientResult {
  /** The position of the start frame (`retry:` + `id:` without data): events come after it. */
  base: number
  count: number
  /** Events whose id was not above the previous one (duplicates, reordering). */
  errors: number
  positions: Float64Array
  times: Float64Array
}

type ToWorker = { type: 'connect'; url: string; headers: Record<string, string> } | { type: 'status' } | { type: 'finish' }
type FromWorker =
  | { type: 'connected'; bases: number[] }
  | { type: 'status'; lasts: number[]; counts: number[] }
  | { type: 'result'; results: ClientResult[] }
  | { type: 'error'; message: string }

class SseClient {
  base = -1
  last = -1
  count = 0
  errors = 0
  positions = new Float64Array(1 << 15)
  times = new Float64Array(1 << 15)
  private rest = ''
  private req: ClientRequest | undefined

  open(url: string, headers: Record<string, string>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`[bench] ${url}: HTTP ${res.statusCode}`))
        res.on('data', (chunk: Buffer) => {
          this.parse(chunk.toString('latin1'), now())
          if (this.base >= 0) resolve()
        })
        res.on('error', () => undefined)
      })
      this.req.on('error', reject)
      this.req.end()
    })
  }

  private parse(text: string, at: number): void {
    const all = this.rest + text
    let start = 0
    for (let end = all.indexOf('\n\n'); end >= 0; end = all.indexOf('\n\n', start)) {
      const frame = all.slice(start, end)
      start = end + 2
      if (frame.startsWith('id: ')) this.event(Number(frame.slice(4, frame.indexOf('\n'))), at)
      else if (frame.startsWith('retry:')) this.base = this.last = Number(frame.slice(frame.indexOf('\nid: ') + 5))
    }
    this.rest = all.slice(start)
  }

  private event(position: number, at: number): void {
    if (position <= this.last) this.errors++
    this.last = position
    if (this.count === this.positions.length) {
      const grow = (a: Float64Array) => {
        const b = new Float64Array(a.length * 2)
        b.set(a)
        return b
      }
      this.positions = grow(this.positions)
      this.times = grow(this.times)
    }
    this.positions[this.count] = position
    this.times[this.count++] = at
  }

  close(): ClientResult {
    this.req?.destroy()
    return { base: this.base, count: this.count, errors: this.errors, positions: this.positions.slice(0, this.count), times: this.times.slice(0, this.count) }
  }
}

function runClients(): void {
  const port = parentPort!
  let clients: SseClient[] = []
  port.on('message', (msg: ToWorker) => {
    const reply = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer)
    if (msg.type === 'connect') {
      clients = Array.from({ length: CLIENTS }, () => new SseClient())
      Promise.all(clients.map((c) => c.open(msg.url, msg.headers)))
        .then(() => reply({ type: 'connected', bases: clients.map((c) => c.base) }), (e: Error) => reply({ type: 'error', message: e.message }))
    } else if (msg.type === 'status') {
      reply({ type: 'status', lasts: clients.map((c) => c.last), counts: clients.map((c) => c.count) })
    } else {
      const results = clients.map((c) => c.close())
      reply({ type: 'result', results }, results.flatMap((r) => [r.positions.buffer as ArrayBuffer, r.times.buffer as ArrayBuffer]))
      clients = []
    }
  })
}

/** The worker's side, seen from the main thread: one request and its answer at a time. */
class Clients {
  // tsx's loader hooks do not reach worker threads on Node 20: the worker registers them, then loads this file.
  private readonly worker = new Worker(
    `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(pathToFileURL(THIS_FILE).href)}) })`,
    { eval: true, workerData: { role: 'sse-clients' } },
  )

  private ask<T extends FromWorker['type']>(msg: ToWorker, expect: T): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve, reject) => {
      this.worker.once('message', (m: FromWorker) => {
        if (m.type === 'error') reject(new Error(m.message))
        else if (m.type !== expect) reject(new Error(`[bench] the client worker answered ${m.type}, not ${expect}`))
        else resolve(m as Extract<FromWorker, { type: T }>)
      })
      this.worker.postMessage(msg)
    })
  }

  async connect(url: string, headers: Record<string, string> = {}): Promise<number[]> {
    return (await this.ask({ type: 'connect', url, headers }, 'connected')).bases
  }

  /** Waits until every client has seen `position` (or the timeout); resolves the clients' last ids. */
  async waitFor(position: number, timeoutMs = 60_000): Promise<number[]> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const { lasts } = await this.ask({ type: 'status' }, 'status')
      if (lasts.every((l) => l >= position) || Date.now() > deadline) return lasts
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  async finish(): Promise<ClientResult[]> {
    return (await this.ask({ type: 'finish' }, 'result')).results
  }

  terminate(): Promise<number> {
    return this.worker.terminate()
  }
}

// ---------------------------------------------------------------------------------------------------
// The load and the figures (main thread).

/** Calls `op` `rate` times a second for `seconds`, without waiting for one to finish before the next. */
async function paced(rate: number, seconds: number, op: (i: number) => Promise<unknown> | void): Promise<{ seconds: number; failures: number; elu: number }> {
  const total = Math.round(rate * seconds)
  const started = performance.now()
  const elu = performance.eventLoopUtilization()
  let issued = 0
  let inFlight = 0
  let failures = 0
  await new Promise<void>((resolve) => {
    const settle = () => {
      inFlight--
      if (issued === total && inFlight === 0) resolve()
    }
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate))
      while (issued < due && inFlight < MAX_IN_FLIGHT) {
        inFlight++
        const p = op(issued++)
        if (p) p.then(settle, () => { failures++; settle() })
        else settle()
      }
      if (issued < total) setTimeout(tick, 2)
    }
    tick()
  })
  return { seconds: (performance.now() - started) / 1000, failures, elu: performance.eventLoopUtilization(elu).utilization }
}

interface CaseResult {
  postRate: number
  /** Committed signals after the clients' start, each of which every client must get. */
  expected: number
  perClient: number[]
  shortfall: number
  errors: number
  p50: number
  p99: number
  max: number
  /** Event-loop utilization of the server's thread during the measured load. */
  elu?: number
}

/** Checks every client got every position in `committed` (ascending), and the latency of the measured ones. */
function evaluate(results: ClientResult[], committed: Float64Array, commitAt: (p: number) => number, measuredAfter: number, postRate: number): CaseResult {
  const latencies: number[] = []
  let shortfall = 0
  let errors = 0
  for (const r of results) {
    errors += r.errors
    let k = 0
    for (const p of committed) {
      while (k < r.count && r.positions[k]! < p) k++
      if (k >= r.count || r.positions[k] !== p) {
        shortfall++
        continue
      }
      if (p > measuredAfter) latencies.push(r.times[k]! - commitAt(p))
    }
  }
  const sorted = Float64Array.from(latencies).sort()
  const pct = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
  return { postRate, expected: committed.length, perClient: results.map((r) => r.count), shortfall, errors, p50: pct(0.5), p99: pct(0.99), max: sorted.at(-1) ?? 0 }
}

async function gatewayCase(clients: Clients): Promise<CaseResult & { frameBytes: number }> {
  const { parseConfigText, startGateway } = await import('@jido-messaging/gateway')
  const { positionOf, signalJsonText } = await import('@jido-messaging/core')
  const dir = mkdtempSync(join(tmpdir(), 'jido-bench-sse-'))
  const yaml = `instanceId: bench
logLevel: warn
listen: { host: 127.0.0.1, port: 0 }
store: { kind: sqlite, filename: data/gateway.db }
console: { enabled: false }
apiKeys:
  - { id: bench, key: ${READ_KEY}, scope: read }
rooms:
  - { id: bench, name: Bench }
`
  const gw = await startGateway({ config: parseConfigText(yaml, { file: join(dir, 'gateway.yaml'), baseDir: dir }), logDestination: { write: () => undefined } })
  try {
    // When each commit reached this process's subscribers, and which positions were committed. This
    // subscription is made before the clients', so core's feed hands it each commit before theirs.
    const head0 = gw.messaging.signalPosition()
    const commits = new Float64Array(Math.round(RATE * (SECONDS + WARMUP_SECONDS) * 2) + 1000)
    const committed: number[] = []
    let frameBytes = 0
    gw.messaging.subscribe('jido.messaging.**', (signal) => {
      const p = positionOf(signal)!
      commits[p - head0] = now()
      committed.push(p)
      if (frameBytes === 0 && signal.type === 'jido.messaging.room.message_added') frameBytes = Buffer.byteLength(signalJsonText(signal)) + 80
    }, { from: head0 })
    const bases = await clients.connect(`${gw.url}/v1/signals`, { authorization: `Bearer ${READ_KEY}` })
    if (bases.some((b) => b !== head0)) throw new Error(`[bench] clients started at ${[...new Set(bases)].join(', ')}, not ${head0}`)
    const post = (i: number) => gw.messaging.postMessage({ roomId: 'bench', senderId: 'user_1', role: 'user', content: [{ type: 'text', text: `message ${i}: the quick brown fox jumps over the lazy dog` }] })

    await paced(RATE, WARMUP_SECONDS, post)
    const measuredAfter = gw.messaging.signalPosition()
    const load = await paced(RATE, SECONDS, (i) => post(RATE * WARMUP_SECONDS + i))
    if (load.failures > 0) throw new Error(`[bench] ${load.failures} posts failed`)
    const end = (await gw.messaging.journalHead()).position
    await clients.waitFor(end)
    const results = await clients.finish()
    while ((committed.at(-1) ?? head0) < end) await new Promise((r) => setTimeout(r, 10))
    return { ...evaluate(results, Float64Array.from(committed.filter((p) => p <= end)), (p) => commits[p - head0]!, measuredAfter, (RATE * SECONDS) / load.seconds), elu: load.elu, frameBytes }
  } finally {
    await gw.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The baselines' source: pre-serialized frames of a given size appended at the load's pace. */
class FrameLog {
  readonly frames: Buffer[] = []
  readonly commits: number[] = []
  private readonly listeners = new Set<() => void>()
  private scheduled = false
  closed = false

  constructor(private readonly frameBytes: number) {}

  append(): void {
    const p = this.frames.length + 1
    const pad = 'x'.repeat(Math.max(0, this.frameBytes - 80))
    this.frames.push(Buffer.from(`id: ${p}\nevent: jido.messaging.room.message_added\ndata: {"position":${p},"pad":"${pad}"}\n\n`))
    this.commits[p] = now()
    // Listeners are told once per turn of the event loop, as core hands a commit's signals over at once.
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => {
      this.scheduled = false
      for (const l of this.listeners) l()
    })
  }

  /** Calls `listener` after appends (and at close); resolves a function that removes it. */
  listen(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => void this.listeners.delete(listener)
  }

  close(): void {
    this.closed = true
    for (const l of this.listeners) l()
  }
}

interface BareServer {
  url: string
  close: () => Promise<void>
}

async function listenOn(server: Server): Promise<BareServer> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sse`,
    close: async () => {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/** hono + @hono/node-server, streamSSE, one awaited write per event (the framework's way). */
async function honoServer(log: FrameLog): Promise<BareServer> {
  const { Hono } = await import('hono')
  const { streamSSE } = await import('hono/streaming')
  const { createAdaptorServer } = await import('@hono/node-server')
  const app = new Hono()
  app.get('/sse', (c) => streamSSE(c, async (stream) => {
    let i = log.frames.length
    await stream.write(`retry: 2000\nid: ${i}\n\n`)
    while (!log.closed && !stream.aborted) {
      while (i < log.frames.length && !stream.aborted) await stream.write(log.frames[i++]!)
      if (i >= log.frames.length) await new Promise<void>((resolve) => { const off = log.listen(() => { off(); resolve() }) })
    }
  }))
  return listenOn(createAdaptorServer({ fetch: app.fetch }) as Server)
}

/** Bare node:http: each client's unsent frames go out as one res.write, waiting for 'drain' when it says so. */
async function nodeServer(log: FrameLog): Promise<BareServer> {
  const { createServer } = await import('node:http')
  return listenOn(createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    let i = log.frames.length
    let draining = false
    res.write(`retry: 2000\nid: ${i}\n\n`)
    const flush = () => {
      if (draining || i >= log.frames.length) return
      const chunk = Buffer.concat(log.frames.slice(i))
      i = log.frames.length
      if (!res.write(chunk)) {
        draining = true
        res.once('drain', () => {
          draining = false
          flush()
        })
      }
    }
    const off = log.listen(flush)
    res.on('close', off)
  }))
}

/** The same load and checks against a bare server fed by a frame log. */
async function bareCase(clients: Clients, frameBytes: number, serve: (log: FrameLog) => Promise<BareServer>): Promise<CaseResult> {
  const log = new FrameLog(frameBytes)
  const server = await serve(log)
  try {
    await clients.connect(server.url)
    await paced(RATE, WARMUP_SECONDS, () => log.append())
    const measuredAfter = log.frames.length
    const load = await paced(RATE, SECONDS, () => log.append())
    await clients.waitFor(log.frames.length)
    const results = await clients.finish()
    return { ...evaluate(results, Float64Array.from({ length: log.frames.length }, (_, i) => i + 1), (p) => log.commits[p]!, measuredAfter, (RATE * SECONDS) / load.seconds), elu: load.elu }
  } finally {
    log.close()
    await server.close()
  }
}

export async function run(): Promise<void> {
  const clients = new Clients()
  try {
    const gateway = await gatewayCase(clients)
    const node = await bareCase(clients, gateway.frameBytes, nodeServer)
    const hono = await bareCase(clients, gateway.frameBytes, honoServer)
    const row = (name: string, r: CaseResult): Row => ({
      server: name,
      'posts/s': Math.round(r.postRate),
      'signals/client': r.expected,
      'frames received': r.perClient.reduce((a, b) => a + b, 0),
      'min client': Math.min(...r.perClient),
      shortfall: r.shortfall,
      'order errors': r.errors,
      'p50 ms': r.p50,
      'p99 ms': r.p99,
      'max ms': r.max,
      'server loop busy': `${Math.round((r.elu ?? 0) * 100)}%`,
    })
    printTable(`SSE fan-out: ${CLIENTS} clients, ${RATE} posts/s for ${SECONDS} s (after ${WARMUP_SECONDS} s warm-up), posted in-process (messaging.postMessage), store-sqlite; commit-to-client latency of the measured ${SECONDS} s`, [
      row('gateway GET /v1/signals', gateway),
      row('bare node:http, batched writes', node),
      row('bare hono streamSSE, write per event', hono),
    ])
    const perClient: Row[] = []
    for (let i = 0; i < CLIENTS; i += 10) {
      const r: Row = { clients: `${i}-${i + 9}` }
      for (let j = 0; j < 10; j++) r[`+${j}`] = gateway.perClient[i + j] ?? ''
      perClient.push(r)
    }
    printTable(`gateway: signals received per client (expected ${gateway.expected} each)`, perClient)
    for (const [name, r] of [['gateway', gateway], ['bare node:http', node], ['bare hono', hono]] as const) {
      if (r.shortfall > 0 || r.errors > 0) throw new Error(`[bench] ${name}: ${r.shortfall} signals missing and ${r.errors} out of order across ${CLIENTS} clients`)
    }
  } finally {
    await clients.terminate()
  }
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === 'sse-clients') runClients()
