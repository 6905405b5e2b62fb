import { z } from 'zod'
import type { BridgeContext, InboundEvent } from '../contracts/platform-adapter.js'
import type { Message, Participant, Room, Thread } from '../model.js'

export interface IngestOutcome {
  status: 'message' | 'duplicate' | 'event' | 'noop' | 'rejected' | 'error'
  message?: Message
  room?: Room
  participant?: Participant
  thread?: Thread
  reason?: string
}

export interface PolicyDecision {
  action: 'allow' | 'reject' | 'flag'
  reason?: string
}

export interface IngestPolicyContext {
  bridge: Pick<BridgeContext, 'bridgeId' | 'options'>
  channel: string
  event: InboundEvent
  room?: Room
  participant?: Participant
}

/** A gating, moderation or sender-verification policy: bounded by a timeout, with a declared fallback. */
export interface PolicyHook {
  run(context: IngestPolicyContext): PolicyDecision | Promise<PolicyDecision>
  /** Default 2000 ms. */
  timeoutMs?: number
  /** What happens when `run` throws or times out. */
  fallback: 'allow' | 'reject'
}

export interface MediaPolicy {
  /** Attachments per message (default 10). */
  maxCount?: number
  /** Bytes per attachment, where the platform reports a size (default 25 MiB). */
  maxBytes?: number
  /** `reject` the message, or keep it with the media replaced by a text note (default). */
  onViolation?: 'reject' | 'fallback_text'
}

export interface IngestOptions {
  /** How long a platform message id stays deduplicated (default and minimum 24 h). */
  dedupeWindowMs?: number
  /** Largest webhook body accepted (default 1 MiB); larger is 413. */
  maxBodyBytes?: number
  media?: MediaPolicy
  verifySender?: PolicyHook
  gating?: PolicyHook
  moderation?: PolicyHook
}

export const InboundMediaSchema = z.object({
  type: z.enum(['image', 'audio', 'video', 'file']),
  url: z.string().optional(),
  data: z.string().optional(),
  mediaType: z.string().optional(),
  filename: z.string().optional(),
  size: z.number().nonnegative().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  duration: z.number().optional(),
  altText: z.string().optional(),
})

export const InboundEventSchema = z.object({
  kind: z.enum(['message', 'edit', 'delete', 'reaction', 'command', 'other']),
  externalRoomId: z.string().min(1).max(1000),
  externalUserId: z.string().min(1).max(255),
  externalMessageId: z.string().min(1).max(1000),
  externalThreadId: z.string().min(1).max(1000).optional(),
  externalReplyToId: z.string().min(1).max(1000).optional(),
  text: z.string().max(1_000_000),
  media: z.array(InboundMediaSchema),
  chatType: z.enum(['direct', 'group', 'channel']),
  chatTitle: z.string().optional(),
  username: z.string().optional(),
  displayName: z.string().optional(),
  isSelf: z.boolean(),
  isBot: z.boolean().optional(),
  timestamp: z.string(),
  reaction: z.object({ emoji: z.string().min(1), added: z.boolean() }).optional(),
  eventId: z.string().optional(),
  raw: z.unknown(),
})

const EVENT_KINDS: ReadonlySet<unknown> = new Set(['message', 'edit', 'delete', 'reaction', 'command', 'other'])
const CHAT_TYPES: ReadonlySet<unknown> = new Set(['direct', 'group', 'channel'])

const idOf = (v: unknown, max: number) => typeof v === 'string' && v.length >= 1 && v.length <= max
const optionalIdOf = (v: unknown) => v === undefined || (typeof v === 'string' && v.length >= 1 && v.length <= 1000)
const optionalString = (v: unknown) => v === undefined || typeof v === 'string'

/**
 * A quick check, about a tenth of the schema's cost, that passes only events `InboundEventSchema`
 * accepts: the plain ones (no media, no reaction). Whatever it does not pass goes through the schema,
 * which decides and words the errors, so the accepted set and the errors are the schema's.
 */
export function isPlainInboundEvent(input: unknown): boolean {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return false
  const e = input as Record<string, unknown>
  const text = e['text']
  const media = e['media']
  return EVENT_KINDS.has(e['kind'])
    && idOf(e['externalRoomId'], 1000) && idOf(e['externalUserId'], 255) && idOf(e['externalMessageId'], 1000)
    && optionalIdOf(e['externalThreadId']) && optionalIdOf(e['externalReplyToId'])
    && typeof text === 'string' && text.length <= 1_000_000
    && Array.isArray(media) && media.length === 0
    && CHAT_TYPES.has(e['chatType'])
    && optionalString(e['chatTitle']) && optionalString(e['username']) && optionalString(e['displayName'])
    && typeof e['isSelf'] === 'boolean' && (e['isBot'] === undefined || typeof e['isBot'] === 'boolean')
    && typeof e['timestamp'] === 'string'
    && e['reaction'] === undefined
    && optionalString(e['eventId'])
    && 'raw' in e // z.unknown() still wants the key (own or inherited)
}
