import type { Selectable } from 'kysely'
import {
  externalBindingsOf, messageExternalKey, type Room,
  type BindingDirection, type BridgeConfig, type ContentBlock, type DedupeScope, type DeliveryMode,
  type DeliveryPolicy, type FailoverPolicy, type Message, type MessageRole, type MessageStatus, type Participant,
  type ParticipantType, type Presence, type Receipt, type RoomBinding, type RoomMember, type RoomType,
  type RoutingPolicy, type Thread, type ThreadStatus,
} from '@jido-messaging/core'
import type { SqlDialectKind } from './dialect.js'
import type {
  BridgeConfigsTable, MessagesTable, ParticipantsTable, RoomBindingsTable, RoomMembersTable, RoomsTable,
  RoutingPoliciesTable, ThreadsTable,
} from './schema.js'

// Record <-> row mapping. Decoding always builds fresh objects, so every record a store resolves is
// a copy. Optional fields are NULL in the row and absent (not undefined) in the record.

export type RoomRow = Selectable<RoomsTable>
export type BindingRow = Selectable<RoomBindingsTable>
export type ParticipantRow = Selectable<ParticipantsTable>
export type MessageRow = Selectable<MessagesTable>
export type ThreadRow = Selectable<ThreadsTable>
export type BridgeConfigRow = Selectable<BridgeConfigsTable>
export type RoutingPolicyRow = Selectable<RoutingPoliciesTable>
export type MemberRow = Selectable<RoomMembersTable>

/** SQLite hands JSON back as text, Postgres (jsonb) as parsed values; our JSON columns never hold a bare string. */
export function fromJson<T>(value: unknown): T {
  if (typeof value !== 'string') return value as T
  // Most metadata, reactions and receipts are empty; skip the parser for them.
  if (value === '{}') return {} as T
  if (value === '[]') return [] as T
  return JSON.parse(value) as T
}

function isEmptyObject(value: object): boolean {
  for (const _ in value) return false
  return !Array.isArray(value)
}

/** JSON text of a column value; empty objects (most metadata, reactions, receipts) skip the serializer. */
export function toJson(value: unknown): string {
  if (value !== null && typeof value === 'object' && isEmptyObject(value)) return '{}'
  return JSON.stringify(value ?? null)
}

export function boolCodec(kind: SqlDialectKind): (value: boolean) => boolean | number {
  return kind === 'sqlite' ? (v) => (v ? 1 : 0) : (v) => v
}

/** Copies `value` to `target[key]` unless it is null (optional columns). */
function opt<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | null): void {
  if (value !== null) target[key] = value
}

export const nullable = (value: string | undefined): string | null => value ?? null

export function roomRowOf(room: { id: string; type: RoomType; name?: string; metadata: Record<string, unknown>; insertedAt: string }): RoomRow {
  return { id: room.id, type: room.type, name: nullable(room.name), metadata: toJson(room.metadata), inserted_at: room.insertedAt }
}

export function bindingRowOf(b: RoomBinding, bool: (v: boolean) => boolean | number): BindingRow {
  return {
    id: b.id, room_id: b.roomId, channel: b.channel, bridge_id: b.bridgeId, external_room_id: b.externalRoomId,
    direction: b.direction, enabled: bool(b.enabled), inserted_at: b.insertedAt,
  }
}

export function bindingOf(row: BindingRow): RoomBinding {
  return {
    id: row.id, roomId: row.room_id, channel: row.channel, bridgeId: row.bridge_id,
    externalRoomId: row.external_room_id, direction: row.direction as BindingDirection,
    enabled: Boolean(row.enabled), insertedAt: row.inserted_at,
  }
}

export function participantRowOf(p: Participant): ParticipantRow {
  return {
    id: p.id, type: p.type, identity: toJson(p.identity), external_ids: toJson(p.externalIds), presence: p.presence,
    capabilities: toJson(p.capabilities), metadata: toJson(p.metadata), inserted_at: p.insertedAt,
  }
}

export function participantOf(row: ParticipantRow): Participant {
  return {
    id: row.id, type: row.type as ParticipantType, identity: fromJson(row.identity),
    externalIds: fromJson(row.external_ids), presence: row.presence as Presence,
    capabilities: fromJson(row.capabilities), metadata: fromJson(row.metadata), insertedAt: row.inserted_at,
  }
}

export function messageRowOf(m: Message): MessageRow {
  const key = messageExternalKey(m)
  return {
    id: m.id, room_id: m.roomId, sender_id: m.senderId, role: m.role, content: toJson(m.content),
    reply_to_id: nullable(m.replyToId), external_id: nullable(m.externalId),
    external_reply_to_id: nullable(m.externalReplyToId), thread_id: nullable(m.threadId),
    external_thread_id: nullable(m.externalThreadId), delivery_external_room_id: nullable(m.deliveryExternalRoomId),
    status: m.status, reactions: toJson(m.reactions), receipts: toJson(m.receipts), metadata: toJson(m.metadata),
    ext_channel: key?.channel ?? null, ext_bridge_id: key?.bridgeId ?? null,
    inserted_at: m.insertedAt, updated_at: m.updatedAt,
  }
}

export function messageOf(row: MessageRow): Message {
  const m: Message = {
    id: row.id, roomId: row.room_id, senderId: row.sender_id, role: row.role as MessageRole,
    content: fromJson<ContentBlock[]>(row.content), status: row.status as MessageStatus,
    reactions: fromJson<Record<string, string[]>>(row.reactions), receipts: fromJson<Record<string, Receipt>>(row.receipts),
    metadata: fromJson(row.metadata), insertedAt: row.inserted_at, updatedAt: row.updated_at,
  }
  opt(m, 'replyToId', row.reply_to_id)
  opt(m, 'externalId', row.external_id)
  opt(m, 'externalReplyToId', row.external_reply_to_id)
  opt(m, 'threadId', row.thread_id)
  opt(m, 'externalThreadId', row.external_thread_id)
  opt(m, 'deliveryExternalRoomId', row.delivery_external_room_id)
  return m
}

export function threadRowOf(t: Thread): ThreadRow {
  return {
    id: t.id, room_id: t.roomId, external_thread_id: nullable(t.externalThreadId),
    delivery_external_room_id: nullable(t.deliveryExternalRoomId), root_message_id: nullable(t.rootMessageId),
    root_external_message_id: nullable(t.rootExternalMessageId), assigned_agent_id: nullable(t.assignedAgentId),
    status: t.status, metadata: toJson(t.metadata), inserted_at: t.insertedAt, updated_at: t.updatedAt,
  }
}

export function threadOf(row: ThreadRow): Thread {
  const t: Thread = {
    id: row.id, roomId: row.room_id, status: row.status as ThreadStatus, metadata: fromJson(row.metadata),
    insertedAt: row.inserted_at, updatedAt: row.updated_at,
  }
  opt(t, 'externalThreadId', row.external_thread_id)
  opt(t, 'deliveryExternalRoomId', row.delivery_external_room_id)
  opt(t, 'rootMessageId', row.root_message_id)
  opt(t, 'rootExternalMessageId', row.root_external_message_id)
  opt(t, 'assignedAgentId', row.assigned_agent_id)
  return t
}

export function bridgeConfigOf(row: BridgeConfigRow): BridgeConfig {
  return {
    id: row.id, adapter: row.adapter, credentials: fromJson(row.credentials), options: fromJson(row.options),
    enabled: Boolean(row.enabled), deliveryPolicy: fromJson<DeliveryPolicy>(row.delivery_policy),
    revision: Number(row.revision), insertedAt: row.inserted_at, updatedAt: row.updated_at,
  }
}

export function routingPolicyOf(row: RoutingPolicyRow): RoutingPolicy {
  return {
    roomId: row.room_id, deliveryMode: row.delivery_mode as DeliveryMode,
    failoverPolicy: row.failover_policy as FailoverPolicy, dedupeScope: row.dedupe_scope as DedupeScope,
    fallbackOrder: fromJson<string[]>(row.fallback_order), mirror: Boolean(row.mirror), metadata: fromJson(row.metadata),
    revision: Number(row.revision), insertedAt: row.inserted_at, updatedAt: row.updated_at,
  }
}

export function memberOf(row: MemberRow): RoomMember {
  return { roomId: row.room_id, participantId: row.participant_id, joinedAt: row.joined_at }
}

export function roomOf(row: RoomRow, bindings: readonly RoomBinding[]): Room {
  const room: Room = {
    id: row.id, type: row.type as RoomType, externalBindings: externalBindingsOf(bindings),
    metadata: fromJson(row.metadata), insertedAt: row.inserted_at,
  }
  opt(room, 'name', row.name)
  return room
}
