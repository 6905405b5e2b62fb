import { ValidationError, type ChatType, type InboundEvent, type InboundMedia, type ParsedWebhook, type WebhookRequest } from '@jido-messaging/core'
import { fromSlackReactionName, fromSlackText } from './format.js'
import type { BotIdentity, SlackEnvelope, SlackEvent, SlackFile, SlackMessage } from './types.js'

// Events API envelopes (https://api.slack.com/apis/events-api) to normalized inbound events. A
// `url_verification` handshake becomes an immediate reply; `event_callback` carries one event, which
// becomes at most one inbound event; anything we do not model becomes none, so Slack still gets its 200.

export interface InboundContext {
  /** Who the bot is (auth.test, cached); only asked when the envelope's `authorizations` do not say. */
  identity(): Promise<BotIdentity>
}

/** Message subtypes that are messages people (or bots) wrote; the rest are notices (joins, topics, ...). */
const MESSAGE_SUBTYPES = new Set<string | undefined>([undefined, 'bot_message', 'thread_broadcast', 'file_share', 'me_message'])

/** The body of a request, preferring what core already parsed (`request.body`). */
export function requestBody(request: WebhookRequest): unknown {
  if (request.body !== undefined) return request.body
  try {
    return JSON.parse(request.rawBody) as unknown
  } catch {
    throw new ValidationError('[adapter-slack] request body is not valid JSON', [{ path: 'body', message: 'invalid JSON' }])
  }
}

/** Maps one Events API body to events and/or an immediate reply. */
export async function parseEnvelope(body: unknown, ctx: InboundContext): Promise<ParsedWebhook> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('[adapter-slack] an Events API body must be a JSON object', [{ path: 'body', message: 'expected an object' }])
  }
  const envelope = body as SlackEnvelope
  if (envelope.type === 'url_verification') {
    if (typeof envelope.challenge !== 'string') {
      throw new ValidationError('[adapter-slack] url_verification without a challenge', [{ path: 'challenge', message: 'expected a string' }])
    }
    return { events: [], reply: { status: 200, body: { challenge: envelope.challenge } } }
  }
  return { events: await eventsOf(envelope, ctx) }
}

/** The inbound events of one `event_callback` envelope (none for other envelope types). */
export async function eventsOf(envelope: SlackEnvelope, ctx: InboundContext): Promise<InboundEvent[]> {
  const event = envelope.event
  if (envelope.type !== 'event_callback' || typeof event !== 'object' || event === null) return []
  const event_ = await mapEvent(envelope, event, ctx)
  return event_ ? [event_] : []
}

async function mapEvent(envelope: SlackEnvelope, event: SlackEvent, ctx: InboundContext): Promise<InboundEvent | undefined> {
  const { token: _token, ...raw } = envelope
  const base = { media: [] as InboundMedia[], raw, ...(typeof envelope.event_id === 'string' ? { eventId: envelope.event_id } : {}) }
  if (event.type === 'reaction_added' || event.type === 'reaction_removed') {
    const { item } = event
    if (item?.type !== 'message' || !str(item.channel) || !str(item.ts) || !str(event.user) || !str(event.reaction)) return undefined
    return {
      ...base,
      kind: 'reaction',
      externalRoomId: item.channel!,
      externalUserId: event.user!,
      externalMessageId: item.ts!,
      text: '',
      chatType: chatTypeOf(item.channel!, undefined),
      isSelf: await isSelf(envelope, { user: event.user }, ctx),
      isBot: false,
      timestamp: tsToIso(event.event_ts),
      reaction: { emoji: fromSlackReactionName(event.reaction!), added: event.type === 'reaction_added' },
    }
  }
  // An app subscribed to both app_mention and message.* gets a mention twice, with one ts: core's
  // dedupe keeps the first. Apps subscribed to app_mention alone still see their mentions.
  if ((event.type !== 'message' && event.type !== 'app_mention') || !str(event.channel)) return undefined
  const channel = event.channel!
  const chatType = chatTypeOf(channel, event.channel_type)

  if (event.subtype === 'message_deleted' || (event.subtype === 'message_changed' && event.message?.subtype === 'tombstone')) {
    // A tombstone replaces a thread root deleted while its replies remain: for us, that message is gone.
    const gone = event.subtype === 'message_deleted' ? event.deleted_ts : event.message?.ts
    const previous = event.previous_message ?? {}
    if (!str(gone)) return undefined
    return {
      ...base,
      kind: 'delete',
      externalRoomId: channel,
      externalUserId: authorOf(previous) ?? 'unknown',
      externalMessageId: gone!,
      ...thread(previous),
      text: '',
      chatType,
      isSelf: await isSelf(envelope, previous, ctx),
      isBot: isBotMessage(previous),
      timestamp: tsToIso(event.event_ts ?? event.ts),
    }
  }
  if (event.subtype === 'message_changed') {
    const message = event.message
    const author = message ? authorOf(message) ?? str(message.edited?.user) : undefined
    if (!message || !str(message.ts) || author === undefined) return undefined
    return {
      ...base,
      kind: 'edit',
      externalRoomId: channel,
      externalUserId: author,
      externalMessageId: message.ts!,
      ...thread(message),
      text: fromSlackText(message.text ?? ''),
      chatType,
      ...names(message),
      isSelf: await isSelf(envelope, message, ctx),
      isBot: isBotMessage(message),
      timestamp: tsToIso(message.edited?.ts ?? event.event_ts ?? event.ts),
    }
  }
  if (event.type === 'message' && !MESSAGE_SUBTYPES.has(event.subtype)) return undefined
  const author = authorOf(event)
  if (!str(event.ts) || author === undefined) return undefined
  return {
    ...base,
    kind: 'message',
    externalRoomId: channel,
    externalUserId: author,
    externalMessageId: event.ts!,
    ...thread(event),
    text: fromSlackText(event.text ?? ''),
    media: (event.files ?? []).map(mediaOf),
    chatType,
    ...names(event),
    isSelf: await isSelf(envelope, event, ctx),
    isBot: isBotMessage(event),
    timestamp: tsToIso(event.ts),
  }
}

/** A message is the bot's own when its author is the bot user (or, for bot_message, the bot id). */
async function isSelf(envelope: SlackEnvelope, author: Pick<SlackMessage, 'user' | 'bot_id'>, ctx: InboundContext): Promise<boolean> {
  const user = str(author.user)
  const botId = str(author.bot_id)
  if (user === undefined && botId === undefined) return false
  const announced = (envelope.authorizations ?? []).filter((a) => a.is_bot === true && str(a.user_id)).map((a) => a.user_id!)
  if (user !== undefined && announced.length > 0) return announced.includes(user)
  const me = await ctx.identity()
  return (user !== undefined && user === me.userId) || (botId !== undefined && botId === me.botId)
}

function authorOf(message: SlackMessage): string | undefined {
  return str(message.user) ?? str(message.bot_id)
}

function isBotMessage(message: SlackMessage): boolean {
  return str(message.bot_id) !== undefined || message.subtype === 'bot_message'
}

/** `thread_ts` is the thread, unless it is the message's own ts (a thread root). */
function thread(message: SlackMessage): { externalThreadId?: string } {
  const t = str(message.thread_ts)
  return t !== undefined && t !== message.ts ? { externalThreadId: t } : {}
}

function names(message: SlackMessage): { username?: string; displayName?: string } {
  const username = str(message.user_profile?.name) ?? (message.subtype === 'bot_message' ? str(message.username) : undefined)
  const displayName = str(message.user_profile?.display_name) ?? str(message.user_profile?.real_name) ?? str(message.bot_profile?.name)
  return { ...(username === undefined ? {} : { username }), ...(displayName === undefined ? {} : { displayName }) }
}

function chatTypeOf(channel: string, channelType: string | undefined): ChatType {
  if (channelType === 'im') return 'direct'
  if (channelType === undefined && channel.startsWith('D')) return 'direct'
  return 'group'
}

function mediaOf(file: SlackFile): InboundMedia {
  const mime = file.mimetype ?? ''
  const type: InboundMedia['type'] = mime.startsWith('image/') ? 'image' : mime.startsWith('audio/') ? 'audio' : mime.startsWith('video/') ? 'video' : 'file'
  const url = str(file.url_private) ?? str(file.permalink)
  return {
    type,
    ...(url === undefined ? {} : { url }),
    ...(str(file.mimetype) === undefined ? {} : { mediaType: file.mimetype! }),
    ...(str(file.name) === undefined ? {} : { filename: file.name! }),
    ...(typeof file.size === 'number' && file.size >= 0 ? { size: file.size } : {}),
    ...(typeof file.original_w === 'number' ? { width: file.original_w } : {}),
    ...(typeof file.original_h === 'number' ? { height: file.original_h } : {}),
    ...(typeof file.duration_ms === 'number' ? { duration: file.duration_ms / 1000 } : {}),
  }
}

/** Slack's `ts` ("1714566600.000100", seconds) as ISO-8601 UTC; now when absent or malformed. */
export function tsToIso(ts: string | undefined): string {
  const seconds = ts === undefined ? Number.NaN : Number(ts)
  const date = Number.isFinite(seconds) && seconds > 0 ? new Date(Math.round(seconds * 1000)) : new Date()
  return date.toISOString()
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}
