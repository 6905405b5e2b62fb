import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { checkJidoSignature } from './webhook-signing.js'
import { readBody } from './http.js'

// A stateful fake of the system behind adapter-webhook's `options.outboundUrl`: it checks every
// signature, deduplicates sends by deliveryId as SPEC 6.1 asks receivers to, applies edits to the
// messages it assigned, and records what it accepted, so tests assert on what reached the other side
// rather than on mocks.

/** A send body as the receiver saw it (a body without `action`). */
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

/** An accepted `{ action: 'edit' }` body, stamped with the time it arrived. */
export interface ReceivedEdit {
  room: string
  messageId: string
  text: string
  thread?: string
  /** `Date.now()` on arrival. */
  at: number
}

/** An accepted `{ action: 'typing' }` body, stamped with the time it arrived. */
export interface ReceivedTyping {
  room: string
  thread?: string
  /** `Date.now()` on arrival. */
  at: number
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
  /** Accepted sends, one per deliveryId, in arrival order (edits and typing are not deliveries). */
  readonly deliveries: readonly ReceivedDelivery[]
  /** Accepted edits, in arrival order; an edit of an id the receiver never assigned is answered 404 instead. */
  readonly edits: readonly ReceivedEdit[]
  /** Accepted typing notices, in arrival order. */
  readonly typing: readonly ReceivedTyping[]
  /** The current text of a message the receiver assigned: its send's text, replaced by each accepted edit. */
  textOf(messageId: string): string | undefined
  /** Every POST that arrived, accepted or not. */
  readonly attempts: number
  /** Accepted sends whose deliveryId had been seen before. */
  readonly duplicates: number
  /** POSTs refused with 401 (bad, missing or stale signature). */
  readonly rejectedSignatures: number
  /** The next `count` correctly signed POSTs, whatever their action, get `response` and are not recorded. */
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
  const edits: ReceivedEdit[] = []
  const typing: ReceivedTyping[] = []
  const texts = new Map<string, string>()
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
    const parsed = parseBody(rawBody)
    if (typeof parsed === 'string') return reply(res, 400, error('VALIDATION', parsed))
    let answer: unknown
    if (parsed.action === 'send') {
      const body = parsed.body
      let delivery = byDeliveryId.get(body.deliveryId)
      if (delivery) duplicates += 1
      else {
        delivery = { deliveryId: body.deliveryId, id: `wh_${deliveries.length + 1}`, body, rawBody, headers, path: req.url ?? '/' }
        deliveries.push(delivery)
        byDeliveryId.set(body.deliveryId, delivery)
        texts.set(delivery.id, body.text)
      }
      answer = { id: delivery.id }
    } else if (parsed.action === 'edit') {
      const { body } = parsed
      if (!texts.has(body.messageId)) return reply(res, 404, error('NOT_FOUND', `no message ${body.messageId}`))
      texts.set(body.messageId, body.text)
      edits.push({ room: body.room, messageId: body.messageId, text: body.text, ...optionalThread(body.thread), at: Date.now() })
      answer = { ok: true }
    } else {
      typing.push({ room: parsed.body.room, ...optionalThread(parsed.body.thread), at: Date.now() })
      answer = { ok: true }
    }
    const delay = delays.shift()
    if (delay !== undefined) await sleep(delay)
    reply(res, 200, answer)
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
    edits,
    typing,
    textOf(messageId) {
      return texts.get(messageId)
    },
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

type ParsedBody =
  | { action: 'send'; body: ReceivedBody }
  | { action: 'edit'; body: { room: string; messageId: string; text: string; thread?: string } }
  | { action: 'typing'; body: { room: string; thread?: string } }

/** The body by its `action` (none for a send), or what is wrong with it. */
function parseBody(rawBody: string): ParsedBody | string {
  let body: unknown
  try {
    body = JSON.parse(rawBody)
  } catch {
    return 'body is not JSON'
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body must be an object'
  const b = body as Record<string, unknown>
  const problem = (required: readonly string[], text: boolean, optional: readonly string[]): string | undefined => {
    for (const key of required) if (typeof b[key] !== 'string' || b[key] === '') return `${key} must be a non-empty string`
    if (text && typeof b.text !== 'string') return 'text must be a string'
    for (const key of optional) if (b[key] !== undefined && typeof b[key] !== 'string') return `${key} must be a string when present`
    return undefined
  }
  let found: string | undefined
  switch (b.action) {
    case undefined:
      found = problem(['deliveryId', 'room'], true, ['thread', 'replyTo'])
      return found ?? { action: 'send', body: b as unknown as ReceivedBody }
    case 'edit':
      found = problem(['room', 'messageId'], true, ['thread'])
      return found ?? { action: 'edit', body: b as unknown as { room: string; messageId: string; text: string; thread?: string } }
    case 'typing':
      found = problem(['room'], false, ['thread'])
      return found ?? { action: 'typing', body: b as unknown as { room: string; thread?: string } }
    default:
      return 'action must be "edit" or "typing" when present'
  }
}

function optionalThread(thread: string | undefined): { thread?: string } {
  return thread === undefined ? {} : { thread }
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
