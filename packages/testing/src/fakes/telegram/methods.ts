import { boolParam, intParam, objectParam, stringParam, type UploadedFile } from './body.js'
import { reactionKey, type FakeChat, type MessageSpec, type TelegramState } from './state.js'
import { badRequest, TgApiError, type TgMessage, type TgReactionType, type TgWebhookInfo } from './types.js'

// The Bot API methods the fake implements, over TelegramState. Errors are the real API's wording for
// the same mistakes, so an adapter that sends something the platform would refuse fails here too.

export const TEXT_LIMIT = 4096
export const CAPTION_LIMIT = 1024
const CHAT_ACTIONS = new Set(['typing', 'upload_photo', 'record_video', 'upload_video', 'record_voice', 'upload_voice', 'upload_document', 'choose_sticker', 'find_location', 'record_video_note', 'upload_video_note'])
const PARSE_MODES = new Set(['HTML', 'Markdown', 'MarkdownV2'])
const SECRET_TOKEN = /^[A-Za-z0-9_-]{1,256}$/

export interface WebhookState {
  url: string
  secretToken?: string
  allowedUpdates?: string[]
  maxConnections?: number
}

/** What a call changed beyond its result, for AdapterFake operations (a reaction call replaces the bot's reactions). */
export interface CallEffects {
  reactionsAdded?: string[]
  reactionsRemoved?: string[]
}

export interface MethodInput {
  state: TelegramState
  params: Record<string, unknown>
  files: Record<string, UploadedFile>
  webhook: { current: WebhookState | null }
}

export type MethodResult = { result: unknown; effects?: CallEffects }
type Method = (input: MethodInput) => MethodResult

/** The text as Telegram counts it: after the parse mode's markup is removed. */
export function visibleText(text: string, parseMode: string | undefined): string {
  if (parseMode === 'HTML') {
    return text.replace(/<[^>]*>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&')
  }
  if (parseMode === 'MarkdownV2') return text.replace(/\\([\s\S])|[*_~|`]/g, (_m, escaped: string | undefined) => escaped ?? '')
  if (parseMode === 'Markdown') return text.replace(/[*_`]/g, '')
  return text
}

function parseMode(params: Record<string, unknown>): string | undefined {
  const mode = stringParam(params, 'parse_mode')
  if (mode === undefined || mode === '') return undefined
  if (!PARSE_MODES.has(mode)) throw badRequest(`unsupported parse_mode ${mode}`)
  return mode
}

function messageId(params: Record<string, unknown>): number {
  const id = intParam(params, 'message_id')
  if (id === undefined) throw badRequest('message_id is empty')
  return id
}

/** message_thread_id and the reply target of a send, as the Bot API reads them (reply_parameters or the legacy fields). */
function placement(chat: FakeChat, params: Record<string, unknown>): Pick<MessageSpec, 'threadId' | 'replyTo'> {
  const out: Pick<MessageSpec, 'threadId' | 'replyTo'> = {}
  const threadId = intParam(params, 'message_thread_id')
  // Outside forums the Bot API ignores message_thread_id for sending.
  if (threadId !== undefined && chat.chat.is_forum) {
    if (!chat.topics.has(threadId)) throw badRequest('message thread not found')
    out.threadId = threadId
  }
  const reply = objectParam(params, 'reply_parameters')
  const replyId = reply ? intParam(reply, 'message_id') : intParam(params, 'reply_to_message_id')
  if (replyId === undefined) return out
  if (reply?.chat_id !== undefined && String(reply.chat_id) !== String(chat.chat.id)) throw badRequest('cross-chat replies are not supported by this fake')
  const allowWithout = reply ? boolParam(reply, 'allow_sending_without_reply') : boolParam(params, 'allow_sending_without_reply')
  const target = chat.messages.get(replyId)
  if (target && !target.deleted) out.replyTo = replyId
  else if (!allowWithout) throw badRequest('message to be replied not found')
  return out
}

function sender(state: TelegramState, chat: FakeChat): Pick<MessageSpec, 'from' | 'senderChat'> {
  return chat.chat.type === 'channel' ? { senderChat: chat.chat } : { from: state.bot }
}

const sendMessage: Method = ({ state, params }) => {
  const chat = state.requireChat(params.chat_id)
  const text = stringParam(params, 'text') ?? ''
  const mode = parseMode(params)
  const visible = visibleText(text, mode)
  if (visible.trim() === '') throw badRequest('message text is empty')
  if (visible.length > TEXT_LIMIT) throw badRequest('message is too long')
  const message = state.post({ chat: chat.chat, ...sender(state, chat), text: visible, ...placement(chat, params) }, true, mode)
  return { result: message }
}

function sendMedia(kind: 'photo' | 'document'): Method {
  return ({ state, params, files }) => {
    const chat = state.requireChat(params.chat_id)
    const source = params[kind]
    if (source === undefined || source === '') throw badRequest(`there is no ${kind} in the request`)
    const caption = stringParam(params, 'caption')
    const mode = parseMode(params)
    const visible = caption === undefined ? undefined : visibleText(caption, mode)
    if (visible !== undefined && visible.length > CAPTION_LIMIT) throw badRequest('message caption is too long')
    const upload = files[kind]
    const given = typeof source === 'string' && !source.startsWith('attach://') ? source : undefined
    // A file_id is reused as is; a URL or an upload becomes a new file, as Telegram stores it.
    const fileId = given !== undefined && !/^https?:\/\//.test(given) ? given : state.fileId(kind === 'photo' ? 'AgAC' : 'BQAC')
    const spec: MessageSpec = { chat: chat.chat, ...sender(state, chat), ...placement(chat, params), ...(visible === undefined ? {} : { caption: visible }) }
    if (kind === 'photo') spec.photo = { fileId, ...(upload ? { fileSize: upload.size } : {}) }
    else {
      const fileName = upload?.filename ?? (given && /^https?:\/\//.test(given) ? decodeURIComponent(new URL(given).pathname.split('/').pop() || 'file') : undefined)
      spec.document = { fileId, ...(fileName ? { fileName } : {}), ...(upload ? { fileSize: upload.size, mimeType: upload.contentType } : {}) }
    }
    return { result: state.post(spec, true, mode) }
  }
}

function editable(state: TelegramState, params: Record<string, unknown>, notFound: string): { chat: FakeChat; message: TgMessage } {
  if (params.inline_message_id !== undefined) throw badRequest('inline messages are not supported by this fake')
  const chat = state.requireChat(params.chat_id)
  const record = state.find(chat.chat.id, messageId(params))
  if (!record) throw badRequest(notFound)
  if (!record.byBot) throw badRequest("message can't be edited")
  return { chat, message: record.message }
}

const NOT_MODIFIED = 'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message'

const editMessageText: Method = ({ state, params }) => {
  const { message } = editable(state, params, 'message to edit not found')
  const text = visibleText(stringParam(params, 'text') ?? '', parseMode(params))
  if (text.trim() === '') throw badRequest('message text is empty')
  if (text.length > TEXT_LIMIT) throw badRequest('message is too long')
  if (message.text === undefined) throw badRequest('there is no text in the message to edit')
  if (message.text === text) throw badRequest(NOT_MODIFIED)
  message.text = text
  message.edit_date = Math.floor(Date.now() / 1000)
  return { result: structuredClone(message) }
}

const editMessageCaption: Method = ({ state, params }) => {
  const { message } = editable(state, params, 'message to edit not found')
  const caption = visibleText(stringParam(params, 'caption') ?? '', parseMode(params))
  if (caption.length > CAPTION_LIMIT) throw badRequest('message caption is too long')
  if (message.text !== undefined) throw badRequest('there is no caption in the message to edit')
  if ((message.caption ?? '') === caption) throw badRequest(NOT_MODIFIED)
  message.caption = caption
  message.edit_date = Math.floor(Date.now() / 1000)
  return { result: structuredClone(message) }
}

const deleteMessage: Method = ({ state, params }) => {
  const chat = state.requireChat(params.chat_id)
  const record = state.find(chat.chat.id, messageId(params))
  if (!record) throw badRequest('message to delete not found')
  record.deleted = true
  return { result: true }
}

const setMessageReaction: Method = ({ state, params }) => {
  const chat = state.requireChat(params.chat_id)
  const record = state.find(chat.chat.id, messageId(params))
  if (!record) throw badRequest('MESSAGE_ID_INVALID')
  let raw: unknown = params.reaction ?? []
  if (typeof raw === 'string') raw = JSON.parse(raw) as unknown
  if (!Array.isArray(raw)) throw badRequest("can't parse reaction types JSON object")
  const keys = (raw as TgReactionType[]).map((r) => {
    if (r?.type === 'emoji' && typeof r.emoji === 'string' && r.emoji !== '') return reactionKey(r)
    if (r?.type === 'custom_emoji' && typeof r.custom_emoji_id === 'string') return reactionKey(r)
    throw badRequest('REACTION_INVALID')
  })
  // Bots (like non-premium users) may set one reaction per message.
  if (keys.length > 1) throw badRequest('REACTIONS_TOO_MANY')
  const before = record.botReactions
  record.botReactions = keys
  return {
    result: true,
    effects: { reactionsAdded: keys.filter((k) => !before.includes(k)), reactionsRemoved: before.filter((k) => !keys.includes(k)) },
  }
}

const sendChatAction: Method = ({ state, params }) => {
  const chat = state.requireChat(params.chat_id)
  const action = stringParam(params, 'action')
  if (!action || !CHAT_ACTIONS.has(action)) throw badRequest('wrong parameter action in request')
  const threadId = intParam(params, 'message_thread_id')
  if (threadId !== undefined && chat.chat.is_forum && !chat.topics.has(threadId)) throw badRequest('message thread not found')
  return { result: true }
}

const setWebhook: Method = ({ state, params, webhook }) => {
  const url = stringParam(params, 'url') ?? ''
  if (url === '') {
    webhook.current = null
    return { result: true }
  }
  if (!/^https:\/\//i.test(url) || !URL.canParse(url)) throw badRequest('bad webhook: An HTTPS URL must be provided for webhook')
  const secret = stringParam(params, 'secret_token')
  if (secret !== undefined && !SECRET_TOKEN.test(secret)) throw badRequest('secret token contains unallowed characters')
  const allowed = params.allowed_updates
  if (allowed !== undefined && !(Array.isArray(allowed) && allowed.every((u) => typeof u === 'string'))) throw badRequest("can't parse allowed updates")
  if (boolParam(params, 'drop_pending_updates')) state.dropPending()
  const maxConnections = intParam(params, 'max_connections')
  webhook.current = {
    url,
    ...(secret === undefined ? {} : { secretToken: secret }),
    ...(allowed === undefined ? {} : { allowedUpdates: allowed as string[] }),
    ...(maxConnections === undefined ? {} : { maxConnections }),
  }
  return { result: true }
}

const getWebhookInfo: Method = ({ state, webhook }) => {
  const info: TgWebhookInfo = { url: webhook.current?.url ?? '', has_custom_certificate: false, pending_update_count: state.pending().length }
  // The real API never returns the secret token.
  if (webhook.current?.allowedUpdates) info.allowed_updates = webhook.current.allowedUpdates
  return { result: info }
}

const deleteWebhook: Method = ({ state, params, webhook }) => {
  webhook.current = null
  if (boolParam(params, 'drop_pending_updates')) state.dropPending()
  return { result: true }
}

const getMe: Method = ({ state }) => ({
  result: { ...state.bot, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false },
})

export const METHODS: Readonly<Record<string, Method>> = {
  getMe,
  getFile: ({ state, params }) => ({ result: state.files.getFile(params) }),
  sendMessage,
  sendPhoto: sendMedia('photo'),
  sendDocument: sendMedia('document'),
  editMessageText,
  editMessageCaption,
  deleteMessage,
  setMessageReaction,
  sendChatAction,
  setWebhook,
  getWebhookInfo,
  deleteWebhook,
}

export const notFound = (): TgApiError => new TgApiError(404, 'Not Found')
