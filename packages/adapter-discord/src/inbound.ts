import { ValidationError, type InboundEvent, type InboundMedia } from '@jido-messaging/core'
import { emojiFromGateway, isoTime } from './format.js'
import type { ChannelInfo, DispatchPacket, RawAttachment, RawMessage, RawReaction } from './types.js'

// Gateway dispatches -> InboundEvents (SPEC 6): the channel id is the room, a thread channel maps to
// its parent room plus the thread, the author id is the user, the message id is the message.

/** What mapping needs besides the payload. */
export interface InboundContext {
  /** The bot's own user id (its messages become isSelf), when known. */
  botUserId: string | undefined
  /** Where a channel sits (thread or not); undefined when it cannot be known. */
  resolveChannel(channelId: string): Promise<ChannelInfo | undefined>
  now(): number
}

/** Message types that carry a person's (or bot's) text: default, reply, slash command result, context menu. */
const CONTENT_TYPES = new Set([0, 19, 20, 23])
/** The user of events that name none (MESSAGE_DELETE); core does not use it for deletes. */
export const UNKNOWN_USER = 'unknown'

export function isDispatch(payload: unknown): payload is DispatchPacket {
  const p = payload as Partial<DispatchPacket> | null
  return typeof p === 'object' && p !== null && typeof p.t === 'string' && (p.op === undefined || p.op === 0) && 'd' in p
}

/** The events one dispatch carries; dispatches that are not about messages carry none. */
export async function dispatchToEvents(packet: DispatchPacket, ctx: InboundContext): Promise<InboundEvent[]> {
  const d = packet.d
  switch (packet.t) {
    case 'MESSAGE_CREATE':
      return [await messageEvent(requireMessage(d, packet.t), packet, ctx, 'create')]
    case 'MESSAGE_UPDATE':
      return [await messageEvent(requireMessage(d, packet.t), packet, ctx, 'update')]
    case 'MESSAGE_DELETE': {
      const m = requireMessage(d, packet.t)
      return [await deleteEvent(m.id, m.channel_id, m.guild_id, packet, ctx)]
    }
    case 'MESSAGE_DELETE_BULK': {
      const b = d as { ids?: unknown; channel_id?: unknown; guild_id?: string }
      if (!Array.isArray(b.ids) || typeof b.channel_id !== 'string') throw invalid(packet.t, 'ids and channel_id')
      const channelId = b.channel_id
      return Promise.all(b.ids.filter((id): id is string => typeof id === 'string').map((id) => deleteEvent(id, channelId, b.guild_id, packet, ctx)))
    }
    case 'MESSAGE_REACTION_ADD':
    case 'MESSAGE_REACTION_REMOVE':
      return [await reactionEvent(d as RawReaction, packet, ctx, packet.t === 'MESSAGE_REACTION_ADD')]
    default:
      return []
  }
}

function requireMessage(d: unknown, t: string): RawMessage {
  const m = d as Partial<RawMessage> | null
  if (!m || typeof m.id !== 'string' || typeof m.channel_id !== 'string') throw invalid(t, 'id and channel_id')
  return m as RawMessage
}

function invalid(t: string, what: string): ValidationError {
  return new ValidationError(`[adapter-discord] ${t} without ${what}`, [{ path: 'd', message: `needs ${what}` }])
}

/** Room, thread and chat type of a channel: a thread is its parent's room plus the thread id. */
async function placeOf(channelId: string, guildId: string | undefined, ctx: InboundContext) {
  if (guildId === undefined) return { externalRoomId: channelId, chatType: 'direct' as const }
  const info = await ctx.resolveChannel(channelId)
  if (info?.kind === 'thread' && info.parentId !== undefined) {
    return { externalRoomId: info.parentId, externalThreadId: channelId, chatType: 'group' as const }
  }
  if (info?.kind === 'dm') return { externalRoomId: channelId, chatType: 'direct' as const }
  return { externalRoomId: channelId, chatType: 'group' as const, ...(info?.name ? { chatTitle: info.name } : {}) }
}

function person(user: { id: string; username?: string; global_name?: string | null; bot?: boolean }, nick: string | null | undefined, ctx: InboundContext) {
  const isSelf = ctx.botUserId !== undefined && user.id === ctx.botUserId
  const displayName = nick ?? user.global_name ?? user.username
  return {
    externalUserId: user.id,
    ...(user.username === undefined ? {} : { username: user.username }),
    ...(displayName === undefined || displayName === null ? {} : { displayName }),
    isSelf,
    isBot: user.bot === true && !isSelf,
  }
}

async function messageEvent(m: RawMessage, packet: DispatchPacket, ctx: InboundContext, as: 'create' | 'update'): Promise<InboundEvent> {
  const place = await placeOf(m.channel_id, m.guild_id, ctx)
  const who = m.author ? person(m.author, m.member?.nick, ctx) : { externalUserId: UNKNOWN_USER, isSelf: false }
  const ref = m.message_reference
  // A reply is a reference of type 0 (DEFAULT); type 1 is a forward, not a reply.
  const replyTo = ref?.message_id !== undefined && (ref.type ?? 0) === 0 && m.type === 19 ? ref.message_id : undefined
  const textual = as === 'create' ? CONTENT_TYPES.has(m.type ?? 0) : typeof m.content === 'string'
  const timestamp = (as === 'update' ? isoTime(m.edited_timestamp) : undefined) ?? isoTime(m.timestamp) ?? new Date(ctx.now()).toISOString()
  return {
    // an update without content is Discord filling in embeds, not a person editing
    kind: textual ? (as === 'create' ? 'message' : 'edit') : 'other',
    ...place,
    ...who,
    externalMessageId: m.id,
    ...(replyTo === undefined ? {} : { externalReplyToId: replyTo }),
    text: m.content ?? '',
    media: (m.attachments ?? []).map(mediaOf),
    timestamp,
    ...(as === 'update' ? { eventId: `edit:${m.id}:${m.edited_timestamp ?? m.content ?? ''}` } : {}),
    raw: packet,
  }
}

async function deleteEvent(id: string, channelId: string, guildId: string | undefined, packet: DispatchPacket, ctx: InboundContext): Promise<InboundEvent> {
  return {
    kind: 'delete',
    ...(await placeOf(channelId, guildId, ctx)),
    externalUserId: UNKNOWN_USER,
    externalMessageId: id,
    text: '',
    media: [],
    isSelf: false,
    timestamp: new Date(ctx.now()).toISOString(),
    eventId: `delete:${id}`,
    raw: packet,
  }
}

async function reactionEvent(r: RawReaction, packet: DispatchPacket, ctx: InboundContext, added: boolean): Promise<InboundEvent> {
  if (!r || typeof r.user_id !== 'string' || typeof r.message_id !== 'string' || typeof r.channel_id !== 'string' || !r.emoji) {
    throw invalid(packet.t, 'user_id, message_id, channel_id and emoji')
  }
  const emoji = emojiFromGateway(r.emoji)
  const user = r.member?.user ?? { id: r.user_id }
  return {
    kind: 'reaction',
    ...(await placeOf(r.channel_id, r.guild_id, ctx)),
    ...person({ ...user, id: r.user_id }, r.member?.nick, ctx),
    externalMessageId: r.message_id,
    text: '',
    media: [],
    timestamp: new Date(ctx.now()).toISOString(),
    reaction: { emoji, added },
    eventId: `reaction:${r.message_id}:${r.user_id}:${emoji}:${added ? 'add' : 'remove'}`,
    raw: packet,
  }
}

function mediaOf(a: RawAttachment): InboundMedia {
  const type = a.content_type?.startsWith('image/') ? 'image' : a.content_type?.startsWith('audio/') ? 'audio' : a.content_type?.startsWith('video/') ? 'video' : 'file'
  return {
    type,
    ...(a.url === undefined ? {} : { url: a.url }),
    ...(a.filename === undefined ? {} : { filename: a.filename }),
    ...(a.size === undefined ? {} : { size: a.size }),
    ...(a.content_type === undefined ? {} : { mediaType: a.content_type }),
    ...(typeof a.width === 'number' ? { width: a.width } : {}),
    ...(typeof a.height === 'number' ? { height: a.height } : {}),
    ...(a.duration_secs === undefined ? {} : { duration: a.duration_secs }),
    ...(a.description === undefined ? {} : { altText: a.description }),
  }
}
