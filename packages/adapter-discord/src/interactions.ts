import { createPublicKey, verify, type KeyObject } from 'node:crypto'
import { ValidationError, type InboundEvent, type ParsedWebhook, type WebhookReply } from '@jido-messaging/core'
import { channelInfo } from './channels.js'
import { commandText, snowflakeTime } from './format.js'
import type { InboundContext } from './inbound.js'
import type { RawInteraction } from './types.js'

// Discord HTTP interactions: Ed25519 verification (X-Signature-Ed25519 over timestamp + raw body) and
// the mapping of PING and APPLICATION_COMMAND to an immediate reply and inbound events.

/** Interaction timestamps further than this from our clock are refused (replays). */
export const INTERACTION_TOLERANCE_SECONDS = 300

// DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')
const keys = new Map<string, KeyObject>()

function publicKeyFor(hex: string): KeyObject | undefined {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return undefined
  let key = keys.get(hex)
  if (!key) {
    try {
      key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(hex, 'hex')]), format: 'der', type: 'spki' })
    } catch {
      return undefined
    }
    keys.set(hex, key)
  }
  return key
}

/** True when the request is signed by the application's key and its timestamp is within 5 minutes of `nowMs`. */
export function verifyInteraction(publicKeyHex: string | undefined, headers: Readonly<Record<string, string>>, rawBody: string, nowMs: number): boolean {
  if (publicKeyHex === undefined) return false
  const key = publicKeyFor(publicKeyHex)
  const signature = headers['x-signature-ed25519']
  const timestamp = headers['x-signature-timestamp']
  if (!key || signature === undefined || timestamp === undefined) return false
  if (!/^[0-9a-fA-F]{128}$/.test(signature) || !/^\d{1,15}$/.test(timestamp)) return false
  if (Math.abs(Math.floor(nowMs / 1000) - Number(timestamp)) > INTERACTION_TOLERANCE_SECONDS) return false
  try {
    return verify(null, Buffer.from(timestamp + rawBody, 'utf8'), key, Buffer.from(signature, 'hex'))
  } catch {
    return false
  }
}

export function isInteraction(payload: unknown): payload is RawInteraction {
  const p = payload as Partial<RawInteraction> | null
  return typeof p === 'object' && p !== null && typeof p.type === 'number' && typeof p.id === 'string' && !('t' in p)
}

export interface ReplyOptions {
  commandReply: 'ack' | 'deferred'
  ackText: string
}

/** The immediate reply to an interaction and the events it carries. */
export async function parseInteraction(interaction: RawInteraction, ctx: InboundContext, options: ReplyOptions): Promise<ParsedWebhook> {
  switch (interaction.type) {
    case 1: // PING: the endpoint check of the Developer Portal
      return { events: [], reply: json({ type: 1 }) }
    case 2: {
      const reply = options.commandReply === 'deferred' ? { type: 5 } : { type: 4, data: { content: options.ackText, flags: 64 } }
      return { events: [await commandEvent(interaction, ctx)], reply: json(reply) }
    }
    case 3: // MESSAGE_COMPONENT: acknowledge without changing the message
      return { events: [], reply: json({ type: 6 }) }
    case 4: // APPLICATION_COMMAND_AUTOCOMPLETE
      return { events: [], reply: json({ type: 8, data: { choices: [] } }) }
    case 5: // MODAL_SUBMIT
      return { events: [], reply: json({ type: 4, data: { content: options.ackText, flags: 64 } }) }
    default:
      throw new ValidationError(`[adapter-discord] unknown interaction type ${interaction.type}`, [{ path: 'type', message: 'unknown' }])
  }
}

async function commandEvent(i: RawInteraction, ctx: InboundContext): Promise<InboundEvent> {
  const user = i.member?.user ?? i.user
  if (!user || typeof user.id !== 'string' || typeof i.channel_id !== 'string' || typeof i.data?.name !== 'string') {
    throw new ValidationError('[adapter-discord] APPLICATION_COMMAND without user, channel_id or data.name', [{ path: 'data', message: 'incomplete' }])
  }
  const channelId = i.channel_id
  // The interaction carries its channel (type, parent_id), so a thread is known without asking.
  const info = i.channel && i.channel.id === channelId ? channelInfo(i.channel) : i.guild_id === undefined ? undefined : await ctx.resolveChannel(channelId)
  const place = i.guild_id === undefined || info?.kind === 'dm'
    ? { externalRoomId: channelId, chatType: 'direct' as const }
    : info?.kind === 'thread' && info.parentId !== undefined
      ? { externalRoomId: info.parentId, externalThreadId: channelId, chatType: 'group' as const }
      : { externalRoomId: channelId, chatType: 'group' as const, ...(info?.name ? { chatTitle: info.name } : {}) }
  const isSelf = ctx.botUserId !== undefined && user.id === ctx.botUserId
  const displayName = i.member?.nick ?? user.global_name ?? user.username
  return {
    kind: 'command',
    ...place,
    externalUserId: user.id,
    externalMessageId: i.id,
    text: commandText(i.data.name, i.data.options),
    media: [],
    ...(user.username === undefined ? {} : { username: user.username }),
    ...(displayName === undefined || displayName === null ? {} : { displayName }),
    isSelf,
    isBot: user.bot === true && !isSelf,
    timestamp: snowflakeTime(i.id) ?? new Date(ctx.now()).toISOString(),
    eventId: `interaction:${i.id}`,
    raw: i,
  }
}

function json(body: unknown): WebhookReply {
  return { status: 200, headers: { 'content-type': 'application/json' }, body }
}
