// Our own description of the Bot API objects we read: the adapter never exposes telegraf's types,
// and reading only these fields keeps the parsing honest about what it depends on.

/** `createTelegramAdapter(config)`: defaults shared by every Telegram bridge of one Messaging instance. */
export interface TelegramAdapterConfig {
  /** Bot API base used when a bridge sets no `options.apiRoot` (default `https://api.telegram.org`). */
  apiRoot?: string
  /** How long one getUpdates long poll waits for updates, in seconds (default 30). */
  pollTimeoutSeconds?: number
  /** Updates fetched per getUpdates (1 to 100, default 100). */
  pollLimit?: number
  /** Timeout of one Bot API call other than the long poll, in milliseconds (default 30000). */
  requestTimeoutMs?: number
}

/** The bridge options this adapter reads (`BridgeConfig.options`). */
export interface TelegramBridgeOptions {
  apiRoot?: string
  ingress?: { mode?: 'webhook' | 'polling' }
  /** Accept webhooks without `X-Telegram-Bot-Api-Secret-Token` when the bridge has no `webhookSecret` (default false). */
  allowUnsignedWebhooks?: boolean
}

export interface TgUser {
  id: number
  is_bot: boolean
  first_name: string
  last_name?: string
  username?: string
}

export interface TgChat {
  id: number
  type: 'private' | 'group' | 'supergroup' | 'channel'
  title?: string
  username?: string
  first_name?: string
  last_name?: string
  is_forum?: boolean
}

export interface TgPhotoSize {
  file_id: string
  width: number
  height: number
  file_size?: number
}

export interface TgFile {
  file_id: string
  file_name?: string
  mime_type?: string
  file_size?: number
  duration?: number
  width?: number
  height?: number
}

export type TgReactionType = { type: 'emoji'; emoji: string } | { type: 'custom_emoji'; custom_emoji_id: string } | { type: 'paid' }

export interface TgMessage {
  message_id: number
  message_thread_id?: number
  from?: TgUser
  sender_chat?: TgChat
  date: number
  edit_date?: number
  chat: TgChat
  is_topic_message?: boolean
  reply_to_message?: TgMessage
  text?: string
  caption?: string
  photo?: TgPhotoSize[]
  document?: TgFile
  video?: TgFile
  animation?: TgFile
  audio?: TgFile
  voice?: TgFile
  sticker?: TgFile & { emoji?: string }
}

export interface TgMessageReaction {
  chat: TgChat
  message_id: number
  user?: TgUser
  actor_chat?: TgChat
  date: number
  old_reaction: TgReactionType[]
  new_reaction: TgReactionType[]
}

export interface TgUpdate {
  update_id: number
  message?: TgMessage
  edited_message?: TgMessage
  channel_post?: TgMessage
  edited_channel_post?: TgMessage
  message_reaction?: TgMessageReaction
}

export interface TgWebhookInfo {
  url: string
  pending_update_count: number
  allowed_updates?: string[]
  last_error_date?: number
  last_error_message?: string
}

/** The update types the adapter asks for (message_reaction is only sent to bots that list it). */
export const ALLOWED_UPDATES = ['message', 'edited_message', 'channel_post', 'edited_channel_post', 'message_reaction'] as const
