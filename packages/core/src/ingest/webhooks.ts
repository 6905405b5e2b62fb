import type { AdapterRegistry } from '../bridge/registry.js'
import type { InboundEvent, PlatformAdapter, WebhookReply, WebhookRequest } from '../contracts/platform-adapter.js'
import { isMessagingError, MessagingError, StoreUnavailableError, ValidationError, type ErrorCode } from '../errors.js'
import type { BridgeConfig } from '../model.js'
import { requireId } from '../validate.js'
import { InboundEventSchema, isPlainInboundEvent, type IngestOutcome } from './types.js'

export interface WebhookHttpRequest {
  method?: string
  path?: string
  headers?: Record<string, string | string[] | undefined>
  rawBody: string | Buffer | Uint8Array
}

export interface WebhookHttpResult {
  response: { status: number; headers: Record<string, string>; body: unknown }
  /** The first event's outcome (absent when the request carried no event, e.g. a URL check). */
  outcome?: IngestOutcome
  outcomes: IngestOutcome[]
}

/**
 * HTTP statuses of failures about the request itself, all found before anything is stored. A failure
 * after the request was accepted (the store, the pipeline) is never one of these: it is an
 * {@link IngestFailedError}, answered 5xx so the platform retries (dedupe makes that safe), whatever
 * code its cause carries. A 404 or 409 there would read as final and lose the message.
 */
const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  BRIDGE_NOT_FOUND: 404,
  BRIDGE_DISABLED: 409,
  INVALID_SIGNATURE: 401,
  VALIDATION: 400,
  UNSUPPORTED: 501,
  NOT_FOUND: 404,
  CONFLICT: 409,
  STORE_UNAVAILABLE: 503,
}

function lowerHeaders(headers: WebhookHttpRequest['headers'] = {}): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k of Object.keys(headers)) { // no [key, value] pair arrays
    const v = headers[k]
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v)
  }
  return out
}

/**
 * An ingest that failed after its request was accepted (verified, parsed, events valid): the store or
 * the pipeline threw. Its code is `STORE_UNAVAILABLE` (HTTP 503 when the store said it is unavailable,
 * else 500) whatever the cause's code, which stays readable as `cause`.
 */
export class IngestFailedError extends StoreUnavailableError {
  readonly status: number
  constructor(message: string, cause: unknown) {
    super(message, cause)
    this.name = 'IngestFailedError'
    this.status = isMessagingError(cause, 'STORE_UNAVAILABLE') ? 503 : 500
  }
}

/** Checks the events a parse produced before any is ingested: a bad one is the request's fault (400), found before anything is stored. */
function checkEvents(adapter: PlatformAdapter, events: readonly InboundEvent[]): void {
  for (const event of events) {
    if (isPlainInboundEvent(event)) continue
    const parsed = InboundEventSchema.safeParse(event)
    if (!parsed.success) {
      throw new ValidationError(`[core] adapter ${adapter.name} produced an invalid inbound event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })))
    }
  }
}

/** Webhook entry points: bridge lookup, size limit, signature, JSON, parse, then the ingest pipeline. */
export interface IngestRunner {
  ingest(config: BridgeConfig, adapter: PlatformAdapter, event: import('../contracts/platform-adapter.js').InboundEvent, causationId?: string): Promise<IngestOutcome>
}

export function webhookApi(configOf: (id: string) => Promise<BridgeConfig | null>, registry: AdapterRegistry, pipeline: IngestRunner, maxBodyBytes: number) {
  async function bridgeFor(bridgeId: string): Promise<{ config: BridgeConfig; adapter: PlatformAdapter }> {
    requireId(bridgeId, 'bridgeId')
    const config = usable(bridgeId, await configOf(bridgeId))
    return { config, adapter: registry.require(config) }
  }

  function usable(bridgeId: string, config: BridgeConfig | null): BridgeConfig {
    if (!config) throw new MessagingError(`bridge ${bridgeId} not found`, { code: 'BRIDGE_NOT_FOUND', details: { bridgeId } })
    if (!config.enabled) throw new MessagingError(`bridge ${bridgeId} is disabled`, { code: 'BRIDGE_DISABLED', details: { bridgeId } })
    return config
  }

  /** Verifies and parses one request, then ingests its events in order. Throws typed errors before anything is stored. */
  async function process(bridgeId: string, input: WebhookHttpRequest): Promise<{ outcomes: IngestOutcome[]; reply?: WebhookReply }> {
    requireId(bridgeId, 'bridgeId')
    const config = usable(bridgeId, await configOf(bridgeId)) // as bridgeFor, without its promise and pair
    const adapter = registry.require(config)
    if (!adapter.verifyWebhook || !adapter.parseWebhook) {
      throw new MessagingError(`adapter ${adapter.name} does not take webhooks`, { code: 'UNSUPPORTED', details: { bridgeId } })
    }
    const raw = typeof input.rawBody === 'string' ? input.rawBody : Buffer.from(input.rawBody).toString('utf8')
    // UTF-8 takes 1-3 bytes per UTF-16 unit, so a short enough string needs no byte count.
    if (raw.length * 3 > maxBodyBytes && Buffer.byteLength(raw, 'utf8') > maxBodyBytes) {
      throw new MessagingError(`webhook body is larger than ${maxBodyBytes} bytes`, { code: 'VALIDATION', details: { status: 413, maxBodyBytes } })
    }
    const request: WebhookRequest = { method: (input.method ?? 'POST').toUpperCase(), path: input.path ?? `/webhooks/${bridgeId}`, headers: lowerHeaders(input.headers), rawBody: raw }
    const bridge = registry.context(config)
    if (!(await adapter.verifyWebhook(bridge, request))) {
      throw new MessagingError(`webhook signature for bridge ${bridgeId} is missing or invalid`, { code: 'INVALID_SIGNATURE', details: { bridgeId } })
    }
    let body: unknown
    // Platforms send JSON, except form posts (Slack slash commands and interactivity), which adapters
    // read from rawBody themselves.
    const form = (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
    if (raw.length > 0 && !form) {
      try {
        body = JSON.parse(raw)
      } catch {
        throw new ValidationError('webhook body is not valid JSON', [{ path: 'body', message: 'invalid JSON' }])
      }
    }
    request.body = body
    const parsed = await adapter.parseWebhook(bridge, request)
    const outcomes = await ingestAccepted(config, adapter, parsed.events)
    const processed: { outcomes: IngestOutcome[]; reply?: WebhookReply } = { outcomes }
    if (parsed.reply) processed.reply = parsed.reply
    return processed
  }

  /**
   * Ingests the events of an accepted request in order. Whatever the pipeline or the store throws from
   * here on becomes an {@link IngestFailedError} (5xx), with no credential in its message.
   */
  async function ingestAccepted(config: BridgeConfig, adapter: PlatformAdapter, events: readonly InboundEvent[]): Promise<IngestOutcome[]> {
    checkEvents(adapter, events)
    const outcomes: IngestOutcome[] = []
    try {
      for (const event of events) outcomes.push(await pipeline.ingest(config, adapter, event))
    } catch (error) {
      const reason = registry.redact(error instanceof Error ? error.message : String(error))
      throw new IngestFailedError(`[core] bridge ${config.id}: ingest failed after the request was accepted: ${reason}`, registry.redactError(error))
    }
    return outcomes
  }

  return {
    /** Routes a webhook payload (headers and raw body as received) into ingest; resolves the first event's outcome. */
    async routeWebhook(bridgeId: string, payload: unknown, options: { headers?: Record<string, string>; rawBody?: string } = {}): Promise<IngestOutcome> {
      const { outcomes } = await process(bridgeId, { headers: options.headers ?? {}, rawBody: options.rawBody ?? JSON.stringify(payload) })
        .catch((error: unknown) => Promise.reject(registry.redactError(error)))
      return outcomes[0] ?? { status: 'event', reason: 'no events' }
    },

    /**
     * An HTTP request in, an HTTP response out. The 200 is returned only after every event is
     * committed; a failure is a 5xx so the platform retries (dedupe makes retries safe). Error bodies
     * are `{error: {code, message}}`.
     */
    async routeWebhookRequest(bridgeId: string, request: WebhookHttpRequest): Promise<WebhookHttpResult> {
      try {
        const { outcomes, reply } = await process(bridgeId, request)
        const failed = outcomes.find((o) => o.status === 'error')
        const response = failed
          ? errorResponse(500, 'STORE_UNAVAILABLE', registry.redact(failed.reason ?? 'ingest failed'))
          : reply
            ? { status: reply.status, headers: { 'content-type': typeof reply.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', ...reply.headers }, body: reply.body ?? {} }
            : { status: 200, headers: { 'content-type': 'application/json' }, body: { ok: true, outcomes: outcomes.map(summarize) } }
        const result: WebhookHttpResult = { response, outcomes }
        if (outcomes[0]) result.outcome = outcomes[0]
        return result
      } catch (error) {
        // Error text goes back to whoever sent the request: no credential may be in it.
        const reason = registry.redact(error instanceof Error ? error.message : String(error))
        if (error instanceof IngestFailedError) {
          const outcome: IngestOutcome = { status: 'error', reason }
          return { response: errorResponse(error.status, error.code, reason), outcome, outcomes: [outcome] }
        }
        const outcome: IngestOutcome = { status: isMessagingError(error) && error.code !== 'STORE_UNAVAILABLE' ? 'rejected' : 'error', reason }
        if (isMessagingError(error)) {
          const status = (error.details['status'] as number | undefined) ?? STATUS_BY_CODE[error.code] ?? 500
          return { response: errorResponse(status, error.code, reason), outcome, outcomes: [outcome] }
        }
        return { response: errorResponse(500, 'STORE_UNAVAILABLE', `ingest failed: ${reason}`), outcome, outcomes: [outcome] }
      }
    },

    /** Ingests a payload handed over directly (no HTTP, no signature) through the adapter's transformPayload. */
    async routeDirectPayload(bridgeId: string, payload: unknown): Promise<IngestOutcome> {
      const { config, adapter } = await bridgeFor(bridgeId)
      if (!adapter.transformPayload) {
        throw new MessagingError(`adapter ${adapter.name} does not take direct payloads`, { code: 'UNSUPPORTED', details: { bridgeId } })
      }
      const events = await Promise.resolve().then(() => adapter.transformPayload!(registry.context(config), payload))
        .catch((error: unknown) => Promise.reject(registry.redactError(error)))
      const outcomes = await ingestAccepted(config, adapter, events)
      return outcomes[0] ?? { status: 'event', reason: 'no events' }
    },
  }
}

function summarize(o: IngestOutcome) {
  // Keys added in the order the response has always had them (no spreads: one summary per event).
  const summary: { status: IngestOutcome['status']; messageId?: string; roomId?: string; reason?: string } = { status: o.status }
  if (o.message) summary.messageId = o.message.id
  if (o.room) summary.roomId = o.room.id
  if (o.reason) summary.reason = o.reason
  return summary
}

function errorResponse(status: number, code: string, message: string) {
  return { status, headers: { 'content-type': 'application/json' }, body: { error: { code, message } } }
}
