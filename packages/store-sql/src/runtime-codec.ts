import type { Selectable } from 'kysely'
import type {
  ContentBlock, DeadLetter, DeadLetterStatus, DeliveryStatus, OutboxDelivery, StoredIngressSubscription,
} from '@jido-messaging/core'
import { fromJson, nullable, toJson } from './codec.js'
import type { DeadLettersTable, DeliveriesTable, IngressSubscriptionsTable } from './schema.js'

// Record <-> row mapping of the bridge runtime's tables (see codec.ts for the rules: fresh objects out,
// optional fields NULL in the row and absent in the record).

export type DeliveryRow = Selectable<DeliveriesTable>
export type DeadLetterRow = Selectable<DeadLettersTable>
export type IngressRow = Selectable<IngressSubscriptionsTable>

export function deliveryRowOf(d: OutboxDelivery): DeliveryRow {
  return {
    id: d.id, message_id: d.messageId, room_id: d.roomId, bridge_id: d.bridgeId, channel: d.channel,
    external_room_id: d.externalRoomId, external_thread_id: nullable(d.externalThreadId),
    external_reply_to_id: nullable(d.externalReplyToId), text: d.text, media: d.media === undefined ? null : toJson(d.media),
    action: d.action === undefined || d.action === 'send' ? null : d.action, emoji: nullable(d.emoji),
    chunk_index: d.chunkIndex, chunk_count: d.chunkCount,
    conversation_key: d.conversationKey, status: d.status, attempts: d.attempts, next_attempt_at: d.nextAttemptAt,
    last_error: nullable(d.lastError), external_message_id: nullable(d.externalMessageId),
    lease_owner: nullable(d.leaseOwner), lease_until: nullable(d.leaseUntil), inserted_at: d.insertedAt, updated_at: d.updatedAt,
  }
}

export function deliveryOf(row: DeliveryRow): OutboxDelivery {
  const d: OutboxDelivery = {
    id: row.id, messageId: row.message_id, roomId: row.room_id, bridgeId: row.bridge_id, channel: row.channel,
    externalRoomId: row.external_room_id, text: row.text, chunkIndex: Number(row.chunk_index), chunkCount: Number(row.chunk_count),
    conversationKey: row.conversation_key, status: row.status as DeliveryStatus, attempts: Number(row.attempts),
    nextAttemptAt: row.next_attempt_at, insertedAt: row.inserted_at, updatedAt: row.updated_at,
  }
  if (row.external_thread_id !== null) d.externalThreadId = row.external_thread_id
  if (row.external_reply_to_id !== null) d.externalReplyToId = row.external_reply_to_id
  if (row.media !== null && row.media !== undefined) d.media = fromJson<ContentBlock[]>(row.media)
  if (row.action !== null && row.action !== undefined) d.action = row.action as OutboxDelivery['action'] & string
  if (row.emoji !== null && row.emoji !== undefined) d.emoji = row.emoji
  if (row.last_error !== null) d.lastError = row.last_error
  if (row.external_message_id !== null) d.externalMessageId = row.external_message_id
  if (row.lease_owner !== null) d.leaseOwner = row.lease_owner
  if (row.lease_until !== null) d.leaseUntil = row.lease_until
  return d
}

export function deadLetterRowOf(d: DeadLetter): DeadLetterRow {
  return {
    id: d.id, delivery_id: d.deliveryId, room_id: d.roomId, message_id: d.messageId, bridge_id: d.bridgeId,
    external_room_id: d.externalRoomId, reason: d.reason, attempts: d.attempts, status: d.status,
    inserted_at: d.insertedAt, updated_at: d.updatedAt,
  }
}

export function deadLetterOf(row: DeadLetterRow): DeadLetter {
  return {
    id: row.id, deliveryId: row.delivery_id, roomId: row.room_id, messageId: row.message_id, bridgeId: row.bridge_id,
    externalRoomId: row.external_room_id, reason: row.reason, attempts: Number(row.attempts),
    status: row.status as DeadLetterStatus, insertedAt: row.inserted_at, updatedAt: row.updated_at,
  }
}

export function ingressRowOf(s: StoredIngressSubscription): IngressRow {
  return {
    bridge_id: s.bridgeId, id: s.id, adapter: s.adapter, status: s.status, url: nullable(s.url),
    instructions: nullable(s.instructions), metadata: toJson(s.metadata), inserted_at: s.insertedAt, updated_at: s.updatedAt,
  }
}

export function ingressOf(row: IngressRow): StoredIngressSubscription {
  const s: StoredIngressSubscription = {
    id: row.id, bridgeId: row.bridge_id, adapter: row.adapter, status: row.status as StoredIngressSubscription['status'],
    metadata: fromJson(row.metadata), insertedAt: row.inserted_at, updatedAt: row.updated_at,
  }
  if (row.url !== null) s.url = row.url
  if (row.instructions !== null) s.instructions = row.instructions
  return s
}
