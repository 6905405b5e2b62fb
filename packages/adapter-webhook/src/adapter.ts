import { ValidationError, type AdapterCapabilities, type BridgeContext, type PlatformAdapter } from '@jido-messaging/core'
import { parseInboundBody, requestBody } from './inbound.js'
import { editMessage, sendMessage, sendTyping, type OutboundDeps } from './outbound.js'
import { verifyWebhookSignature } from './signing.js'

export interface WebhookAdapterConfig {
  /** Default maximum characters of one outbound message (default 4000); a bridge may set `options.textLimit`. */
  textLimit?: number
  /** The fetch used for outbound POSTs (default the global fetch, resolved at call time). */
  fetch?: typeof fetch
  /** Timeout of one outbound POST, response body included, in milliseconds (default 10000). */
  timeoutMs?: number
  /** Clock in milliseconds, for signatures and default timestamps (default `Date.now`). */
  now?: () => number
  /** POST `{ action: 'edit', ... }` bodies so core can edit sent messages (default false: receivers must opt in). */
  edit?: boolean
  /** POST `{ action: 'typing', ... }` bodies while an agent works (default false: receivers must opt in). */
  typing?: boolean
}

const DEFAULT_TEXT_LIMIT = 4000
const DEFAULT_TIMEOUT_MS = 10_000

/** The generic signed JSON-over-HTTP adapter (SPEC 6.1); name and channel `webhook`. */
export function createWebhookAdapter(config: WebhookAdapterConfig = {}): PlatformAdapter {
  const textLimit = positiveInteger(config.textLimit ?? DEFAULT_TEXT_LIMIT, 'textLimit')
  const timeoutMs = positiveInteger(config.timeoutMs ?? DEFAULT_TIMEOUT_MS, 'timeoutMs')
  const now = config.now ?? Date.now
  const fetchFn: typeof fetch = (input, init) => (config.fetch ?? globalThis.fetch)(input, init)
  const deps: OutboundDeps = { fetch: fetchFn, timeoutMs, now }
  // Opt-in because a receiver written before `action` existed would take an edit or typing body for a send.
  const canEdit = optionalBoolean(config.edit, 'edit')
  const canType = optionalBoolean(config.typing, 'typing')
  const capabilities: AdapterCapabilities = {
    send: 'native',
    // Posting into an existing thread and replying are fields of the outbound body; nothing else is.
    threads: 'native',
    replies: 'native',
    edit: canEdit ? 'native' : 'unsupported',
    delete: 'unsupported',
    reactions: 'unsupported',
    typing: canType ? 'native' : 'unsupported',
    media: 'unsupported',
    webhook: true,
    listener: false,
    ingressSubscriptions: false,
    textLimit,
    markdown: 'none',
  }
  const adapter: PlatformAdapter = {
    name: 'webhook',
    channel: 'webhook',
    capabilities,
    textLimitFor(bridge: BridgeContext): number {
      const limit = bridge.options.textLimit
      return limit === undefined ? textLimit : positiveInteger(limit, `bridge ${bridge.bridgeId} options.textLimit`)
    },
    verifyWebhook(bridge, request) {
      const secret = bridge.credentials.secret
      return typeof secret === 'string' && verifyWebhookSignature(secret, request.rawBody, request.headers, { now: now() })
    },
    parseWebhook(_bridge, request) {
      return { events: parseInboundBody(requestBody(request), now()) }
    },
    transformPayload(_bridge, payload) {
      return parseInboundBody(payload, now())
    },
    send(bridge, message) {
      return sendMessage(bridge, message, deps)
    },
  }
  // Members exist exactly when declared, so core reports UNSUPPORTED instead of calling them.
  if (canEdit) adapter.edit = (bridge, target) => editMessage(bridge, target, deps)
  if (canType) adapter.startTyping = (bridge, target) => sendTyping(bridge, target, deps)
  return adapter
}

function optionalBoolean(value: unknown, name: string): boolean {
  if (value === undefined || typeof value === 'boolean') return value === true
  throw new ValidationError(`[adapter-webhook] ${name} must be a boolean`, [{ path: name, message: String(value) }])
}

function positiveInteger(value: unknown, name: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value
  throw new ValidationError(`[adapter-webhook] ${name} must be a positive integer`, [{ path: name, message: String(value) }])
}
