import type { ContentBlock } from '../model.js'

/** How an adapter supports an operation: natively, through a fallback (e.g. a text note), or not at all. */
export type CapabilityLevel = 'native' | 'fallback' | 'unsupported'

/** How an adapter takes files as bytes (see {@link AdapterCapabilities.uploads}). */
export interface UploadCapability {
  /** Largest file, in bytes, one upload may have; a larger one goes as a text label instead. */
  maxBytes: number
}

export type MarkdownFlavour = 'none' | 'markdown' | 'markdownv2' | 'html' | 'mrkdwn' | 'discord'

/** What an adapter can do; core checks these and reports `UNSUPPORTED` instead of calling a missing member. */
export interface AdapterCapabilities {
  send: CapabilityLevel
  edit: CapabilityLevel
  delete: CapabilityLevel
  reactions: CapabilityLevel
  typing: CapabilityLevel
  threads: CapabilityLevel
  replies: CapabilityLevel
  media: CapabilityLevel
  /**
   * Files sent as bytes (`OutboundMessage.uploads`): present when `send` uploads them, with the largest
   * file it takes. Core then uploads media another platform hosts privately (Telegram's `tg-file:`)
   * instead of a text label; absent, those stay labels.
   */
  uploads?: UploadCapability
  /** Webhook ingest (verifyWebhook + parseWebhook). */
  webhook: boolean
  /** A long-lived listener (gateway socket, long polling, socket mode). */
  listener: boolean
  /** Platform-side registrations (setWebhook and the like). */
  ingressSubscriptions: boolean
  /** Maximum characters of one platform message, counted as the platform counts them. */
  textLimit: number
  markdown: MarkdownFlavour
}

/** One bridge as an adapter sees it: its id, its credentials with secret references resolved, its options. */
export interface BridgeContext {
  bridgeId: string
  credentials: Readonly<Record<string, string>>
  options: Readonly<Record<string, unknown>>
}

/** An HTTP request handed to an adapter. Header names are lower-case; `rawBody` is exactly what arrived. */
export interface WebhookRequest {
  method: string
  path: string
  headers: Readonly<Record<string, string>>
  rawBody: string
  /** `rawBody` parsed as JSON when it is JSON (core parses once; adapters must not re-parse differently). */
  body?: unknown
}

export interface InboundMedia {
  type: 'image' | 'audio' | 'video' | 'file'
  url?: string
  data?: string
  mediaType?: string
  filename?: string
  size?: number
  width?: number
  height?: number
  duration?: number
  altText?: string
}

export type ChatType = 'direct' | 'group' | 'channel'

/** The one normalized shape of everything that arrives from a platform. */
export interface InboundEvent {
  kind: 'message' | 'edit' | 'delete' | 'reaction' | 'command' | 'other'
  externalRoomId: string
  externalUserId: string
  externalMessageId: string
  externalThreadId?: string
  externalReplyToId?: string
  text: string
  media: InboundMedia[]
  chatType: ChatType
  chatTitle?: string
  username?: string
  displayName?: string
  /** The bot's own message (never ingested: no loops). */
  isSelf: boolean
  /** Another bot: ingested with participant type `agent`. */
  isBot?: boolean
  /** ISO-8601 time the platform gives the event. */
  timestamp: string
  /** For `reaction`: the emoji and whether it was added or removed. */
  reaction?: { emoji: string; added: boolean }
  /** A platform event id that deduplicates retries of non-message events (edits, reactions). */
  eventId?: string
  raw: unknown
}

export interface WebhookReply {
  status: number
  headers?: Record<string, string>
  /** A JSON object, or a string where the platform wants text. */
  body?: unknown
}

/** What parseWebhook found: events to ingest and/or an immediate reply (Slack url_verification, Discord PING). */
export interface ParsedWebhook {
  events: InboundEvent[]
  reply?: WebhookReply
}

/** One platform message to send; core has chunked the text to the adapter's `textLimit` already. */
export interface OutboundMessage {
  /** Stable across retries of this delivery, so the platform side (or the adapter) can deduplicate. */
  deliveryId: string
  externalRoomId: string
  text: string
  /** Media blocks for an adapter whose `capabilities.media` is `native`. */
  media?: ContentBlock[]
  /** Files to upload with the text; only for an adapter that declares `capabilities.uploads`. */
  uploads?: OutboundUpload[]
  externalThreadId?: string
  externalReplyToId?: string
}

/** A file to upload with a message: a media block's bytes, resolved by core (never a URL to fetch). */
export interface OutboundUpload {
  /** The media block's type: a platform may show an image inline and a file as an attachment. */
  type: 'image' | 'audio' | 'video' | 'file'
  data: Uint8Array
  filename: string
  mediaType: string
  altText?: string
}

/** A media block whose url only its platform can open (e.g. `tg-file:<file_id>`), as {@link PlatformAdapter.resolveMedia} takes it. */
export interface MediaReference {
  type: string
  url?: string
  mediaType?: string
  filename?: string
}

/** A platform's private media as bytes (what {@link PlatformAdapter.resolveMedia} gives). */
export interface ResolvedMedia {
  data: Uint8Array
  mediaType: string
  filename: string
}

/** A platform message to act on; `externalThreadId` where the platform needs it (Discord thread channels). */
export interface MessageTarget {
  externalRoomId: string
  externalMessageId: string
  externalThreadId?: string
}

export interface SendResult {
  externalMessageId: string
}

export interface ListenerContext {
  /** Hands an inbound event to the ingest pipeline; resolves after it is committed. */
  ingest(event: InboundEvent): Promise<unknown>
  /** Aborted when the listener must stop. */
  signal: AbortSignal
}

export interface ListenerHandle {
  stop(): Promise<void>
  /** Settles when the listener ends by itself (rejects with the reason it failed); the worker then restarts it. */
  closed?: Promise<void>
}

export interface IngressSubscriptionRequest {
  /** The public URL the platform should call, e.g. `https://gw.example.com/webhooks/<bridgeId>`. */
  url?: string
  [key: string]: unknown
}

export interface IngressSubscriptionInfo {
  /** Platform-side id (or a stable one the adapter derives). */
  id: string
  status: 'active' | 'pending' | 'manual_action_required' | 'failed'
  url?: string
  /** For manual_action_required: what a person has to do. */
  instructions?: string
  metadata?: Record<string, unknown>
}

/**
 * A chat platform. Registered once on `createMessaging({ adapters })` by `name`; each bridge config names
 * its adapter and carries that bridge's credentials. Platform SDK types never leak out of an adapter.
 *
 * Errors: an adapter MUST throw `AdapterError` (from core) for platform failures, with `retryable` and,
 * when the platform says how long to wait (HTTP 429 Retry-After, Telegram retry_after), `retryAfterMs`.
 * Any other error is treated as retryable.
 */
export interface PlatformAdapter {
  readonly name: string
  readonly channel: string
  readonly capabilities: AdapterCapabilities
  /** This bridge's text limit when its options can change `capabilities.textLimit`; core chunks to it. */
  textLimitFor?(bridge: BridgeContext): number
  /** Checks the request's signature or secret; MUST compare in constant time. */
  verifyWebhook?(bridge: BridgeContext, request: WebhookRequest): boolean | Promise<boolean>
  parseWebhook?(bridge: BridgeContext, request: WebhookRequest): ParsedWebhook | Promise<ParsedWebhook>
  /** Maps a payload handed over directly (no HTTP, no signature) to inbound events. */
  transformPayload?(bridge: BridgeContext, payload: unknown): InboundEvent[] | Promise<InboundEvent[]>
  send?(bridge: BridgeContext, message: OutboundMessage): Promise<SendResult>
  edit?(bridge: BridgeContext, target: MessageTarget & { text: string }): Promise<void>
  delete?(bridge: BridgeContext, target: MessageTarget): Promise<void>
  addReaction?(bridge: BridgeContext, target: MessageTarget & { emoji: string }): Promise<void>
  removeReaction?(bridge: BridgeContext, target: MessageTarget & { emoji: string }): Promise<void>
  startTyping?(bridge: BridgeContext, target: { externalRoomId: string; externalThreadId?: string }): Promise<void>
  /** Opens a platform thread on a message; resolves its external thread id. */
  openThread?(bridge: BridgeContext, target: { externalRoomId: string; externalMessageId: string; name?: string }): Promise<{ externalThreadId: string }>
  startListener?(bridge: BridgeContext, ctx: ListenerContext): Promise<ListenerHandle>
  ensureIngressSubscription?(bridge: BridgeContext, request: IngressSubscriptionRequest): Promise<IngressSubscriptionInfo>
  listIngressSubscriptions?(bridge: BridgeContext): Promise<IngressSubscriptionInfo[]>
  deleteIngressSubscription?(bridge: BridgeContext, subscriptionId: string): Promise<boolean>
  /**
   * The bytes of a media block this platform hosts privately (a url that is not http or https, e.g.
   * Telegram's `tg-file:`), so core can upload the file to another platform. What it resolves and what
   * it throws MUST NOT carry a credential or a URL that embeds one. Rejects with a non-retryable
   * AdapterError when the file cannot be had (unknown, gone, larger than `maxBytes`), and a retryable one
   * when a later attempt may succeed; core then sends a label or retries the delivery.
   */
  resolveMedia?(bridge: BridgeContext, block: MediaReference, options?: { maxBytes?: number }): Promise<ResolvedMedia>
  /** Mentions that notify everyone (`@everyone`, `<!channel>`), rewritten by core unless a route allows them. */
  readonly massMentions?: readonly string[]
  /** Ingress mode when a bridge's `options.ingress.mode` is not set, e.g. `gateway` for Discord (default `webhook`). */
  readonly defaultIngressMode?: string
  /** Default send rates (a bridge's `options.rateLimit` overrides them). */
  readonly rateLimits?: AdapterRateLimits
}

export interface RateLimit {
  /** Sustained sends per second. */
  perSecond: number
  /** Sends allowed at once before the rate applies. */
  burst: number
}

export interface AdapterRateLimits {
  /** All sends of one bridge (bot), e.g. Telegram about 30/s. */
  perBridge?: RateLimit
  /** Sends into one conversation, e.g. Telegram about 1/s per chat, Slack about 1/s per channel. */
  perConversation?: RateLimit
}
