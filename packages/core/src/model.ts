import { z } from 'zod'

// The canonical domain model (SPEC section 2). Schemas validate every input at the API edge; the
// exported types are what the API returns and what stores persist.

const isoTimestamp = z
  .string()
  .refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO-8601 timestamp')
  .transform((v) => new Date(v).toISOString())
const id = z.string().min(1).max(255)
const metadata = z.record(z.string(), z.unknown())
const mediaSource = {
  url: z.string().min(1).optional(),
  data: z.string().min(1).optional(),
  mediaType: z.string().min(1).optional(),
}

export const TextBlockSchema = z.object({ type: z.literal('text'), text: z.string() })
export const ImageBlockSchema = z.object({
  type: z.literal('image'),
  ...mediaSource,
  altText: z.string().optional(),
  width: z.number().int().nonnegative().optional(),
  height: z.number().int().nonnegative().optional(),
})
export const AudioBlockSchema = z.object({
  type: z.literal('audio'),
  ...mediaSource,
  duration: z.number().nonnegative().optional(),
  transcript: z.string().optional(),
})
export const VideoBlockSchema = z.object({
  type: z.literal('video'),
  ...mediaSource,
  duration: z.number().nonnegative().optional(),
  width: z.number().int().nonnegative().optional(),
  height: z.number().int().nonnegative().optional(),
  altText: z.string().optional(),
})
export const FileBlockSchema = z.object({
  type: z.literal('file'),
  ...mediaSource,
  filename: z.string().optional(),
  size: z.number().int().nonnegative().optional(),
})
export const ToolUseBlockSchema = z.object({
  type: z.literal('tool_use'),
  id: id,
  name: z.string().min(1),
  input: z.unknown(),
})
export const ToolResultBlockSchema = z.object({
  type: z.literal('tool_result'),
  toolUseId: id,
  content: z.unknown(),
  isError: z.boolean().default(false),
})

const mediaNeedsSource = (b: { url?: string | undefined; data?: string | undefined }) =>
  b.url !== undefined || b.data !== undefined

export const ContentBlockSchema = z
  .discriminatedUnion('type', [
    TextBlockSchema,
    ImageBlockSchema,
    AudioBlockSchema,
    VideoBlockSchema,
    FileBlockSchema,
    ToolUseBlockSchema,
    ToolResultBlockSchema,
  ])
  .superRefine((block, ctx) => {
    if ((block.type === 'image' || block.type === 'audio' || block.type === 'video' || block.type === 'file') &&
      !mediaNeedsSource(block)) {
      ctx.addIssue({ code: 'custom', message: `a ${block.type} block needs url or data` })
    }
  })

export type TextBlock = z.infer<typeof TextBlockSchema>
export type ImageBlock = z.infer<typeof ImageBlockSchema>
export type AudioBlock = z.infer<typeof AudioBlockSchema>
export type VideoBlock = z.infer<typeof VideoBlockSchema>
export type FileBlock = z.infer<typeof FileBlockSchema>
export type ToolUseBlock = z.infer<typeof ToolUseBlockSchema>
export type ToolResultBlock = z.infer<typeof ToolResultBlockSchema>
export type ContentBlock = z.output<typeof ContentBlockSchema>
export type ContentBlockInput = z.input<typeof ContentBlockSchema>

export const RoomTypes = ['direct', 'group', 'channel', 'thread'] as const
export type RoomType = (typeof RoomTypes)[number]
export const ParticipantTypes = ['human', 'agent', 'system'] as const
export type ParticipantType = (typeof ParticipantTypes)[number]
export const Presences = ['online', 'away', 'busy', 'offline'] as const
export type Presence = (typeof Presences)[number]
export const MessageRoles = ['user', 'assistant', 'system', 'tool'] as const
export type MessageRole = (typeof MessageRoles)[number]
export const MessageStatuses = ['sending', 'sent', 'delivered', 'read', 'failed'] as const
export type MessageStatus = (typeof MessageStatuses)[number]
export const ThreadStatuses = ['active', 'archived', 'closed'] as const
export type ThreadStatus = (typeof ThreadStatuses)[number]
export const BindingDirections = ['inbound', 'outbound', 'both'] as const
export type BindingDirection = (typeof BindingDirections)[number]

/** `{[channel]: {[bridgeId]: externalRoomId}}` */
export type ExternalBindings = Record<string, Record<string, string>>

export interface Room {
  id: string
  type: RoomType
  name?: string
  externalBindings: ExternalBindings
  metadata: Record<string, unknown>
  insertedAt: string
}

export interface Identity {
  name?: string
  username?: string
  displayName?: string
  [key: string]: unknown
}

export interface Participant {
  id: string
  type: ParticipantType
  identity: Identity
  /** `{[channel]: externalUserId}` */
  externalIds: Record<string, string>
  presence: Presence
  capabilities: string[]
  metadata: Record<string, unknown>
  insertedAt: string
}

export interface Receipt {
  deliveredAt?: string
  readAt?: string
}

export interface Message {
  id: string
  roomId: string
  senderId: string
  role: MessageRole
  content: ContentBlock[]
  replyToId?: string
  externalId?: string
  externalReplyToId?: string
  threadId?: string
  externalThreadId?: string
  deliveryExternalRoomId?: string
  status: MessageStatus
  /** `{[reaction]: participantId[]}`, each list sorted and unique; empty lists are removed. */
  reactions: Record<string, string[]>
  receipts: Record<string, Receipt>
  metadata: Record<string, unknown>
  insertedAt: string
  updatedAt: string
}

export interface Thread {
  id: string
  roomId: string
  externalThreadId?: string
  deliveryExternalRoomId?: string
  rootMessageId?: string
  rootExternalMessageId?: string
  assignedAgentId?: string
  status: ThreadStatus
  metadata: Record<string, unknown>
  insertedAt: string
  updatedAt: string
}

export interface RoomBinding {
  id: string
  roomId: string
  channel: string
  bridgeId: string
  externalRoomId: string
  direction: BindingDirection
  enabled: boolean
  insertedAt: string
}

export interface RoomMember {
  roomId: string
  participantId: string
  joinedAt: string
}

export interface DeliveryPolicy {
  maxAttempts: number
  baseBackoffMs: number
  maxBackoffMs: number
  deadLetter: boolean
}

export interface BridgeConfig {
  id: string
  adapter: string
  /** Values may be secret references such as `env:TELEGRAM_BOT_TOKEN`, resolved at use. */
  credentials: Record<string, string>
  options: Record<string, unknown>
  enabled: boolean
  deliveryPolicy: DeliveryPolicy
  revision: number
  insertedAt: string
  updatedAt: string
}

export const DeliveryModes = ['best_effort', 'primary', 'broadcast'] as const
export type DeliveryMode = (typeof DeliveryModes)[number]
export const FailoverPolicies = ['none', 'next_available', 'broadcast'] as const
export type FailoverPolicy = (typeof FailoverPolicies)[number]
export const DedupeScopes = ['message_id', 'thread', 'room'] as const
export type DedupeScope = (typeof DedupeScopes)[number]

export interface RoutingPolicy {
  roomId: string
  deliveryMode: DeliveryMode
  failoverPolicy: FailoverPolicy
  dedupeScope: DedupeScope
  fallbackOrder: string[]
  mirror: boolean
  metadata: Record<string, unknown>
  revision: number
  insertedAt: string
  updatedAt: string
}

// ---- input schemas -------------------------------------------------------------------------------

export const RoomInputSchema = z.strictObject({
  id: id.optional(),
  type: z.enum(RoomTypes).default('group'),
  name: z.string().max(1000).optional(),
  externalBindings: z.record(z.string(), z.record(z.string(), z.string())).default({}),
  metadata: metadata.default({}),
  insertedAt: isoTimestamp.optional(),
})
export type RoomInput = z.input<typeof RoomInputSchema>

export const RoomRecordSchema = RoomInputSchema.extend({ id, insertedAt: isoTimestamp })

const identity = z.looseObject({
  name: z.string().optional(),
  username: z.string().optional(),
  displayName: z.string().optional(),
})

export const ParticipantInputSchema = z.strictObject({
  id: id.optional(),
  type: z.enum(ParticipantTypes).default('human'),
  identity: identity.default({}),
  externalIds: z.record(z.string(), z.string()).default({}),
  presence: z.enum(Presences).default('offline'),
  capabilities: z.array(z.string()).default([]),
  metadata: metadata.default({}),
  insertedAt: isoTimestamp.optional(),
})
export type ParticipantInput = z.input<typeof ParticipantInputSchema>

const messageFields = {
  id: id.optional(),
  roomId: id,
  senderId: id,
  role: z.enum(MessageRoles),
  content: z.array(ContentBlockSchema),
  replyToId: id.optional(),
  externalId: z.string().min(1).optional(),
  externalReplyToId: z.string().min(1).optional(),
  threadId: id.optional(),
  externalThreadId: z.string().min(1).optional(),
  deliveryExternalRoomId: z.string().min(1).optional(),
  status: z.enum(MessageStatuses).default('sent'),
  reactions: z.record(z.string(), z.array(z.string())).default({}),
  receipts: z
    .record(z.string(), z.strictObject({ deliveredAt: isoTimestamp.optional(), readAt: isoTimestamp.optional() }))
    .default({}),
  metadata: metadata.default({}),
  insertedAt: isoTimestamp.optional(),
  updatedAt: isoTimestamp.optional(),
}
export const MessageInputSchema = z.strictObject(messageFields)
export type MessageInput = z.input<typeof MessageInputSchema>
export const MessageRecordSchema = z.strictObject({ ...messageFields, id, insertedAt: isoTimestamp })

const threadFields = {
  id: id.optional(),
  roomId: id,
  externalThreadId: z.string().min(1).optional(),
  deliveryExternalRoomId: z.string().min(1).optional(),
  rootMessageId: id.optional(),
  rootExternalMessageId: z.string().min(1).optional(),
  assignedAgentId: id.optional(),
  status: z.enum(ThreadStatuses).default('active'),
  metadata: metadata.default({}),
  insertedAt: isoTimestamp.optional(),
  updatedAt: isoTimestamp.optional(),
}
export const ThreadInputSchema = z.strictObject(threadFields)
export type ThreadInput = z.input<typeof ThreadInputSchema>
export const ThreadRecordSchema = z.strictObject({ ...threadFields, id })

export const RoomBindingInputSchema = z.strictObject({
  id: id.optional(),
  direction: z.enum(BindingDirections).default('both'),
  enabled: z.boolean().default(true),
})
export type RoomBindingInput = z.input<typeof RoomBindingInputSchema>

export const DeliveryPolicySchema = z.strictObject({
  maxAttempts: z.number().int().min(1).max(100).default(5),
  baseBackoffMs: z.number().int().min(0).default(250),
  maxBackoffMs: z.number().int().min(0).default(30_000),
  deadLetter: z.boolean().default(true),
})

export const BridgeConfigInputSchema = z.strictObject({
  id: id,
  adapter: z.string().min(1),
  credentials: z.record(z.string(), z.string()).default({}),
  options: metadata.default({}),
  enabled: z.boolean().default(true),
  deliveryPolicy: DeliveryPolicySchema.default({ maxAttempts: 5, baseBackoffMs: 250, maxBackoffMs: 30_000, deadLetter: true }),
  revision: z.number().int().min(0).optional(),
})
export type BridgeConfigInput = z.input<typeof BridgeConfigInputSchema>

export const RoutingPolicyInputSchema = z.strictObject({
  deliveryMode: z.enum(DeliveryModes).default('best_effort'),
  failoverPolicy: z.enum(FailoverPolicies).default('next_available'),
  dedupeScope: z.enum(DedupeScopes).default('message_id'),
  fallbackOrder: z.array(z.string().min(1)).default([]),
  mirror: z.boolean().default(false),
  metadata: metadata.default({}),
  revision: z.number().int().min(0).optional(),
})
export type RoutingPolicyInput = z.input<typeof RoutingPolicyInputSchema>

export const ListMessagesOptionsSchema = z.strictObject({
  limit: z.number().int().min(1).max(1000).default(50),
  before: id.optional(),
  after: id.optional(),
  threadId: id.optional(),
})
export type ListMessagesOptions = z.input<typeof ListMessagesOptionsSchema>

export interface MessagePage {
  messages: Message[]
  hasMoreBefore: boolean
  hasMoreAfter: boolean
}

export const PageOptionsSchema = z.strictObject({
  limit: z.number().int().min(1).max(1000).default(50),
  cursor: z.string().min(1).optional(),
})
export type PageOptions = z.input<typeof PageOptionsSchema>

export interface Page<T> {
  items: T[]
  /** Pass as `cursor` to get the next page; absent on the last page. */
  nextCursor?: string
}
