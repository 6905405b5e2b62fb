// Test support for several gateway processes: spawning the CLI (sources through tsx), a signed webhook
// load that retries elsewhere like a platform behind a load balancer, SSE clients that record journal
// positions, and a TCP proxy in front of Postgres that can cut every connection and refuse new ones.
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, connect, type Server, type Socket } from 'node:net'
import { fileURLToPath } from 'node:url'
import { signWebhookBody } from '@jido-messaging/adapter-webhook'

const packageRoot = fileURLToPath(new URL('../..', import.meta.url))

export interface GatewayProcess {
  instanceId: string
  url: string
  child: ChildProcess
  /** Everything it printed. */
  output(): string
  exited: Promise<number | null>
  alive(): boolean
}

export async function spawnGateway(configFile: string, instanceId: string, env: Record<string, string> = {}): Promise<GatewayProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start', '--config', configFile, '--port', '0', '--instance-id', instanceId], {
    cwd: packageRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  let running = true
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    running = false
    resolve(code)
  }))
  const deadline = Date.now() + 90_000
  while (!/listening on (http:\/\/\S+)/.test(out)) {
    if (!running || Date.now() > deadline) throw new Error(`gateway ${instanceId} did not start:\n${out}`)
    await new Promise((r) => setTimeout(r, 50))
  }
  return { instanceId, url: /listening on (http:\/\/\S+)/.exec(out)![1]!, child, output: () => out, exited, alive: () => running }
}

export interface WebhookLoad {
  /** Event ids answered 200 (acknowledged: the platform would not send them again). */
  acked: Set<string>
  /** Answers other than 200 (5xx while the store is away, 503 while stopping), by status. */
  refusals: Map<number, number>
  /** Connection errors (a killed process). */
  errors: number
  stop(): Promise<void>
}

/**
 * Sends distinct signed events round-robin to the live gateways; an event that is not acknowledged is
 * sent again, to the next gateway, until it is (as a platform retries through a load balancer).
 */
export function startWebhookLoad(targets: () => GatewayProcess[], opts: { secret: string; bridgeId: string; room: string; workers?: number; prefix?: string }): WebhookLoad {
  const acked = new Set<string>()
  const refusals = new Map<number, number>()
  let errors = 0
  let stopped = false
  const worker = async (w: number) => {
    let turn = w
    for (let i = 0; !stopped; i++) {
      const id = `${opts.prefix ?? 'e'}-${w}-${i}`
      const body = JSON.stringify({ id, room: opts.room, user: `user-${w}`, text: `load ${id}` })
      for (;;) {
        const live = targets().filter((t) => t.alive())
        if (live.length === 0) throw new Error('no gateway left')
        const target = live[turn++ % live.length]!
        try {
          const res = await fetch(`${target.url}/webhooks/${opts.bridgeId}`, { method: 'POST', headers: { 'content-type': 'application/json', ...signWebhookBody(opts.secret, body) }, body, signal: AbortSignal.timeout(30_000) })
          await res.arrayBuffer()
          if (res.status === 200) {
            acked.add(id)
            break
          }
          refusals.set(res.status, (refusals.get(res.status) ?? 0) + 1)
        } catch {
          errors++
        }
        if (stopped) return // an unacknowledged event at the end is simply not counted
        await new Promise((r) => setTimeout(r, 20))
      }
    }
  }
  const running = Array.from({ length: opts.workers ?? 6 }, (_, w) => worker(w))
  return {
    acked,
    refusals,
    get errors() {
      return errors
    },
    async stop() {
      stopped = true
      await Promise.all(running)
    },
  }
}

export interface SseRecorder {
  /** Journal positions received, in order. */
  positions: number[]
  close(): void
  /** Resolves when the stream ended (closed by us or by the server). */
  ended: Promise<void>
}

/** Reads `/v1/signals` and records each event's id (its journal position). */
export function recordSse(url: string, key: string, from: number | 'now' | 'start' = 'start'): SseRecorder {
  const positions: number[] = []
  const controller = new AbortController()
  const ended = (async () => {
    try {
      const res = await fetch(`${url}/v1/signals?from=${from}`, { headers: { authorization: `Bearer ${key}` }, signal: controller.signal })
      if (!res.ok || !res.body) throw new Error(`SSE answered ${res.status}`)
      const decoder = new TextDecoder()
      let buffer = ''
      let id: number | undefined
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true })
        let nl: number
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl)
          buffer = buffer.slice(nl + 1)
          if (line.startsWith('id:')) id = Number(line.slice(3).trim())
          else if (line.startsWith('data:') && id !== undefined) {
            if (positions[positions.length - 1] !== id) positions.push(id)
          } else if (line === '') id = undefined
        }
      }
    } catch {
      // aborted by close(), or the process died
    }
  })()
  return { positions, close: () => controller.abort(), ended }
}

export interface CuttableProxy {
  /** A connection string for the proxy (the target's, with host and port replaced). */
  connectionString: string
  /** Destroys every open connection and refuses new ones until restore(). */
  cut(): void
  restore(): void
  close(): Promise<void>
}

/** A TCP proxy on 127.0.0.1 in front of `targetUrl`'s host and port. */
export async function startCuttableProxy(targetUrl: string): Promise<CuttableProxy> {
  const target = new URL(targetUrl)
  const sockets = new Set<Socket>()
  let open = true
  const server: Server = createServer((client) => {
    if (!open) return void client.destroy()
    const upstream = connect(Number(target.port || 5432), target.hostname)
    sockets.add(client)
    sockets.add(upstream)
    const drop = () => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  const proxied = new URL(targetUrl)
  proxied.hostname = '127.0.0.1'
  proxied.port = String(port)
  return {
    connectionString: proxied.toString(),
    cut() {
      open = false
      for (const s of sockets) s.destroy()
      sockets.clear()
    },
    restore() {
      open = true
    },
    async close() {
      open = false
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
