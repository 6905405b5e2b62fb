import { z } from 'zod'
import type { Signal, SignalData } from '../contracts/signal-bus.js'
import { NotFoundError, ValidationError } from '../errors.js'
import { nowIso } from '../ids.js'
import { Presences, type Message, type Participant, type Presence } from '../model.js'
import { ReservedRoomEvents, SignalTypes } from '../signals/types.js'
import { parse, requireId } from '../validate.js'
import { appendAndEmit, emit, journal, signalContext, type CommandOptions, type Context } from './context.js'
import { sealSignal } from '../signals/factory.js'
import type { UpdateResult } from '../contracts/store.js'

export interface MessageEventResult {
  message: Message
  signals: Signal[]
}

const ReactionSchema = z.string().min(1).max(100)
const EventNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, 'lowercase words of a-z, 0-9 and _, separated by dots')
  .max(200)
  .refine((e) => !ReservedRoomEvents.has(e), 'reserved for the runtime')
const TypingSchema = z.strictObject({ isTyping: z.boolean(), threadId: z.string().min(1).optional() })

export function eventsApi(ctx: Context) {
  const { store } = ctx

  async function requireRoom(roomId: string): Promise<void> {
    requireId(roomId, 'roomId')
    if (!(await store.getRoom(roomId))) throw new NotFoundError(`room ${roomId} not found`, { roomId })
  }

  /** Applies a pure change to a message and emits `type` when it changed (a no-op emits nothing). */
  async function changeMessage(
    messageId: string,
    participantId: string,
    change: (m: Message, now: string) => Message | undefined,
    type: string,
    extra: SignalData,
    options?: CommandOptions,
  ): Promise<MessageEventResult> {
    requireId(messageId, 'messageId')
    requireId(participantId, 'participantId')
    const sc = signalContext(options)
    const now = nowIso()
    const j = journal<UpdateResult<Message> | null>((result) => result?.changed
      ? [ctx.makeSignal(type, result.record.roomId, { roomId: result.record.roomId, messageId, participantId, ...extra, message: result.record }, sc)]
      : [])
    const result = await store.updateMessage(messageId, (m) => change(m, now), j)
    if (!result) throw new NotFoundError(`message ${messageId} not found`, { messageId })
    return { message: result.record, signals: emit(ctx, j) }
  }

  return {
    /** Adds a participant's reaction; idempotent (adding it again changes nothing and emits nothing). */
    addReaction(messageId: string, participantId: string, reaction: string, options?: CommandOptions) {
      const r = parse(ReactionSchema, reaction, 'reaction')
      return changeMessage(messageId, participantId, (m, now) => {
        const list = m.reactions[r] ?? []
        if (list.includes(participantId)) return undefined
        return { ...m, reactions: { ...m.reactions, [r]: [...list, participantId].sort() }, updatedAt: now }
      }, SignalTypes.messageReactionAdded, { reaction: r }, options)
    },

    /** Removes a participant's reaction; idempotent. */
    removeReaction(messageId: string, participantId: string, reaction: string, options?: CommandOptions) {
      const r = parse(ReactionSchema, reaction, 'reaction')
      return changeMessage(messageId, participantId, (m, now) => {
        const list = m.reactions[r]
        if (!list?.includes(participantId)) return undefined
        const reactions = { ...m.reactions }
        const rest = list.filter((p) => p !== participantId)
        if (rest.length > 0) reactions[r] = rest
        else delete reactions[r]
        return { ...m, reactions, updatedAt: now }
      }, SignalTypes.messageReactionRemoved, { reaction: r }, options)
    },

    /** Records that a participant received a message; a repeat is a no-op. */
    markMessageDelivered(messageId: string, participantId: string, options?: CommandOptions) {
      return changeMessage(messageId, participantId, (m, now) => {
        if (m.receipts[participantId]?.deliveredAt) return undefined
        const status = m.status === 'sent' || m.status === 'sending' ? 'delivered' : m.status
        return { ...m, status, receipts: { ...m.receipts, [participantId]: { ...m.receipts[participantId], deliveredAt: now } }, updatedAt: now }
      }, SignalTypes.messageDelivered, {}, options)
    },

    /** Records that a participant read a message (which implies delivered); a repeat is a no-op. */
    markMessageRead(messageId: string, participantId: string, options?: CommandOptions) {
      return changeMessage(messageId, participantId, (m, now) => {
        const receipt = m.receipts[participantId]
        if (receipt?.readAt) return undefined
        const status = m.status === 'failed' ? m.status : 'read'
        return { ...m, status, receipts: { ...m.receipts, [participantId]: { deliveredAt: receipt?.deliveredAt ?? now, readAt: now } }, updatedAt: now }
      }, SignalTypes.messageRead, {}, options)
    },

    /**
     * Records membership and emits `room.participant_joined`, once per participant and room: for a member
     * already in the room it changes nothing and resolves `{signals: []}`.
     */
    async participantJoined(roomId: string, participantId: string, meta: Record<string, unknown> = {}, options?: CommandOptions) {
      requireId(participantId, 'participantId')
      await requireRoom(roomId)
      const sc = signalContext(options)
      const j = journal<boolean>((added) => added
        ? [ctx.makeSignal(SignalTypes.roomParticipantJoined, roomId, { roomId, participantId, metadata: meta }, sc)]
        : [])
      await store.addRoomMember({ roomId, participantId, joinedAt: nowIso() }, j)
      return { signals: emit(ctx, j) }
    },

    /** Removes membership and emits `room.participant_left`. */
    async participantLeft(roomId: string, participantId: string, meta: Record<string, unknown> = {}, options?: CommandOptions) {
      requireId(participantId, 'participantId')
      await requireRoom(roomId)
      const sc = signalContext(options)
      const j = journal<boolean>(() => [ctx.makeSignal(SignalTypes.roomParticipantLeft, roomId, { roomId, participantId, metadata: meta }, sc)])
      await store.removeRoomMember(roomId, participantId, j)
      return { signals: emit(ctx, j) }
    },

    /**
     * Emits `participant.presence_changed` with `from` and `to`. A stored participant's presence is
     * updated (no signal when it is unchanged); an unknown one is taken to have been `offline`.
     */
    async participantPresenceChanged(roomId: string, participantId: string, presence: Presence, options?: CommandOptions) {
      requireId(participantId, 'participantId')
      const to = parse(z.enum(Presences), presence, 'presence')
      await requireRoom(roomId)
      const sc = signalContext(options)
      let from: Presence = 'offline'
      const presenceSignal = () => ctx.makeSignal(SignalTypes.participantPresenceChanged, roomId, { roomId, participantId, from, to }, sc)
      const j = journal<UpdateResult<Participant> | null>((result) => (result === null || result.changed ? [presenceSignal()] : []))
      const result = await store.updateParticipant(participantId, (p) => {
        from = p.presence
        return p.presence === to ? undefined : { ...p, presence: to }
      }, j)
      // An unknown participant changes nothing stored; its presence change is still announced.
      if (result === null && j.firstPosition === undefined) return { signals: await appendAndEmit(ctx, [presenceSignal()]) }
      return { signals: emit(ctx, j) }
    },

    /** Emits `participant.typing`; nothing is stored. */
    async participantTyping(roomId: string, participantId: string, typing: { isTyping: boolean; threadId?: string }, options?: CommandOptions) {
      requireId(participantId, 'participantId')
      const t = parse(TypingSchema, typing, 'typing')
      await requireRoom(roomId)
      const signal = sealSignal(ctx.makeSignal(SignalTypes.participantTyping, roomId,
        { roomId, participantId, isTyping: t.isTyping, ...(t.threadId ? { threadId: t.threadId } : {}) }, signalContext(options)))
      ctx.feed.live([signal])
      return { signals: [signal] }
    },

    /** Emits a custom `jido.messaging.room.<event>` signal with `data` (plus `roomId`). */
    async dispatchRoomEvent(roomId: string, event: string, data: Record<string, unknown> = {}, options?: CommandOptions) {
      const name = parse(EventNameSchema, event, 'room event name')
      if (data === null || typeof data !== 'object' || Array.isArray(data)) {
        throw new ValidationError('event data must be a JSON object', [{ path: 'data', message: 'expected an object' }])
      }
      await requireRoom(roomId)
      const signals = await appendAndEmit(ctx, [ctx.makeSignal(`jido.messaging.room.${name}`, roomId, { ...data, roomId }, signalContext(options))])
      return { signal: signals[0]!, signals }
    },
  }
}
