import { TelegramFiles } from './files.js'
import { badRequest, type TgChat, type TgMessage, type TgReactionType, type TgUpdate, type TgUser } from './types.js'

// The platform's memory: chats with their messages (ids per chat, like Telegram), forum topics,
// reactions, and the queue of updates waiting for getUpdates.

export interface FakeMessageRecord {
  /** The message as it is now (text after edits). */
  message: TgMessage
  /** Sent through the API by the fake's bot (only these may be edited). */
  byBot: boolean
  deleted: boolean
  parseMode?: string
  /** The bot's current reactions (emoji, or `custom:<id>`). */
  botReactions: string[]
  /** Other users' reactions by user or chat id. */
  userReactions: Map<number, string[]>
}

export interface FakeChat {
  chat: TgChat
  messages: Map<number, FakeMessageRecord>
  /** Forum topics: thread id -> name. */
  topics: Map<number, string>
  nextMessageId: number
}

export interface PhotoSpec {
  fileId?: string
  width?: number
  height?: number
  fileSize?: number
}

export interface DocumentSpec {
  fileId?: string
  fileName?: string
  mimeType?: string
  fileSize?: number
}

/** A message someone (a user, another bot, the fake's own bot, a channel) posts into a chat. */
export interface MessageSpec {
  chat: TgChat
  /** The sender; omit in channels (the post is signed by the channel as `sender_chat`). */
  from?: TgUser
  /** Sent on behalf of a chat (anonymous admins, linked channels). */
  senderChat?: TgChat
  text?: string
  caption?: string
  /** A forum topic id: the message gets `message_thread_id` and `is_topic_message`. */
  threadId?: number
  /** The message_id this one replies to (in the same chat). */
  replyTo?: number
  photo?: PhotoSpec | true
  document?: DocumentSpec
  /** Force a message id (default: the chat's next one). */
  messageId?: number
  /** Unix seconds (default now). */
  date?: number
}

export interface ReactionSpec {
  chat: TgChat
  messageId: number
  user?: TgUser
  actorChat?: TgChat
  /** The user's reactions after the change (emoji strings or `custom:<id>`). */
  reactions: string[]
  date?: number
}

export const reactionKey = (r: TgReactionType): string =>
  r.type === 'emoji' ? r.emoji : r.type === 'custom_emoji' ? `custom:${r.custom_emoji_id}` : 'paid'

export const reactionType = (key: string): TgReactionType =>
  key.startsWith('custom:') ? { type: 'custom_emoji', custom_emoji_id: key.slice(7) } : key === 'paid' ? { type: 'paid' } : { type: 'emoji', emoji: key }

const nowSeconds = (): number => Math.floor(Date.now() / 1000)
const copy = <T>(value: T): T => structuredClone(value)

export class TelegramState {
  readonly chats = new Map<number, FakeChat>()
  /** Files the platform hosts (getFile and the download route). */
  readonly files = new TelegramFiles()
  private readonly queue: TgUpdate[] = []
  private readonly waiters = new Set<() => void>()
  private nextUpdateId = 700_000
  private nextFile = 1

  constructor(readonly bot: TgUser) {}

  addChat(chat: TgChat, topics: Record<number, string> = {}): FakeChat {
    let state = this.chats.get(chat.id)
    if (!state) {
      state = { chat: copy(chat), messages: new Map(), topics: new Map(), nextMessageId: 1 }
      this.chats.set(chat.id, state)
    }
    for (const [id, name] of Object.entries(topics)) this.createTopic(chat.id, name, Number(id))
    return state
  }

  /** Looks a chat up by id or `@username`; unknown chats are a 400 like the real API. */
  requireChat(chatId: unknown): FakeChat {
    if (typeof chatId === 'string' && chatId.startsWith('@')) {
      for (const state of this.chats.values()) if (state.chat.username === chatId.slice(1)) return state
      throw badRequest('chat not found')
    }
    const id = typeof chatId === 'number' ? chatId : typeof chatId === 'string' && /^-?\d+$/.test(chatId) ? Number(chatId) : undefined
    if (id === undefined) throw badRequest('chat_id is empty')
    const state = this.chats.get(id)
    if (!state) throw badRequest('chat not found')
    return state
  }

  /** Opens a forum topic: a service message whose id becomes the topic's `message_thread_id`. */
  createTopic(chatId: number, name: string, threadId?: number): number {
    const state = this.requireChat(chatId)
    if (!state.chat.is_forum) throw badRequest('the chat is not a forum')
    const id = threadId ?? state.nextMessageId
    if (state.topics.has(id)) return id
    state.topics.set(id, name)
    const message: TgMessage = {
      message_id: id, message_thread_id: id, date: nowSeconds(), chat: copy(state.chat), is_topic_message: true,
      from: this.bot, forum_topic_created: { name, icon_color: 7322096 },
    }
    this.store(state, message, false)
    return id
  }

  /** Records a message in its chat; `byBot` marks messages the bot sent through the API. */
  post(spec: MessageSpec, byBot = false, parseMode?: string): TgMessage {
    const state = this.addChat(spec.chat)
    const chat = copy(state.chat)
    const message: TgMessage = { message_id: spec.messageId ?? state.nextMessageId, date: spec.date ?? nowSeconds(), chat }
    if (spec.from) message.from = copy(spec.from)
    if (spec.senderChat) message.sender_chat = copy(spec.senderChat)
    else if (chat.type === 'channel') message.sender_chat = copy(chat)
    const target = spec.replyTo === undefined ? undefined : state.messages.get(spec.replyTo)
    if (spec.replyTo !== undefined && (!target || target.deleted)) throw badRequest('message to be replied not found')
    let threadId = spec.threadId
    // A reply inside a topic stays in that topic, as in Telegram clients.
    if (threadId === undefined && target?.message.is_topic_message) threadId = target.message.message_thread_id
    if (threadId !== undefined && chat.is_forum) {
      if (!state.topics.has(threadId)) throw badRequest('message thread not found')
      message.message_thread_id = threadId
      message.is_topic_message = true
    } else if (target && chat.type === 'supergroup') {
      // In plain supergroups replies carry message_thread_id (the reply chain's root) WITHOUT is_topic_message.
      message.message_thread_id = target.message.message_thread_id ?? target.message.message_id
    }
    const replied = target ?? (message.is_topic_message ? state.messages.get(message.message_thread_id!) : undefined)
    if (replied) {
      const { reply_to_message: _nested, ...shallow } = copy(replied.message)
      message.reply_to_message = shallow
    }
    if (spec.text !== undefined) message.text = spec.text
    if (spec.caption !== undefined) message.caption = spec.caption
    if (spec.photo) {
      const p = spec.photo === true ? {} : spec.photo
      const fileId = p.fileId ?? this.fileId('AgAC')
      const width = p.width ?? 1280
      const height = p.height ?? 960
      message.photo = [
        { file_id: `${fileId}-thumb`, file_unique_id: `${fileId}-u-s`, width: Math.round(width / 16), height: Math.round(height / 16), file_size: 1200 },
        { file_id: `${fileId}-mid`, file_unique_id: `${fileId}-u-m`, width: Math.round(width / 4), height: Math.round(height / 4), file_size: 18_000 },
        { file_id: fileId, file_unique_id: `${fileId}-u`, width, height, file_size: p.fileSize ?? 154_321 },
      ]
    }
    if (spec.document) {
      const d = spec.document
      const fileId = d.fileId ?? this.fileId('BQAC')
      message.document = { file_id: fileId, file_unique_id: `${fileId}-u`, file_name: d.fileName ?? 'file.dat', mime_type: d.mimeType ?? 'application/octet-stream', file_size: d.fileSize ?? 1024 }
    }
    this.store(state, message, byBot, parseMode)
    return copy(message)
  }

  private store(state: FakeChat, message: TgMessage, byBot: boolean, parseMode?: string): void {
    if (state.messages.has(message.message_id)) throw new Error(`[testing] telegram fake: message ${message.message_id} already exists in chat ${state.chat.id}`)
    state.messages.set(message.message_id, { message, byBot, deleted: false, botReactions: [], userReactions: new Map(), ...(parseMode ? { parseMode } : {}) })
    state.nextMessageId = Math.max(state.nextMessageId, message.message_id + 1)
  }

  /** The live (not deleted) record of a message, or undefined. */
  find(chatId: number, messageId: number): FakeMessageRecord | undefined {
    const record = this.chats.get(chatId)?.messages.get(messageId)
    return record && !record.deleted ? record : undefined
  }

  fileId(prefix: string): string {
    return `${prefix}-fake-file-${this.nextFile++}`
  }

  // --- updates ---------------------------------------------------------------------------------------

  /** A new message (or channel post) from someone, recorded in the chat, as an update. */
  messageUpdate(spec: MessageSpec): TgUpdate {
    const message = this.post(spec, spec.from?.id === this.bot.id)
    return this.update(message.chat.type === 'channel' ? { channel_post: message } : { message })
  }

  /** Someone edits a message they sent: the chat's copy changes and an edited_message update results. */
  editUpdate(chatId: number, messageId: number, text: string, date?: number): TgUpdate {
    const record = this.find(chatId, messageId)
    if (!record) throw new Error(`[testing] telegram fake: no message ${messageId} in chat ${chatId}`)
    const m = record.message
    if (m.text !== undefined) m.text = text
    else m.caption = text
    m.edit_date = date ?? nowSeconds()
    return this.update(m.chat.type === 'channel' ? { edited_channel_post: copy(m) } : { edited_message: copy(m) })
  }

  /** A user's reactions on a message change to `reactions`: a message_reaction update with old and new. */
  reactionUpdate(spec: ReactionSpec): TgUpdate {
    const record = this.find(spec.chat.id, spec.messageId)
    if (!record) throw new Error(`[testing] telegram fake: no message ${spec.messageId} in chat ${spec.chat.id}`)
    const actor = spec.user?.id ?? spec.actorChat?.id
    if (actor === undefined) throw new Error('[testing] telegram fake: a reaction needs user or actorChat')
    const old = record.userReactions.get(actor) ?? []
    record.userReactions.set(actor, [...spec.reactions])
    return this.update({
      message_reaction: {
        chat: copy(record.message.chat),
        message_id: spec.messageId,
        ...(spec.user ? { user: copy(spec.user) } : {}),
        ...(spec.actorChat ? { actor_chat: copy(spec.actorChat) } : {}),
        date: spec.date ?? nowSeconds(),
        old_reaction: old.map(reactionType),
        new_reaction: spec.reactions.map(reactionType),
      },
    })
  }

  private update(body: Omit<TgUpdate, 'update_id'>): TgUpdate {
    return { update_id: this.nextUpdateId++, ...body }
  }

  /** Queues updates for getUpdates and wakes a waiting long poll. */
  enqueue(...updates: TgUpdate[]): void {
    this.queue.push(...updates.map(copy))
    this.queue.sort((a, b) => a.update_id - b.update_id)
    for (const wake of [...this.waiters]) wake()
  }

  /**
   * Forgets every update below `offset` (how getUpdates confirms) and every update `allowed` refuses
   * (Telegram never creates those), then returns up to `limit` from there.
   */
  take(offset: number | undefined, limit: number, allowed: (update: TgUpdate) => boolean = () => true): TgUpdate[] {
    if (offset !== undefined && offset > 0) {
      while (this.queue.length > 0 && this.queue[0]!.update_id < offset) this.queue.shift()
    }
    for (let i = this.queue.length - 1; i >= 0; i--) if (!allowed(this.queue[i]!)) this.queue.splice(i, 1)
    return this.queue.slice(0, limit).map(copy)
  }

  /** Updates queued and not yet confirmed. */
  pending(): TgUpdate[] {
    return this.queue.map(copy)
  }

  dropPending(): void {
    this.queue.length = 0
  }

  /** Long polls waiting for an update (a test waits for one to be held rather than sleeping). */
  get waitingPolls(): number {
    return this.waiters.size
  }

  /** Resolves when an update is queued, after `ms`, or when `signal` aborts. */
  waitForUpdate(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer)
        this.waiters.delete(done)
        signal.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.waiters.add(done)
      signal.addEventListener('abort', done, { once: true })
    })
  }
}
