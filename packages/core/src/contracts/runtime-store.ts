import type { ContentBlock, Message, Page, RoomMember } from '../model.js'
import type { JournalWrite } from './journal.js'
import type { LeaseStore } from './leases.js'

export const DeliveryStatuses = ['pending', 'sending', 'retrying', 'sent', 'failed', 'dead_lettered'] as const

/**
 * What a delivery does on the platform: `send` (the default when absent) posts a chunk; the others act
 * on the platform copies of a message already sent there (SPEC 8.1): `edit` (to `text`), `delete`,
 * `react` / `unreact` (`emoji`). Changes are queued in the conversation after the send they refer to.
 */
export const DeliveryActions = ['send', 'edit', 'delete', 'react', 'unreact'] as const
export type DeliveryAction = (typeof DeliveryActions)[number]
/** pending/retrying: waiting for an attempt; sending: leased by a worker; sent/failed/dead_lettered: final. */
export type DeliveryStatus = (typeof DeliveryStatuses)[number]

/**
 * One platform message to send: a chunk of an outbound message to one route. Its `id` is the
 * idempotency key handed to the platform, stable across retries and restarts.
 */
export interface OutboxDelivery {
  id: string
  messageId: string
  roomId: string
  bridgeId: string
  channel: string
  externalRoomId: string
  externalThreadId?: string
  externalReplyToId?: string
  text: string
  /**
   * Media blocks sent with this chunk (the first chunk of a message carries them), for adapters that
   * send media natively (`capabilities.media: 'native'`); others get the media's URLs in `text`.
   */
  media?: ContentBlock[]
  chunkIndex: number
  chunkCount: number
  /** Absent: `send`. See {@link DeliveryAction}. */
  action?: DeliveryAction
  /** The emoji of a `react` / `unreact` delivery. */
  emoji?: string
  /** Deliveries of one conversation (`bridgeId`, `externalRoomId`) are sent one at a time in (insertedAt, id) order. */
  conversationKey: string
  status: DeliveryStatus
  attempts: number
  /** ISO time before which no attempt is made. */
  nextAttemptAt: string
  lastError?: string
  externalMessageId?: string
  leaseOwner?: string
  leaseUntil?: string
  insertedAt: string
  updatedAt: string
}

export const DeadLetterStatuses = ['active', 'archived', 'replayed'] as const
export type DeadLetterStatus = (typeof DeadLetterStatuses)[number]

export interface DeadLetter {
  id: string
  deliveryId: string
  roomId: string
  messageId: string
  bridgeId: string
  externalRoomId: string
  reason: string
  attempts: number
  status: DeadLetterStatus
  insertedAt: string
  updatedAt: string
}

export interface StoredIngressSubscription {
  id: string
  bridgeId: string
  adapter: string
  status: 'active' | 'pending' | 'manual_action_required' | 'failed'
  url?: string
  instructions?: string
  metadata: Record<string, unknown>
  insertedAt: string
  updatedAt: string
}

export interface CommitMessageInput {
  message: Message
  /** Outbox rows written in the same transaction (outbound routes, mirror deliveries). */
  deliveries?: OutboxDelivery[]
  /** Claimed in the same transaction; when already claimed (and not expired) nothing is written. */
  dedupe?: { key: string; now: string; expiresAt: string }
  /** Membership recorded in the same transaction (an ingested sender). */
  member?: RoomMember
  /** Signals appended to the journal in the same transaction (see `JournalWrite`); called with the result, `duplicate` included. */
  journal?: JournalWrite<CommitMessageResult>
}

export type CommitMessageResult =
  | { status: 'created'; message: Message; memberAdded: boolean }
  | { status: 'duplicate'; messageId: string | null }

/** The statuses of a delivery still to be sent: waiting (`pending`, `retrying`) or leased (`sending`). */
export type OpenDeliveryStatus = Extract<DeliveryStatus, 'pending' | 'sending' | 'retrying'>

/** Counts of the outbox and the dead letters, for monitoring (read-only; see `RuntimeStore.outboxStats`). */
export interface OutboxStats {
  /** Unfinished deliveries per bridge and status; a pair with none is left out. */
  deliveries: Array<{ bridgeId: string; status: OpenDeliveryStatus; count: number; oldestInsertedAt: string }>
  /** Dead letters per bridge and status; a pair with none is left out. */
  deadLetters: Array<{ bridgeId: string; status: DeadLetterStatus; count: number }>
}

export interface ClaimDeliveriesOptions {
  now: string
  limit: number
  /** Who holds the lease (a worker id); a lease that ran out may be taken by another worker. */
  owner: string
  leaseUntil: string
  /** Also lease `sending` deliveries held by this owner whose lease has not run out (a restart of that owner). */
  reclaimFrom?: string
}

/**
 * The part of the store the bridge runtime uses: atomic message commits with dedupe and outbox, the
 * outbox itself, dead letters and ingress subscriptions. Same rules as MessagingStore (copies out,
 * CONFLICT on unique keys).
 *
 * Optionally also named leases with fencing ({@link LeaseStore}; store-memory, store-sqlite and
 * store-postgres have them): with them, listeners and agent runners run on one process at a time.
 */
export interface RuntimeStore extends Partial<LeaseStore> {
  /**
   * In one transaction: claims `dedupe.key` (if given), inserts the message, records `member` and
   * enqueues `deliveries`. If the key is claimed already, writes nothing and resolves `duplicate` with
   * the message id stored with the claim. A claim made by a transaction not yet committed MUST be
   * waited for (then `duplicate`), never reported as free; a rolled-back claim leaves the key free.
   */
  commitMessage(input: CommitMessageInput): Promise<CommitMessageResult>

  /** Enqueues deliveries (e.g. replays, deliveries of a message that already exists). */
  enqueueDeliveries(deliveries: OutboxDelivery[]): Promise<void>
  /**
   * Leases up to `limit` due deliveries (status pending or retrying with nextAttemptAt <= now, or
   * sending with an expired lease) that are the oldest unfinished delivery of their conversation, and
   * marks them `sending` with the lease. Concurrent claimers MUST NOT lease the same delivery.
   */
  claimDeliveries(options: ClaimDeliveriesOptions): Promise<OutboxDelivery[]>
  getDelivery(id: string): Promise<OutboxDelivery | null>
  /** Deliveries of a message ordered by (insertedAt, id). */
  listDeliveries(messageId: string): Promise<OutboxDelivery[]>
  /**
   * The sent delivery of a bridge whose platform message id is `externalMessageId` (the platform copy
   * of a canonical message), or null: platform edits, deletes and reactions of those copies find their
   * message by it.
   */
  findDeliveryByExternalId(bridgeId: string, externalMessageId: string): Promise<OutboxDelivery | null>
  /** Replaces a delivery by id (status changes, attempts, external id). */
  saveDelivery(delivery: OutboxDelivery): Promise<OutboxDelivery>
  /** Marks the delivery `dead_lettered` and inserts the dead letter, in one transaction. */
  deadLetterDelivery(delivery: OutboxDelivery, deadLetter: DeadLetter): Promise<DeadLetter>

  /** Ordered by (insertedAt, id) descending (newest first). */
  listDeadLetters(options: { status?: DeadLetterStatus; limit: number; cursor?: string }): Promise<Page<DeadLetter>>
  getDeadLetter(id: string): Promise<DeadLetter | null>
  /** Marks the dead letter `replayed` and puts its delivery back to `pending` (same id, attempts 0), in one transaction. */
  replayDeadLetter(id: string, now: string): Promise<{ deadLetter: DeadLetter; delivery: OutboxDelivery } | null>
  saveDeadLetter(deadLetter: DeadLetter): Promise<DeadLetter>
  /** Deletes dead letters (of a status, inserted before a time); resolves how many. */
  purgeDeadLetters(options: { status?: DeadLetterStatus; insertedBefore?: string }): Promise<number>

  /**
   * Counts unfinished deliveries (pending, sending, retrying) and dead letters, grouped by bridge and
   * status, for metrics scraped every few seconds. Read-only. Its cost MUST follow the number of
   * unfinished deliveries and dead letters, not the outbox's delivered history.
   */
  outboxStats(): Promise<OutboxStats>

  /** Inserts or replaces by (bridgeId, id). */
  putIngressSubscription(subscription: StoredIngressSubscription): Promise<StoredIngressSubscription>
  listIngressSubscriptions(bridgeId: string): Promise<StoredIngressSubscription[]>
  deleteIngressSubscription(bridgeId: string, id: string): Promise<boolean>
}
