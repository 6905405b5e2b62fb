import { createHash, timingSafeEqual } from 'node:crypto'
import { ValidationError, type BridgeContext, type InboundEvent, type InboundMedia, type WebhookRequest } from '@jido-messaging/core'
import { chatTitleOf, chatTypeOf, FILE_URL_PREFIX, fullName, isoFromUnix, messageKey, reactionKey } from './format.js'
import type { TgChat, TgFile, TgMessage, TgMessageReaction, TgUpdate, TgUser } from './types.js'

// Webhook verification and the mapping of Bot API updates to normalized inbound events.

export const SECRET_HEADER = 'x-telegram-bot-api-secret-token'

/**
 * Checks `X-Telegram-Bot-Api-Secret-Token` against the bridge's `webhookSecret` in constant time.
 * Without a secret the bridge rejects every webhook unless `options.allowUnsignedWebhooks` is true.
 */
export function verifySecretToken(bridge: BridgeContext, request: WebhookRequest): boolean {
  const secret = bridge.credentials.webhookSecret
  if (secret === undefined || secret === '') return bridge.options.allowUnsignedWebhooks === true
  const given = request.headers[SECRET_HEADER]
  if (given === undefined) return false
  // Hashing first gives equal lengths, so neither the length nor the content leaks through timing.
  return timingSafeEqual(digest(given), digest(secret))
}

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest()

/** The update in a webhook request (core parsed the JSON once); a body that is no update is a 400. */
export function updatesOf(body: unknown): TgUpdate[] {
  const items = Array.isArray(body) ? body : [body]
  return items.map((item, i) => {
    if (typeof item !== 'object' || item === null || !Number.isSafeInteger((item as { update_id?: unknown }).update_id)) {
      throw new ValidationError('[adapter-telegram] expected a Telegram update with a numeric update_id', [{ path: Array.isArray(body) ? `[${i}].update_id` : 'update_id', message: 'required' }])
    }
    return item as TgUpdate
  })
}

export function requestBody(request: WebhookRequest): unknown {
  if (request.body !== undefined) return request.body
  try {
    return JSON.parse(request.rawBody) as unknown
  } catch {
    throw new ValidationError('[adapter-telegram] request body is not valid JSON', [{ path: 'body', message: 'invalid JSON' }])
  }
}

/**
 * One update to its events: a message or channel post, an edit, or one event per reaction added or
 * removed. Update types the adapter does not handle map to no event. `botId` marks the bot's own
 * messages `isSelf`.
 */
export function parseUpdate(update: TgUpdate, botId: string | undefined): InboundEvent[] {
  const message = update.message ?? update.channel_post
  if (message) return [messageEvent(update, message, 'message', botId)]
  const edited = update.edited_message ?? update.edited_channel_post
  if (edited) return [{ ...messageEvent(update, edited, 'edit', botId), eventId: `update:${update.update_id}` }]
  if (update.message_reaction) return reactionEvents(update, update.message_reaction, botId)
  return []
}

interface Sender {
  id: string
  username?: string
  displayName?: string
  isBot: boolean
}

/** Who sent it: `sender_chat` when a message is sent on behalf of a chat (channels, anonymous admins), else `from`. */
function senderOf(from: TgUser | undefined, senderChat: TgChat | undefined, chat: TgChat): Sender {
  if (senderChat || !from) {
    const who = senderChat ?? chat
    return { id: String(who.id), isBot: false, ...optional('username', who.username), ...optional('displayName', chatTitleOf(who)) }
  }
  return { id: String(from.id), isBot: from.is_bot, ...optional('username', from.username), ...optional('displayName', fullName(from)) }
}

function messageEvent(update: TgUpdate, m: TgMessage, kind: 'message' | 'edit', botId: string | undefined): InboundEvent {
  const sender = senderOf(m.from, m.sender_chat, m.chat)
  const chatId = String(m.chat.id)
  // message_thread_id is a forum topic only with is_topic_message; in plain supergroups it marks reply chains.
  const threadId = m.is_topic_message && m.message_thread_id !== undefined ? String(m.message_thread_id) : undefined
  const reply = m.reply_to_message
  // Every message in a topic "replies" to the topic's creation message; that is its place, not a reply.
  const isReply = reply !== undefined && !(m.is_topic_message && reply.message_id === m.message_thread_id)
  return {
    kind,
    externalRoomId: chatId,
    externalUserId: sender.id,
    externalMessageId: messageKey(chatId, m.message_id),
    ...(threadId === undefined ? {} : { externalThreadId: threadId }),
    ...(isReply ? { externalReplyToId: messageKey(chatId, reply.message_id) } : {}),
    text: m.text ?? m.caption ?? '',
    media: mediaOf(m),
    chatType: chatTypeOf(m.chat),
    ...optional('chatTitle', chatTitleOf(m.chat)),
    ...optional('username', sender.username),
    ...optional('displayName', sender.displayName),
    isSelf: botId !== undefined && sender.id === botId,
    isBot: sender.isBot,
    timestamp: isoFromUnix(kind === 'edit' ? m.edit_date ?? m.date : m.date),
    raw: update,
  }
}

function reactionEvents(update: TgUpdate, r: TgMessageReaction, botId: string | undefined): InboundEvent[] {
  const sender = senderOf(r.user, r.actor_chat, r.chat)
  const before = r.old_reaction.map(reactionKey)
  const after = r.new_reaction.map(reactionKey)
  const changes = [
    ...before.filter((k) => !after.includes(k)).map((emoji) => ({ emoji, added: false })),
    ...after.filter((k) => !before.includes(k)).map((emoji) => ({ emoji, added: true })),
  ]
  const chatId = String(r.chat.id)
  return changes.map((reaction) => ({
    kind: 'reaction',
    externalRoomId: chatId,
    externalUserId: sender.id,
    externalMessageId: messageKey(chatId, r.message_id),
    text: '',
    media: [],
    chatType: chatTypeOf(r.chat),
    ...optional('chatTitle', chatTitleOf(r.chat)),
    ...optional('username', sender.username),
    ...optional('displayName', sender.displayName),
    isSelf: botId !== undefined && sender.id === botId,
    isBot: sender.isBot,
    timestamp: isoFromUnix(r.date),
    reaction,
    eventId: `update:${update.update_id}:${reaction.added ? '+' : '-'}${reaction.emoji}`,
    raw: update,
  }))
}

/** Attachments as `tg-file:<file_id>` urls; a photo is its largest size. */
function mediaOf(m: TgMessage): InboundMedia[] {
  const media: InboundMedia[] = []
  if (m.photo && m.photo.length > 0) {
    const largest = m.photo.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a))
    media.push({ type: 'image', url: fileUrl(largest.file_id), width: largest.width, height: largest.height, ...optional('size', largest.file_size) })
  }
  if (m.document) media.push({ type: 'file', ...fileFields(m.document) })
  if (m.video) media.push({ type: 'video', ...fileFields(m.video) })
  if (m.animation) media.push({ type: 'video', ...fileFields(m.animation) })
  if (m.audio) media.push({ type: 'audio', ...fileFields(m.audio) })
  if (m.voice) media.push({ type: 'audio', ...fileFields(m.voice) })
  if (m.sticker) {
    media.push({ type: 'image', url: fileUrl(m.sticker.file_id), ...optional('width', m.sticker.width), ...optional('height', m.sticker.height), ...optional('altText', m.sticker.emoji) })
  }
  // A document sent as an animation also carries `document`; keep one.
  return m.animation && m.document ? media.filter((x) => x.type !== 'file' || x.url !== fileUrl(m.animation!.file_id)) : media
}

function fileFields(file: TgFile): Omit<InboundMedia, 'type'> {
  return {
    url: fileUrl(file.file_id),
    ...optional('filename', file.file_name),
    ...optional('mediaType', file.mime_type),
    ...optional('size', file.file_size),
    ...optional('duration', file.duration),
  }
}

const fileUrl = (fileId: string): string => `${FILE_URL_PREFIX}${fileId}`

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }
}
