import { ValidationError, type ChatType, type InboundEvent, type ValidationIssue, type WebhookRequest } from '@jido-messaging/core'

// Inbound bodies (SPEC 6.1): one event object, or `{ events: [...] }`. Every problem is collected and
// reported as one ValidationError naming each field, which core answers with a 400.

const CHAT_TYPES: readonly ChatType[] = ['direct', 'group', 'channel']
const REQUIRED_IDS = [
  ['id', 'externalMessageId'],
  ['room', 'externalRoomId'],
  ['user', 'externalUserId'],
] as const
const OPTIONAL_STRINGS = [
  ['thread', 'externalThreadId'],
  ['replyTo', 'externalReplyToId'],
  ['username', 'username'],
  ['displayName', 'displayName'],
] as const

/** The body of a request, preferring what core already parsed (`request.body`). */
export function requestBody(request: WebhookRequest): unknown {
  if (request.body !== undefined) return request.body
  try {
    return JSON.parse(request.rawBody) as unknown
  } catch {
    throw new ValidationError('[adapter-webhook] request body is not valid JSON', [{ path: 'body', message: 'invalid JSON' }])
  }
}

/** Maps an inbound body to normalized events; throws a ValidationError naming every invalid field. */
export function parseInboundBody(body: unknown, nowMs: number): InboundEvent[] {
  const issues: ValidationIssue[] = []
  let events: InboundEvent[] = []
  if (isObject(body) && 'events' in body) {
    const items = body.events
    if (!Array.isArray(items)) issues.push({ path: 'events', message: 'expected an array of events' })
    else if (items.length === 0) issues.push({ path: 'events', message: 'expected at least one event' })
    else events = items.map((item, i) => parseEvent(item, `events[${i}]`, nowMs, issues))
  } else {
    events = [parseEvent(body, '', nowMs, issues)]
  }
  if (issues.length > 0) {
    const summary = issues.map((issue) => `${issue.path} ${issue.message}`).join('; ')
    throw new ValidationError(`[adapter-webhook] invalid inbound body: ${summary}`, issues)
  }
  return events
}

function parseEvent(value: unknown, prefix: string, nowMs: number, issues: ValidationIssue[]): InboundEvent {
  const at = (field: string): string => (prefix ? `${prefix}.${field}` : field)
  const event: InboundEvent = {
    kind: 'message',
    externalRoomId: '',
    externalUserId: '',
    externalMessageId: '',
    text: '',
    media: [],
    chatType: 'group',
    isSelf: false,
    timestamp: isoTime(nowMs),
    raw: value,
  }
  if (!isObject(value)) {
    issues.push({ path: prefix || 'body', message: 'expected a JSON object' })
    return event
  }
  for (const [field, key] of REQUIRED_IDS) {
    const v = value[field]
    if (typeof v === 'string' && v !== '') event[key] = v
    else issues.push({ path: at(field), message: 'expected a non-empty string' })
  }
  if (typeof value.text === 'string') event.text = value.text
  else issues.push({ path: at('text'), message: 'expected a string' })
  for (const [field, key] of OPTIONAL_STRINGS) {
    const v = value[field]
    if (v === undefined || v === null) continue
    if (typeof v === 'string' && v !== '') event[key] = v
    else issues.push({ path: at(field), message: 'expected a non-empty string when present' })
  }
  const chatType = value.chatType
  if (chatType !== undefined && chatType !== null) {
    if (CHAT_TYPES.includes(chatType as ChatType)) event.chatType = chatType as ChatType
    else issues.push({ path: at('chatType'), message: `expected one of ${CHAT_TYPES.join(', ')}` })
  }
  const self = value.self
  if (self !== undefined && self !== null) {
    if (typeof self === 'boolean') event.isSelf = self
    else issues.push({ path: at('self'), message: 'expected a boolean' })
  }
  if (value.timestamp !== undefined && value.timestamp !== null) {
    const iso = toIso(value.timestamp)
    if (iso === undefined) issues.push({ path: at('timestamp'), message: 'expected unix seconds or an ISO-8601 string' })
    else event.timestamp = iso
  }
  return event
}

// The time of receipt as text, kept for its millisecond: a busy bridge receives several events in one.
let isoMs = Number.NaN
let isoText = ''

function isoTime(ms: number): string {
  if (ms !== isoMs) {
    isoText = new Date(ms).toISOString() // throws for an invalid clock, as before
    isoMs = ms
  }
  return isoText
}

/** Unix seconds (a number) or an ISO-8601 string with a date, normalized to ISO-8601 UTC. */
function toIso(value: unknown): string | undefined {
  let ms: number
  if (typeof value === 'number') ms = value * 1000
  else if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)) ms = Date.parse(value)
  else return undefined
  if (!Number.isFinite(ms) || ms < 0) return undefined
  const date = new Date(ms)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
