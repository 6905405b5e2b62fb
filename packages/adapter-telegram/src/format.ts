import type { ChatType } from '@jido-messaging/core'
import type { TgChat, TgReactionType, TgUser } from './types.js'

// Ids and names. Telegram numbers messages per chat, while the store keys a message by
// (channel, bridgeId, externalId); so every external message id is "<chat.id>:<message_id>".

/** Media urls of files Telegram hosts: `tg-file:<file_id>` (download with getFile and the bot token). */
export const FILE_URL_PREFIX = 'tg-file:'

export function messageKey(chatId: number | string, messageId: number | string): string {
  return `${chatId}:${messageId}`
}

/**
 * Splits "<chat.id>:<message_id>" (chat ids may be negative, so the last colon separates). A bare
 * message id is read in `fallbackChatId`. Undefined when the id is not a Telegram message id.
 */
export function parseMessageKey(externalMessageId: string, fallbackChatId?: string): { chatId: string; messageId: number } | undefined {
  const at = externalMessageId.lastIndexOf(':')
  const chatId = at < 0 ? fallbackChatId : externalMessageId.slice(0, at)
  const messageId = externalMessageId.slice(at + 1)
  if (chatId === undefined || !/^-?\d+$|^@\w+$/.test(chatId) || !/^\d+$/.test(messageId)) return undefined
  const id = Number(messageId)
  return Number.isSafeInteger(id) && id > 0 ? { chatId, messageId: id } : undefined
}

/** chat_id as the Bot API takes it: a number for numeric ids, `@username` as is. */
export function chatIdParam(externalRoomId: string): number | string {
  return /^-?\d+$/.test(externalRoomId) ? Number(externalRoomId) : externalRoomId
}

/** A positive integer thread or message id from its string form, else undefined. */
export function positiveInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined
  const n = Number(value)
  return Number.isSafeInteger(n) && n > 0 ? n : undefined
}

export const chatTypeOf = (chat: TgChat): ChatType => (chat.type === 'private' ? 'direct' : chat.type === 'channel' ? 'channel' : 'group')

export function fullName(who: Pick<TgUser, 'first_name' | 'last_name'> | Pick<TgChat, 'first_name' | 'last_name'>): string | undefined {
  const name = [who.first_name, who.last_name].filter((p): p is string => typeof p === 'string' && p !== '').join(' ')
  return name === '' ? undefined : name
}

/** A chat's title; private chats are named after the person. */
export function chatTitleOf(chat: TgChat): string | undefined {
  return chat.title ?? fullName(chat)
}

export function isoFromUnix(seconds: number): string {
  return new Date(seconds * 1000).toISOString()
}

/** A reaction as one string: the emoji itself, `custom:<custom_emoji_id>`, or `paid`. */
export function reactionKey(reaction: TgReactionType): string {
  return reaction.type === 'emoji' ? reaction.emoji : reaction.type === 'custom_emoji' ? `custom:${reaction.custom_emoji_id}` : 'paid'
}

export function reactionType(key: string): TgReactionType {
  return key.startsWith('custom:') ? { type: 'custom_emoji', custom_emoji_id: key.slice('custom:'.length) } : { type: 'emoji', emoji: key }
}

/** The bot's user id is the numeric prefix of its token (`<bot id>:<secret>`). */
export function botIdFromToken(token: string | undefined): string | undefined {
  return token === undefined ? undefined : /^(\d+):/.exec(token)?.[1]
}
