// The slice of the Telegram Bot API wire format the fake speaks, written out by hand: the fakes must
// not import the SDK the adapter uses, so a mistake in one cannot hide in both places.

export interface TgUser {
  id: number
  is_bot: boolean
  first_name: string
  last_name?: string
  username?: string
  language_code?: string
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
  file_unique_id: string
  width: number
  height: number
  file_size?: number
}

export interface TgDocument {
  file_id: string
  file_unique_id: string
  file_name?: string
  mime_type?: string
  file_size?: number
}

export type TgReactionType =
  | { type: 'emoji'; emoji: string }
  | { type: 'custom_emoji'; custom_emoji_id: string }
  | { type: 'paid' }

export interface TgMessage {
  message_id: number
  message_thread_id?: number
  from?: TgUser
  sender_chat?: TgChat
  date: number
  chat: TgChat
  is_topic_message?: boolean
  reply_to_message?: TgMessage
  edit_date?: number
  text?: string
  caption?: string
  photo?: TgPhotoSize[]
  document?: TgDocument
  forum_topic_created?: { name: string; icon_color: number }
}

export interface TgMessageReactionUpdated {
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
  message_reaction?: TgMessageReactionUpdated
  my_chat_member?: Record<string, unknown>
  callback_query?: Record<string, unknown>
}

export interface TgWebhookInfo {
  url: string
  has_custom_certificate: boolean
  pending_update_count: number
  allowed_updates?: string[]
  last_error_date?: number
  last_error_message?: string
}

/** A Bot API failure: `{ok: false, error_code, description, parameters?}` with the same HTTP status. */
export class TgApiError extends Error {
  constructor(
    readonly errorCode: number,
    readonly description: string,
    readonly parameters?: { retry_after?: number; migrate_to_chat_id?: number },
  ) {
    super(`${errorCode}: ${description}`)
    this.name = 'TgApiError'
  }

  body(): Record<string, unknown> {
    return { ok: false, error_code: this.errorCode, description: this.description, ...(this.parameters ? { parameters: this.parameters } : {}) }
  }
}

export const badRequest = (what: string): TgApiError => new TgApiError(400, `Bad Request: ${what}`)
