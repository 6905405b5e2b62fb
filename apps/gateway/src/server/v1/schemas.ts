// Response and shared request schemas of the REST API. Domain records are loose objects: a field added
// to the model later does not break responses, and the documented fields are checked.
import { ContentBlockSchema, REDACTED } from '@jido-messaging/core'
import { z } from 'zod'

export const Id = z.string().min(1).max(255)
export const Limit = z.coerce.number().int().min(1).max(500).default(50)
export const Cursor = z.string().min(1).max(2000).optional()
export const Metadata = z.record(z.string(), z.unknown())
/** A query flag: `true` or `false`. */
export const Flag = z.enum(['true', 'false']).transform((v) => v === 'true')

export const RoomParams = z.object({ roomId: Id })
export const MessageParams = z.object({ messageId: Id })
export const BridgeParams = z.object({ bridgeId: Id })

/** Message content: `text` (shorthand for one text block) or `content` (content blocks), exactly one. */
export const contentFields = {
  text: z.string().min(1).max(100_000).optional().describe('shorthand for content: [{type: "text", text}]'),
  content: z.array(ContentBlockSchema).min(1).max(100).optional(),
}
/** Checks a body with `contentFields` has exactly one of them. */
export const oneContent = (b: { text?: string | undefined; content?: unknown }) => (b.text === undefined) !== (b.content === undefined)
export const oneContentError = { message: 'give exactly one of text or content', path: ['text'] }

export const RoomSchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  name: z.string().optional(),
  externalBindings: z.record(z.string(), z.record(z.string(), z.string())).optional(),
  metadata: Metadata,
  insertedAt: z.string(),
})

export const ParticipantSchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  identity: z.looseObject({ name: z.string().optional(), username: z.string().optional(), displayName: z.string().optional() }),
  externalIds: z.record(z.string(), z.string()),
  presence: z.string(),
  capabilities: z.array(z.string()),
  metadata: Metadata,
  insertedAt: z.string(),
})

export const MessageSchema = z.looseObject({
  id: z.string(),
  roomId: z.string(),
  senderId: z.string(),
  role: z.string(),
  content: z.array(z.looseObject({ type: z.string() })),
  replyToId: z.string().optional(),
  externalId: z.string().optional(),
  threadId: z.string().optional(),
  status: z.string(),
  reactions: z.record(z.string(), z.array(z.string())),
  receipts: z.record(z.string(), z.looseObject({ deliveredAt: z.string().optional(), readAt: z.string().optional() })),
  metadata: Metadata,
  insertedAt: z.string(),
  updatedAt: z.string(),
})

export const MessagePageSchema = z.object({ messages: z.array(MessageSchema), hasMoreBefore: z.boolean(), hasMoreAfter: z.boolean() })

export const ThreadSchema = z.looseObject({
  id: z.string(),
  roomId: z.string(),
  externalThreadId: z.string().optional(),
  rootMessageId: z.string().optional(),
  assignedAgentId: z.string().optional(),
  status: z.string(),
  metadata: Metadata,
  insertedAt: z.string(),
  updatedAt: z.string(),
})

export const RoomBindingSchema = z.looseObject({
  id: z.string(),
  roomId: z.string(),
  channel: z.string(),
  bridgeId: z.string(),
  externalRoomId: z.string(),
  direction: z.string(),
  enabled: z.boolean(),
  insertedAt: z.string(),
})

/** Credential values leave only as `[redacted]` or as a reference (`env:NAME`): a literal secret fails this check. */
const CredentialValue = z.union([z.literal(REDACTED), z.string().regex(/^(env|secret|vault|file):/)])

export const BridgeConfigSchema = z.looseObject({
  id: z.string(),
  adapter: z.string(),
  credentials: z.record(z.string(), CredentialValue).describe(`values are "${REDACTED}" or a secret reference such as env:NAME`),
  options: Metadata,
  enabled: z.boolean(),
  deliveryPolicy: z.looseObject({ maxAttempts: z.number(), baseBackoffMs: z.number(), maxBackoffMs: z.number(), deadLetter: z.boolean() }),
  revision: z.number(),
  insertedAt: z.string(),
  updatedAt: z.string(),
})

export const BridgeStatusSchema = z.looseObject({
  bridgeId: z.string(),
  adapter: z.string(),
  enabled: z.boolean(),
  revision: z.number(),
  state: z.string(),
  listenerCount: z.number(),
  lastIngressAt: z.string().nullable(),
  lastOutboundAt: z.string().nullable(),
  lastError: z.string().nullable(),
  restarts: z.number(),
})

export const RoutingPolicySchema = z.looseObject({
  roomId: z.string(),
  deliveryMode: z.string(),
  failoverPolicy: z.string(),
  dedupeScope: z.string(),
  fallbackOrder: z.array(z.string()),
  mirror: z.boolean(),
  metadata: Metadata,
  revision: z.number(),
})

export const DeadLetterSchema = z.looseObject({
  id: z.string(),
  deliveryId: z.string(),
  roomId: z.string(),
  messageId: z.string(),
  bridgeId: z.string(),
  externalRoomId: z.string(),
  reason: z.string(),
  attempts: z.number(),
  status: z.string(),
  insertedAt: z.string(),
})

/** A committed signal as CloudEvents JSON. */
export const SignalSchema = z.looseObject({ id: z.string(), type: z.string(), source: z.string(), subject: z.string().optional(), time: z.string(), data: z.unknown() })
export const SignalsSchema = z.object({ signals: z.array(SignalSchema) })

export const DeletedSchema = z.object({ deleted: z.boolean().describe('false when there was nothing to delete') })

/** `{[key]: items, nextCursor}`: pass nextCursor back as `cursor` for the next page; null at the end. */
export function page<K extends string, S extends z.ZodType>(key: K, item: S) {
  return z.object({ [key]: z.array(item), nextCursor: z.string().nullable() } as { [P in K]: z.ZodArray<S> } & { nextCursor: z.ZodNullable<z.ZodString> })
}
