import { AdapterError, type ContentBlock, type OutboundMessage, type SendResult } from '@jido-messaging/core'
import type { TelegramApi } from './api.js'
import { chatIdParam, FILE_URL_PREFIX, messageKey, parseMessageKey, positiveInt, reactionType } from './format.js'
import type { TgMessage } from './types.js'

// Outbound calls. Text is sent as plain text (no parse_mode), so the 4096 limit core chunks to is
// exactly what Telegram counts. Nothing is retried here: core's delivery loop does that.

export const CAPTION_LIMIT = 1024

/** Parts of multi-call deliveries (media + text) already sent, so a retry resumes instead of repeating them. */
export class PartialSends {
  private readonly sent = new Map<string, string[]>()
  constructor(private readonly max = 1000) {}
  get(deliveryId: string): string[] {
    return this.sent.get(deliveryId) ?? []
  }
  add(deliveryId: string, externalMessageId: string): void {
    const parts = [...this.get(deliveryId), externalMessageId]
    this.sent.delete(deliveryId)
    this.sent.set(deliveryId, parts)
    if (this.sent.size > this.max) this.sent.delete(this.sent.keys().next().value!)
  }
  done(deliveryId: string): void {
    this.sent.delete(deliveryId)
  }
}

type SendCall = { method: 'sendMessage' | 'sendPhoto' | 'sendDocument'; params: Record<string, unknown> }

export async function sendMessage(api: TelegramApi, message: OutboundMessage, partials: PartialSends): Promise<SendResult> {
  const calls = planSend(api.bridgeId, message)
  const done = partials.get(message.deliveryId)
  const ids = [...done]
  for (const call of calls.slice(done.length)) {
    const sent = await api.call<TgMessage>(call.method, call.params)
    const id = messageKey(sent.chat.id, sent.message_id)
    ids.push(id)
    if (calls.length > 1) partials.add(message.deliveryId, id)
  }
  partials.done(message.deliveryId)
  return { externalMessageId: ids[0]! }
}

/** The Bot API calls of one delivery: text alone, or each media block (the text as the first caption when it fits). */
export function planSend(bridgeId: string, message: OutboundMessage): SendCall[] {
  const chat_id = chatIdParam(message.externalRoomId)
  const placement: Record<string, unknown> = {}
  const threadId = positiveInt(message.externalThreadId)
  // A thread id that is no topic id (e.g. one made by another platform) cannot be honoured; send to the chat.
  if (threadId !== undefined) placement.message_thread_id = threadId
  const reply = message.externalReplyToId === undefined ? undefined : parseMessageKey(message.externalReplyToId, message.externalRoomId)
  // A reply to a message that was deleted meanwhile still delivers the text.
  if (reply && String(reply.chatId) === String(message.externalRoomId)) {
    placement.reply_parameters = { message_id: reply.messageId, allow_sending_without_reply: true }
  }
  const media = (message.media ?? []).flatMap((block) => mediaCall(block) ?? [])
  const text = message.text
  if (media.length === 0) {
    if (text.trim() === '') throw new AdapterError(`[adapter-telegram] bridge ${bridgeId}: Telegram cannot send an empty message`, { retryable: false })
    return [{ method: 'sendMessage', params: { chat_id, text, ...placement } }]
  }
  const captioned = text.trim() !== '' && text.length <= CAPTION_LIMIT
  const calls: SendCall[] = []
  if (text.trim() !== '' && !captioned) calls.push({ method: 'sendMessage', params: { chat_id, text, ...placement } })
  media.forEach((m, i) => {
    const first = calls.length === 0 && i === 0
    const params: Record<string, unknown> = { chat_id, [m.field]: m.file, ...(captioned && i === 0 ? { caption: text } : {}), ...(first ? placement : omitReply(placement)) }
    // Uploads go as multipart, where telegraf drops object fields it does not know: send the JSON text.
    if (typeof m.file === 'object' && params.reply_parameters !== undefined) params.reply_parameters = JSON.stringify(params.reply_parameters)
    calls.push({ method: m.method, params })
  })
  return calls
}

function omitReply(placement: Record<string, unknown>): Record<string, unknown> {
  const { reply_parameters: _reply, ...rest } = placement
  return rest
}

type MediaCall = { method: 'sendPhoto' | 'sendDocument'; field: 'photo' | 'document'; file: unknown }

/** A content block as a photo or document: a Telegram file id, a URL Telegram fetches, or uploaded bytes. */
function mediaCall(block: ContentBlock): MediaCall | undefined {
  if (block.type !== 'image' && block.type !== 'file' && block.type !== 'audio' && block.type !== 'video') return undefined
  const [method, field] = block.type === 'image' ? (['sendPhoto', 'photo'] as const) : (['sendDocument', 'document'] as const)
  if (block.url !== undefined) {
    const file = block.url.startsWith(FILE_URL_PREFIX) ? block.url.slice(FILE_URL_PREFIX.length) : block.url
    return { method, field, file }
  }
  if (block.data !== undefined) {
    const filename = block.type === 'file' && block.filename ? block.filename : block.type === 'image' ? 'image.jpg' : `${block.type}.dat`
    // telegraf uploads `{ source: Buffer }` as a multipart part
    return { method, field, file: { source: Buffer.from(block.data, 'base64'), filename } }
  }
  return undefined
}

function target(api: TelegramApi, externalRoomId: string, externalMessageId: string): { chat_id: number | string; message_id: number } {
  const parsed = parseMessageKey(externalMessageId, externalRoomId)
  if (!parsed) {
    throw new AdapterError(`[adapter-telegram] bridge ${api.bridgeId}: '${externalMessageId}' is not a Telegram message id ("<chat id>:<message id>")`, { retryable: false })
  }
  return { chat_id: chatIdParam(parsed.chatId), message_id: parsed.messageId }
}

export async function editMessage(api: TelegramApi, t: { externalRoomId: string; externalMessageId: string; text: string }): Promise<void> {
  const where = target(api, t.externalRoomId, t.externalMessageId)
  try {
    await api.call('editMessageText', { ...where, text: t.text })
  } catch (error) {
    if (describes(error, 'there is no text in the message to edit')) {
      await api.call('editMessageCaption', { ...where, caption: t.text }).catch((e: unknown) => {
        if (!describes(e, 'message is not modified')) throw e
      })
      return
    }
    // An edit that already happened (a retry after a lost answer) is done.
    if (!describes(error, 'message is not modified')) throw error
  }
}

export async function deleteMessage(api: TelegramApi, t: { externalRoomId: string; externalMessageId: string }): Promise<void> {
  try {
    await api.call('deleteMessage', target(api, t.externalRoomId, t.externalMessageId))
  } catch (error) {
    // Deleting is idempotent: a message that is gone is what was asked for.
    if (!describes(error, 'message to delete not found')) throw error
  }
}

/** Bots hold at most one reaction per message: adding replaces the bot's reaction, removing clears it. */
export async function setReaction(api: TelegramApi, t: { externalRoomId: string; externalMessageId: string; emoji: string }, add: boolean): Promise<void> {
  await api.call('setMessageReaction', { ...target(api, t.externalRoomId, t.externalMessageId), reaction: add ? [reactionType(t.emoji)] : [] })
}

export async function sendTyping(api: TelegramApi, t: { externalRoomId: string; externalThreadId?: string }): Promise<void> {
  const threadId = positiveInt(t.externalThreadId)
  await api.call('sendChatAction', { chat_id: chatIdParam(t.externalRoomId), action: 'typing', ...(threadId === undefined ? {} : { message_thread_id: threadId }) })
}

function describes(error: unknown, text: string): boolean {
  return error instanceof AdapterError && error.status === 400 && error.message.includes(text)
}
