import { isDeepStrictEqual } from 'node:util'
import { z } from 'zod'
import type { Signal } from '../contracts/signal-bus.js'
import type { MessageKey, UpdateResult } from '../contracts/store.js'
import { InvalidCursorError, MessagingError, NotFoundError, ValidationError } from '../errors.js'
import { newId, nowIso } from '../ids.js'
import {
  ContentBlockSchema,
  type ContentBlock,
  ListMessagesOptionsSchema,
  MessageInputSchema,
  MessageRecordSchema,
  type ListMessagesOptions,
  type Message,
  type MessageInput,
  type MessagePage,
} from '../model.js'
import { SignalTypes } from '../signals/types.js'
import { parse, requireId } from '../validate.js'
import { emit, journal, signalContext, type CommandOptions, type Context, type Emittable } from './context.js'
import type { CommitMessageResult } from '../contracts/runtime-store.js'
import type { LeaseFence } from '../contracts/leases.js'

const TimelineOptionsSchema = z.strictObject({
  limit: z.number().int().min(1).max(1000).default(50),
  before: z.string().min(1).optional(),
  after: z.string().min(1).optional(),
  /** Newest replies returned per thread. */
  repliesLimit: z.number().int().min(0).max(1000).default(50),
})
export type RoomTimelineOptions = z.input<typeof TimelineOptionsSchema>

export interface RoomTimeline {
  /** Top-level messages (not replies), ascending. */
  timeline: Message[]
  /** Replies of each thread whose root is in `timeline`, keyed by root message id, ascending. */
  threads: Record<string, Message[]>
  /** Total replies per thread root in `timeline`. */
  replyCounts: Record<string, number>
  hasMoreBefore: boolean
  hasMoreAfter: boolean
}

export interface PostMessageResult {
  message: Message
  signals: Signal[]
}

/** Internal options of a post made by an agent runner (see `postWithPreviews`). */
export interface PostExtras {
  /** Platform messages already showing the message (a streamed reply), by conversation key. */
  previews?: Record<string, string>
  /** The lease term of the runner posting it: the commit is refused once superseded. */
  fence?: LeaseFence
  /**
   * Makes the post idempotent: a second post with this key (a runner that took over and handled the
   * message again) stores nothing and resolves the first post's message, with no signals.
   */
  dedupeKey?: string
}

const REPLY_DEDUPE_WINDOW_MS = 86_400_000

function makeMessage(input: z.output<typeof MessageInputSchema>): Message {
  const now = nowIso()
  // A copy by assignment: rest/spread of the parsed input costs ten times as much (about 5 µs a message).
  const message = {} as Record<string, unknown>
  const fields = input as Record<string, unknown>
  for (const key in fields) if (key !== 'id' && key !== 'insertedAt' && key !== 'updatedAt') message[key] = fields[key]
  message['id'] = input.id ?? newId('message')
  message['reactions'] = isEmpty(input.reactions) ? {} : normalizeReactions(input.reactions)
  message['insertedAt'] = input.insertedAt ?? now
  message['updatedAt'] = input.updatedAt ?? input.insertedAt ?? now
  return message as unknown as Message
}

function isEmpty(record: Record<string, unknown>): boolean {
  for (const _ in record) return false
  return true
}

/** Reaction lists sorted and unique; empty lists removed. */
export function normalizeReactions(reactions: Record<string, string[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const [reaction, ids] of Object.entries(reactions)) {
    const unique = [...new Set(ids)].sort()
    if (unique.length > 0) out[reaction] = unique
  }
  return out
}

export function messagesApi(ctx: Context) {
  const { store } = ctx

  async function checkThread(message: Message): Promise<void> {
    if (message.replyToId !== undefined) {
      const replyTo = await store.getMessage(message.replyToId)
      if (!replyTo || replyTo.roomId !== message.roomId) {
        throw new NotFoundError(`message ${message.replyToId} (replyToId) not found in room ${message.roomId}`, { replyToId: message.replyToId, roomId: message.roomId })
      }
    }
    if (message.threadId === undefined) return
    const thread = await store.getThread(message.threadId)
    if (!thread || thread.roomId !== message.roomId) {
      throw new NotFoundError(`thread ${message.threadId} not found in room ${message.roomId}`, {
        threadId: message.threadId,
        roomId: message.roomId,
      })
    }
  }

  async function cursorKey(roomId: string, messageId: string, which: 'before' | 'after'): Promise<MessageKey> {
    const cursor = await store.getMessage(messageId)
    if (!cursor || cursor.roomId !== roomId) {
      throw new InvalidCursorError(`${which}: message ${messageId} is not in room ${roomId}`, { [which]: messageId })
    }
    return { insertedAt: cursor.insertedAt, id: cursor.id }
  }

  return {
    /** Persists a message (low-level: no signal). NOT_FOUND for an unknown room or thread. */
    async saveMessage(attrs: MessageInput): Promise<Message> {
      const message = makeMessage(parse(MessageInputSchema, attrs, 'message'))
      await checkThread(message)
      return store.insertMessage(message)
    },

    /** Saves a whole message record (insert or replace by id), e.g. for imports and updates. */
    async saveMessageRecord(record: MessageInput & { id: string; insertedAt: string }): Promise<Message> {
      const input = parse(MessageRecordSchema, record, 'message record')
      const message = makeMessage({ ...input, updatedAt: input.updatedAt ?? nowIso() })
      await checkThread(message)
      if (!(await store.getRoom(message.roomId))) throw new NotFoundError(`room ${message.roomId} not found`, { roomId: message.roomId })
      return store.saveMessage(message)
    },

    getMessage(id: string): Promise<Message | null> {
      return store.getMessage(requireId(id, 'id'))
    },

    getMessageByExternalId(channel: string, bridgeId: string, externalId: string): Promise<Message | null> {
      return store.getMessageByExternalId(requireId(channel, 'channel'), requireId(bridgeId, 'bridgeId'), requireId(externalId, 'externalId'))
    },

    /** Sets the platform message id. CONFLICT when another message of that channel and bridge has it. */
    async updateMessageExternalId(id: string, externalId: string): Promise<Message> {
      requireId(id, 'id')
      requireId(externalId, 'externalId')
      const updatedAt = nowIso()
      const result = await store.updateMessage(id, (m) =>
        m.externalId === externalId ? undefined : { ...m, externalId, updatedAt },
      )
      if (!result) throw new NotFoundError(`message ${id} not found`, { messageId: id })
      return result.record
    },

    /** Deletes a message; idempotent, resolves whether it existed. Low-level: no signal, no platform change. */
    deleteMessage(id: string): Promise<boolean> {
      return store.deleteMessage(requireId(id, 'id'))
    },

    /**
     * Replaces a message's content and emits `message.edited` (no change, no signal). The edit reaches
     * every platform copy of the message through the outbox, after the send it refers to (SPEC 8.1).
     * NOT_FOUND for an unknown message.
     */
    async editMessage(messageId: string, content: string | ContentBlock[], options?: CommandOptions): Promise<PostMessageResult> {
      requireId(messageId, 'messageId')
      const blocks: ContentBlock[] = typeof content === 'string'
        ? [{ type: 'text', text: parse(z.string().min(1), content, 'content') }]
        : parse(z.array(ContentBlockSchema).min(1), content, 'content')
      const sc = signalContext(options)
      const now = nowIso()
      let previous: ContentBlock[] | undefined
      const j = journal<UpdateResult<Message> | null>((r) => (r?.changed
        ? [ctx.makeSignal(SignalTypes.messageEdited, r.record.roomId,
          { roomId: r.record.roomId, messageId, ...(previous === undefined ? {} : { previousContent: previous }), message: r.record }, sc)]
        : []))
      const result = await store.updateMessage(messageId, (m) => {
        // Deep equality, not JSON text: a store may hand content back with its keys in another order (jsonb).
        if (isDeepStrictEqual(m.content, blocks)) return undefined
        previous = m.content
        return { ...m, content: blocks, metadata: { ...m.metadata, editedAt: now }, updatedAt: now }
      }, j)
      if (!result) throw new NotFoundError(`message ${messageId} not found`, { messageId })
      return { message: result.record, signals: emit(ctx, j) }
    },

    /**
     * Deletes a message and emits `message.deleted` (the eventful delete; `deleteMessage` is the low-level
     * one). Every platform copy of the message is deleted through the outbox where the platform can.
     * Idempotent: a message already gone resolves `{deleted: false, signals: []}`.
     */
    async removeMessage(messageId: string, options?: CommandOptions): Promise<{ deleted: boolean; signals: Signal[] }> {
      requireId(messageId, 'messageId')
      const message = await store.getMessage(messageId)
      if (!message) return { deleted: false, signals: [] }
      const sc = signalContext(options)
      const j = journal<boolean>((deleted) => (deleted
        ? [ctx.makeSignal(SignalTypes.messageDeleted, message.roomId, { roomId: message.roomId, messageId, ...(message.threadId === undefined ? {} : { threadId: message.threadId }) }, sc)]
        : []))
      const deleted = await store.deleteMessage(messageId, j)
      return { deleted, signals: emit(ctx, j) }
    },

    /**
     * A page of a room's messages, ascending by (insertedAt, id): the newest `limit`, or the `limit`
     * immediately before or after a message. Keyset pagination; cost does not grow with room size.
     */
    async listMessages(roomId: string, options: ListMessagesOptions = {}): Promise<MessagePage> {
      requireId(roomId, 'roomId')
      const opts = parse(ListMessagesOptionsSchema, options, 'listMessages options')
      if (opts.before !== undefined && opts.after !== undefined) {
        throw new InvalidCursorError('give either before or after, not both', { before: opts.before, after: opts.after })
      }
      return store.listMessages({
        roomId,
        limit: opts.limit,
        ...(opts.threadId === undefined ? {} : { threadId: opts.threadId }),
        ...(opts.before === undefined ? {} : { before: await cursorKey(roomId, opts.before, 'before') }),
        ...(opts.after === undefined ? {} : { after: await cursorKey(roomId, opts.after, 'after') }),
      })
    },

    /**
     * Top-level messages of a room (paged like listMessages), with the replies of each thread rooted in
     * the page grouped by root message id, and each such thread's total reply count.
     */
    async roomTimeline(roomId: string, options: RoomTimelineOptions = {}): Promise<RoomTimeline> {
      requireId(roomId, 'roomId')
      const opts = parse(TimelineOptionsSchema, options, 'roomTimeline options')
      if (opts.before !== undefined && opts.after !== undefined) {
        throw new InvalidCursorError('give either before or after, not both', { before: opts.before, after: opts.after })
      }
      const page = await store.listMessages({
        roomId,
        limit: opts.limit,
        threadId: null,
        ...(opts.before === undefined ? {} : { before: await cursorKey(roomId, opts.before, 'before') }),
        ...(opts.after === undefined ? {} : { after: await cursorKey(roomId, opts.after, 'after') }),
      })
      const threads: Record<string, Message[]> = {}
      const replyCounts: Record<string, number> = {}
      await Promise.all(
        page.messages.map(async (root) => {
          const thread = await store.getThreadByRootMessageId(roomId, root.id)
          if (!thread) return
          const [replies, count] = await Promise.all([
            opts.repliesLimit === 0
              ? Promise.resolve({ messages: [] as Message[] })
              : store.listMessages({ roomId, limit: opts.repliesLimit, threadId: thread.id }),
            store.countMessages(roomId, thread.id),
          ])
          threads[root.id] = replies.messages
          replyCounts[root.id] = count
        }),
      )
      return { timeline: page.messages, threads, replyCounts, hasMoreBefore: page.hasMoreBefore, hasMoreAfter: page.hasMoreAfter }
    },

    /**
     * Persists a message, then emits `room.message_added` (and `thread.reply_added` for a thread reply)
     * once committed, in commit order per room. With `deliver: true` the message is also routed to the
     * room's bound platforms by its routing policy, its deliveries committed to the outbox with it.
     */
    postMessage(attrs: MessageInput, options: CommandOptions & { deliver?: boolean } = {}): Promise<PostMessageResult> {
      return post(attrs, options)
    },

    /**
     * Internal (not part of the public API): postMessage for agent replies, with `previews`, platform
     * messages already showing the message by conversation key (a streamed reply; their first deliveries
     * edit them), the runner's lease `fence`, and a `dedupeKey` that makes the post idempotent.
     */
    postWithPreviews(attrs: MessageInput, options: CommandOptions & { deliver?: boolean }, extras: PostExtras = {}): Promise<PostMessageResult> {
      return post(attrs, options, extras)
    },
  }

  async function post(attrs: MessageInput, options: CommandOptions & { deliver?: boolean }, extras: PostExtras = {}): Promise<PostMessageResult> {
      const { previews, fence, dedupeKey } = extras
      const message = makeMessage(parse(MessageInputSchema, attrs, 'message'))
      // Into a room with platforms a posted message goes out by the routing policy unless the caller opts out.
      const outbound = options.deliver !== false ? ctx.outbound : undefined
      if (options.deliver === true && !outbound) {
        throw new MessagingError(`[core] postMessage with deliver needs a store with the bridge runtime`, { code: 'UNSUPPORTED' })
      }
      if (message.status === 'sending') {
        throw new ValidationError('posted messages cannot have status sending', [{ path: 'status', message: 'sending is for outbound deliveries' }])
      }
      const sc = signalContext(options)
      const signalsOf = (saved: Message): Signal[] => {
        const added = ctx.makeSignal(SignalTypes.roomMessageAdded, saved.roomId,
          { roomId: saved.roomId, messageId: saved.id, senderId: saved.senderId, ...(saved.threadId ? { threadId: saved.threadId } : {}), message: saved }, sc)
        if (saved.threadId === undefined) return [added]
        const reply = ctx.makeSignal(SignalTypes.threadReplyAdded, saved.roomId,
          { roomId: saved.roomId, threadId: saved.threadId, messageId: saved.id, senderId: saved.senderId, message: saved },
          { correlationId: sc.correlationId, causationId: added.id })
        return [added, reply]
      }
      await checkThread(message)
      let written: Message
      let j: Emittable
      // A room without platforms (no deliveries planned) takes the plain insert.
      const deliveries = outbound === undefined ? [] : await outbound.plan(message, previews)
      const planned = deliveries.length
      if (planned === 0 && dedupeKey === undefined) {
        const inserted = journal<Message>(signalsOf, fence)
        written = await store.insertMessage(message, inserted)
        j = inserted
      } else {
        const committed = journal<CommitMessageResult>((r) => (r.status === 'created' ? signalsOf(r.message) : []), fence)
        const now = nowIso()
        const dedupe = dedupeKey === undefined ? undefined : { key: dedupeKey, now, expiresAt: new Date(Date.parse(now) + REPLY_DEDUPE_WINDOW_MS).toISOString() }
        const result = planned === 0
          ? await store.commitMessage({ message, journal: committed, ...(dedupe === undefined ? {} : { dedupe }) })
          : await outbound!.commit(message, deliveries, committed, dedupe)
        if (result.status === 'duplicate') {
          // Posted before (by a runner that handled the message and stopped before its checkpoint said so).
          const first = result.messageId === null ? null : await store.getMessage(result.messageId)
          return { message: first ?? message, signals: [] }
        }
        written = result.message
        j = committed
      }
      const signals = emit(ctx, j)
      // Only a message with deliveries gives the delivery worker something to do.
      if (planned > 0) outbound?.kick()
      return { message: written, signals }
  }
}
