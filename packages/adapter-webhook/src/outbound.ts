import { AdapterError, type BridgeContext, type MessageTarget, type OutboundMessage, type SendResult } from '@jido-messaging/core'
import { signWebhookBody } from './signing.js'

// Outbound calls (SPEC 6.1): one signed POST each, a send, an edit or a typing notice. Every failure
// leaves here as an AdapterError whose `retryable`/`retryAfterMs` tell core's delivery loop what to do next.

export interface OutboundDeps {
  fetch: typeof fetch
  timeoutMs: number
  now: () => number
}

/** The JSON body of a send POSTed to `options.outboundUrl`; it has no `action`, as before edits existed. */
export interface OutboundBody {
  deliveryId: string
  room: string
  text: string
  thread?: string
  replyTo?: string
}

/** The JSON body of an edit (sent only when the adapter is created with `edit: true`). */
export interface OutboundEditBody {
  action: 'edit'
  room: string
  messageId: string
  text: string
  thread?: string
}

/** The JSON body of a typing notice (sent only when the adapter is created with `typing: true`). */
export interface OutboundTypingBody {
  action: 'typing'
  room: string
  thread?: string
}

export async function sendMessage(bridge: BridgeContext, message: OutboundMessage, deps: OutboundDeps): Promise<SendResult> {
  const body: OutboundBody = { deliveryId: message.deliveryId, room: message.externalRoomId, text: message.text }
  if (message.externalThreadId !== undefined) body.thread = message.externalThreadId
  if (message.externalReplyToId !== undefined) body.replyTo = message.externalReplyToId
  const { status, text, where } = await post(bridge, body, deps)
  return { externalMessageId: readId(text, status, where) }
}

/** Replaces the text of a message sent earlier; any 2xx is success and its body is ignored. */
export async function editMessage(bridge: BridgeContext, target: MessageTarget & { text: string }, deps: OutboundDeps): Promise<void> {
  const body: OutboundEditBody = { action: 'edit', room: target.externalRoomId, messageId: target.externalMessageId, text: target.text }
  if (target.externalThreadId !== undefined) body.thread = target.externalThreadId
  await post(bridge, body, deps, 'edit')
}

/** Tells the receiver an answer is being prepared in a room (or thread); any 2xx is success. */
export async function sendTyping(
  bridge: BridgeContext,
  target: { externalRoomId: string; externalThreadId?: string },
  deps: OutboundDeps,
): Promise<void> {
  const body: OutboundTypingBody = { action: 'typing', room: target.externalRoomId }
  if (target.externalThreadId !== undefined) body.thread = target.externalThreadId
  await post(bridge, body, deps, 'typing')
}

/**
 * POSTs one signed body and resolves the 2xx answer; throws an AdapterError for everything else. `action`
 * names edits and typing in error messages (sends keep their original wording).
 */
async function post(
  bridge: BridgeContext,
  body: OutboundBody | OutboundEditBody | OutboundTypingBody,
  deps: OutboundDeps,
  action?: string,
): Promise<{ status: number; text: string; where: string }> {
  const { url, secret } = outboundTarget(bridge)
  const rawBody = JSON.stringify(body)
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'jido-messaging-adapter-webhook',
    ...signWebhookBody(secret, rawBody, Math.floor(deps.now() / 1000)),
  }
  const where = action === undefined ? `bridge ${bridge.bridgeId}` : `bridge ${bridge.bridgeId} ${action}`
  let response: Response
  let text: string
  try {
    // `redirect: 'manual'`: a redirect would turn the POST into a GET or resend it elsewhere unseen.
    response = await deps.fetch(url, { method: 'POST', headers, body: rawBody, redirect: 'manual', signal: AbortSignal.timeout(deps.timeoutMs) })
    text = await response.text()
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
    const reason = timedOut ? `timed out after ${deps.timeoutMs} ms` : `failed: ${describe(error)}`
    throw new AdapterError(`[adapter-webhook] ${where}: POST ${url} ${reason}`, { retryable: true, cause: error })
  }
  const status = response.status
  if (status >= 200 && status < 300) return { status, text, where }
  const detail = `${where}: receiver answered ${status}${snippet(text)}`
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), deps.now())
  if (status === 429 || status >= 500) {
    throw new AdapterError(`[adapter-webhook] ${detail}`, { retryable: true, status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) })
  }
  // Other 4xx (and unexpected 1xx/3xx) are terminal: sending the same request again cannot succeed.
  throw new AdapterError(`[adapter-webhook] ${detail}`, { retryable: false, status })
}

function outboundTarget(bridge: BridgeContext): { url: string; secret: string } {
  const secret = bridge.credentials.secret
  const url = bridge.options.outboundUrl
  // Configuration errors are not platform hiccups: retrying cannot fix them.
  if (typeof secret !== 'string' || secret === '') {
    throw new AdapterError(`[adapter-webhook] bridge ${bridge.bridgeId} has no credentials.secret`, { retryable: false })
  }
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url) || !URL.canParse(url)) {
    throw new AdapterError(`[adapter-webhook] bridge ${bridge.bridgeId} needs options.outboundUrl, an http(s) URL`, { retryable: false })
  }
  return { url, secret }
}

function readId(text: string, status: number, where: string): string {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    parsed = undefined
  }
  const id = typeof parsed === 'object' && parsed !== null ? (parsed as { id?: unknown }).id : undefined
  if (typeof id === 'string' && id !== '') return id
  // The receiver took the message but did not say under which id; resending cannot fix the answer.
  throw new AdapterError(`[adapter-webhook] ${where}: receiver answered ${status} without a string "id"${snippet(text)}`, {
    retryable: false,
    status,
  })
}

/** `Retry-After` as delay-seconds or an HTTP-date, in milliseconds from `nowMs`. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000)
  const at = Date.parse(trimmed)
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs)
}

function snippet(text: string): string {
  const trimmed = text.trim()
  if (trimmed === '') return ''
  return `: ${trimmed.length > 200 ? `${trimmed.slice(0, 200)}...` : trimmed}`
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = (error as { cause?: unknown }).cause
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message
}
