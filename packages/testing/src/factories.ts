import {
  newId,
  nowIso,
  type BridgeConfigWrite,
  type DeadLetter,
  type Message,
  type OutboxDelivery,
  type Participant,
  type Room,
  type RoomBinding,
  type RoutingPolicyWrite,
  type StoredIngressSubscription,
  type Thread,
} from '@jido-messaging/core'

// Record factories for tests: complete, valid records with fresh ids and overridable fields.

const base = Date.UTC(2024, 0, 1)

/** A fixed ISO timestamp `ms` milliseconds after 2024-01-01T00:00:00.000Z, for deterministic ordering. */
export function isoAt(ms: number): string {
  return new Date(base + ms).toISOString()
}

/** A unique suffix for external ids and keys, so tests never collide even on a shared database. */
export function uniqueSuffix(): string {
  return newId('correlation').slice(4)
}

export function makeRoom(overrides: Partial<Room> = {}): Room {
  return { id: newId('room'), type: 'group', externalBindings: {}, metadata: {}, insertedAt: nowIso(), ...overrides }
}

export function makeBinding(roomId: string, overrides: Partial<RoomBinding> = {}): RoomBinding {
  return {
    id: newId('binding'),
    roomId,
    channel: 'telegram',
    bridgeId: 'tg_main',
    externalRoomId: `chat_${uniqueSuffix()}`,
    direction: 'both',
    enabled: true,
    insertedAt: nowIso(),
    ...overrides,
  }
}

export function makeParticipant(overrides: Partial<Participant> = {}): Participant {
  return {
    id: newId('participant'),
    type: 'human',
    identity: { name: 'Ada' },
    externalIds: {},
    presence: 'offline',
    capabilities: [],
    metadata: {},
    insertedAt: nowIso(),
    ...overrides,
  }
}

export function makeMessage(roomId: string, overrides: Partial<Message> = {}): Message {
  const at = overrides.insertedAt ?? nowIso()
  return {
    id: newId('message'),
    roomId,
    senderId: 'ptc_sender',
    role: 'user',
    content: [{ type: 'text', text: 'hello' }],
    status: 'sent',
    reactions: {},
    receipts: {},
    metadata: {},
    insertedAt: at,
    updatedAt: at,
    ...overrides,
  }
}

/** A message carrying a platform identity: `externalId` plus `metadata.channel` and `metadata.bridgeId`. */
export function makeExternalMessage(
  roomId: string,
  external: { channel: string; bridgeId: string; externalId: string },
  overrides: Partial<Message> = {},
): Message {
  return makeMessage(roomId, {
    externalId: external.externalId,
    metadata: { channel: external.channel, bridgeId: external.bridgeId },
    ...overrides,
  })
}

export function makeThread(roomId: string, overrides: Partial<Thread> = {}): Thread {
  const at = overrides.insertedAt ?? nowIso()
  return { id: newId('thread'), roomId, status: 'active', metadata: {}, insertedAt: at, updatedAt: at, ...overrides }
}

export function makeBridgeConfig(overrides: Partial<BridgeConfigWrite> = {}): BridgeConfigWrite {
  return {
    id: `bridge_${uniqueSuffix()}`,
    adapter: 'telegram',
    credentials: { token: 'env:TELEGRAM_BOT_TOKEN' },
    options: { ingress: { mode: 'webhook' } },
    enabled: true,
    deliveryPolicy: { maxAttempts: 5, baseBackoffMs: 250, maxBackoffMs: 30_000, deadLetter: true },
    ...overrides,
  }
}

export function makeRoutingPolicy(roomId: string, overrides: Partial<RoutingPolicyWrite> = {}): RoutingPolicyWrite {
  return {
    roomId,
    deliveryMode: 'best_effort',
    failoverPolicy: 'next_available',
    dedupeScope: 'message_id',
    fallbackOrder: [],
    mirror: false,
    metadata: {},
    ...overrides,
  }
}

/**
 * A pending outbox delivery of `messageId` to a fresh conversation (its own `externalRoomId`), due at its
 * insertion time. Pass `externalRoomId` and `conversationKey` to put several into one conversation.
 */
export function makeDelivery(roomId: string, messageId: string, overrides: Partial<OutboxDelivery> = {}): OutboxDelivery {
  const at = overrides.insertedAt ?? nowIso()
  const bridgeId = overrides.bridgeId ?? 'tg_main'
  const externalRoomId = overrides.externalRoomId ?? `chat_${uniqueSuffix()}`
  return {
    id: newId('delivery'),
    messageId,
    roomId,
    bridgeId,
    channel: 'telegram',
    externalRoomId,
    text: 'hello',
    chunkIndex: 0,
    chunkCount: 1,
    // Opaque to a store; ':' rather than core's NUL so the factory also suits databases that reject NUL in text.
    conversationKey: `${bridgeId}:${externalRoomId}`,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: at,
    insertedAt: at,
    updatedAt: at,
    ...overrides,
  }
}

/** An active dead letter for `delivery`. */
export function makeDeadLetter(delivery: OutboxDelivery, overrides: Partial<DeadLetter> = {}): DeadLetter {
  const at = overrides.insertedAt ?? nowIso()
  return {
    id: newId('deadLetter'),
    deliveryId: delivery.id,
    roomId: delivery.roomId,
    messageId: delivery.messageId,
    bridgeId: delivery.bridgeId,
    externalRoomId: delivery.externalRoomId,
    reason: 'platform rejected the message',
    attempts: delivery.attempts,
    status: 'active',
    insertedAt: at,
    updatedAt: at,
    ...overrides,
  }
}

export function makeIngressSubscription(
  bridgeId: string,
  overrides: Partial<StoredIngressSubscription> = {},
): StoredIngressSubscription {
  const at = overrides.insertedAt ?? nowIso()
  return {
    id: newId('ingress'),
    bridgeId,
    adapter: 'telegram',
    status: 'active',
    url: `https://gateway.example/webhooks/${bridgeId}`,
    metadata: {},
    insertedAt: at,
    updatedAt: at,
    ...overrides,
  }
}
