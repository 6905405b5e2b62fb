import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { checkJidoSignature } from './webhook-signing.js'
import { readBody } from './http.js'

// A stateful fake of the system behind adapter-webhook's `options.outboundUrl`: it checks every
// signature, deduplicates by deliveryId as SPEC 6.1 asks receivers to, and records what it accepted,
// so tests assert on what reached the other side rather than on mocks.

/** The outbound body as the receiver saw it. */
export interface ReceivedBody {
  deliveryId: string
  room: string
  text: string
  thread?: string
  replyTo?: string
}

export interface ReceivedDelivery {
  deliveryId: string
  /** The external message id the receiver assigned and answered with. */
  id: string
  body: ReceivedBody
  rawBody: string
  headers: Record<string, string>
  path: string
}

/** A scripted answer: `status`, an optional `Retry-After` (seconds) and an optional JSON body. */
export interface ScriptedResponse {
  status: number
  retryAfterSeconds?: number
  body?: unknown
}

export interface WebhookReceiver {
  /** The URL to use as a bridge's `options.outboundUrl`. */
  readonly url: string
  readonly secret: string
  /** Accepted deliveries, one per deliveryId, in arrival order. */
  readonly deliveries: readonly ReceivedDelivery[]
  /** Every POST that arrived, accepted or not. */
  readonly attempts: number
  /** Accepted POSTs whose deliveryId had been seen before. */
  readonly duplicates: number
  /** POSTs refused with 401 (bad, missing or stale signature). */
  readonly rejectedSignatures: number
  /** The next `count` correctly signed POSTs get `response` and are not recorded. */
  failNext(count: number, response: ScriptedResponse): void
  /** The next accepted POST is recorded at once but answered `ms` later (for timeouts). */
  delayNext(ms: number): void
  close(): Promise<void>
}

export interface WebhookReceiverOptions {
  secret?: string
  /** The receiver's clock in milliseconds, for the signature window (default `Date.now`). */
  now?: () => number
}

const MAX_BODY_BYTES = 1024 * 1024

export async function startWebhookReceiver(options: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
  const secret = options.secret ?? 'receiver-secret'
  const now = options.now ?? Date.now
  const deliveries: ReceivedDelivery[] = []
  const byDeliveryId = new Map<string, ReceivedDelivery>()
  const failures: ScriptedResponse[] = []
  const delays: number[] = []
  const timers = new Set<{ timer: NodeJS.Timeout; release: () => void }>()
  let attempts = 0
  let duplicates = 0
  let rejectedSignatures = 0

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') return reply(res, 405, error('METHOD_NOT_ALLOWED', 'only POST'))
    const rawBody = await readBody(req, MAX_BODY_BYTES)
    if (rawBody === undefined) return reply(res, 413, error('TOO_LARGE', 'body over 1 MiB'))
    attempts += 1
    const headers = flatHeaders(req)
    if (!checkJidoSignature(secret, rawBody, headers['x-jido-timestamp'], headers['x-jido-signature'], now())) {
      rejectedSignatures += 1
      return reply(res, 401, error('INVALID_SIGNATURE', 'bad, missing or stale signature'))
    }
    const failure = failures.shift()
    if (failure) {
      const extra: Record<string, string> = failure.retryAfterSeconds === undefined ? {} : { 'retry-after': String(failure.retryAfterSeconds) }
      return reply(res, failure.status, failure.body ?? error('SCRIPTED', `scripted ${failure.status}`), extra)
    }
    const body = parseBody(rawBody)
    if (typeof body === 'string') return reply(res, 400, error('VALIDATION', body))
    let delivery = byDeliveryId.get(body.deliveryId)
    if (delivery) duplicates += 1
    else {
      delivery = { deliveryId: body.deliveryId, id: `wh_${deliveries.length + 1}`, body, rawBody, headers, path: req.url ?? '/' }
      deliveries.push(delivery)
      byDeliveryId.set(body.deliveryId, delivery)
    }
    const delay = delays.shift()
    if (delay !== undefined) await sleep(delay)
    reply(res, 200, { id: delivery.id })
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = { timer: setTimeout(() => entry.release(), ms), release: () => (timers.delete(entry), resolve()) }
      timers.add(entry)
    })
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => reply(res, 500, error('INTERNAL', String(err))))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  let closed: Promise<void> | undefined

  return {
    url: `http://127.0.0.1:${port}/outbound`,
    secret,
    deliveries,
    get attempts() {
      return attempts
    },
    get duplicates() {
      return duplicates
    },
    get rejectedSignatures() {
      return rejectedSignatures
    },
    failNext(count, response) {
      for (let i = 0; i < count; i++) failures.push(response)
    },
    delayNext(ms) {
      delays.push(ms)
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const entry of [...timers]) {
          clearTimeout(entry.timer)
          entry.release()
        }
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return closed
    },
  }
}

function parseBody(rawBody: string): ReceivedBody | string {
  let body: unknown
  try {
    body = JSON.parse(rawBody)
  } catch {
    return 'body is not JSON'
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body must be an object'
  const b = body as Record<string, unknown>
  if (typeof b.deliveryId !== 'string' || b.deliveryId === '') return 'deliveryId must be a non-empty string'
  if (typeof b.room !== 'string' || b.room === '') return 'room must be a non-empty string'
  if (typeof b.text !== 'string') return 'text must be a string'
  for (const key of ['thread', 'replyTo'] as const) {
    if (b[key] !== undefined && typeof b[key] !== 'string') return `${key} must be a string when present`
  }
  return b as unknown as ReceivedBody
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') out[name] = value
    else if (Array.isArray(value)) out[name] = value.join(', ')
  }
  return out
}

function error(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } }
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return
  res.writeHead(status, { 'content-type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}
