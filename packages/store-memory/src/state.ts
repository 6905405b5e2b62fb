import {
  ConflictError,
  NotFoundError,
  bindingKey,
  externalBindingsOf,
  type BridgeConfig,
  type DeadLetter,
  type Message,
  type OutboxDelivery,
  type Participant,
  type Room,
  type RoomBinding,
  type RoomMember,
  type RoutingPolicy,
  type StoredIngressSubscription,
  type Thread,
} from '@jido-messaging/core'
import { createJournalState, type JournalState } from './journal.js'
import type { RoomMessageIndex } from './message-index.js'
import { SortedKeys } from './sorted-keys.js'

/** Everything one memory store holds. Records are stored as private copies and cloned on the way out. */
export interface MemoryState {
  rooms: Map<string, Room>
  roomOrder: SortedKeys
  bindings: Map<string, RoomBinding>
  /** bindingKey(channel, bridgeId, externalRoomId) -> binding id */
  bindingByKey: Map<string, string>
  /** roomId -> the room's binding keys in (insertedAt, id) order */
  bindingsByRoom: Map<string, SortedKeys>
  participants: Map<string, Participant>
  /** channel \0 externalUserId -> participant id */
  participantByExternalId: Map<string, string>
  /** roomId -> participantId -> member */
  members: Map<string, Map<string, RoomMember>>
  messages: Map<string, Message>
  /** channel \0 bridgeId \0 externalId -> message id */
  messageByExternalKey: Map<string, string>
  messageIndexes: Map<string, RoomMessageIndex>
  threads: Map<string, Thread>
  /** roomId \0 externalThreadId -> thread id */
  threadByExternalId: Map<string, string>
  /** roomId \0 rootMessageId -> thread id */
  threadByRootMessageId: Map<string, string>
  threadOrder: Map<string, SortedKeys>
  bridgeConfigs: Map<string, BridgeConfig>
  routingPolicies: Map<string, RoutingPolicy>
  /** dedupe key -> its claim */
  dedupe: Map<string, DedupeClaim>
  deliveries: Map<string, OutboxDelivery>
  /** messageId -> the message's deliveries in (insertedAt, id) order */
  deliveriesByMessage: Map<string, SortedKeys>
  /** roomId -> ids of the room's deliveries (deleteRoom's cascade) */
  deliveriesByRoom: Map<string, Set<string>>
  /** `bridgeId NUL externalMessageId` -> ids of the sent deliveries carrying that platform id */
  deliveriesByExternalId: Map<string, Set<string>>
  /**
   * conversationKey -> the conversation's non-final deliveries (not sent, failed or dead_lettered) in
   * (insertedAt, id) order. Only `keys[0]` of each may be claimed; a conversation with nothing left to
   * send has no entry, so a claim looks at open conversations only, never at delivered history.
   */
  openDeliveries: Map<string, SortedKeys>
  deadLetters: Map<string, DeadLetter>
  /** every dead letter in (insertedAt, id) order */
  deadLetterOrder: SortedKeys
  /** roomId -> ids of the room's dead letters */
  deadLettersByRoom: Map<string, Set<string>>
  /** bridgeId -> subscription id -> subscription */
  ingress: Map<string, Map<string, StoredIngressSubscription>>
  /** roomId -> agentId -> agent registration */
  agents: Map<string, Map<string, import('@jido-messaging/core').AgentRegistration>>
  /** onboarding flow id -> flow */
  onboardingFlows: Map<string, import('@jido-messaging/core').OnboardingFlow>
  /** The signal journal and subscription checkpoints. */
  journal: JournalState
  /** lease name -> lease (kept once released, so generations only grow) */
  leases: Map<string, import('./leases.js').StoredLease>
}

/** A dedupe claim: live while `expiresAt` (epoch ms) is after now; `messageId` is set by commitMessage. */
export interface DedupeClaim {
  expiresAt: number
  messageId: string | null
}

export function createState(): MemoryState {
  return {
    rooms: new Map(),
    roomOrder: new SortedKeys(),
    bindings: new Map(),
    bindingByKey: new Map(),
    bindingsByRoom: new Map(),
    participants: new Map(),
    participantByExternalId: new Map(),
    members: new Map(),
    messages: new Map(),
    messageByExternalKey: new Map(),
    messageIndexes: new Map(),
    threads: new Map(),
    threadByExternalId: new Map(),
    threadByRootMessageId: new Map(),
    threadOrder: new Map(),
    bridgeConfigs: new Map(),
    routingPolicies: new Map(),
    dedupe: new Map(),
    deliveries: new Map(),
    deliveriesByMessage: new Map(),
    deliveriesByRoom: new Map(),
    deliveriesByExternalId: new Map(),
    openDeliveries: new Map(),
    deadLetters: new Map(),
    deadLetterOrder: new SortedKeys(),
    deadLettersByRoom: new Map(),
    ingress: new Map(),
    agents: new Map(),
    onboardingFlows: new Map(),
    journal: createJournalState(),
    leases: new Map(),
  }
}

/** Joins key parts with NUL, which no id or external id contains. */
export function compositeKey(...parts: string[]): string {
  return parts.join('\u0000')
}

export function clone<T>(value: T): T {
  return structuredClone(value)
}

export function requireRoom(state: MemoryState, roomId: string): Room {
  const room = state.rooms.get(roomId)
  if (room === undefined) throw new NotFoundError(`[store-memory] room ${roomId} not found`, { roomId })
  return room
}

/** A room's bindings in (insertedAt, id) order. */
export function bindingsOf(state: MemoryState, roomId: string): RoomBinding[] {
  const keys = state.bindingsByRoom.get(roomId)?.keys ?? []
  return keys.map((k) => state.bindings.get(k.id)).filter((b): b is RoomBinding => b !== undefined)
}

/** A copy of the room with `externalBindings` derived from its bindings. */
export function roomView(state: MemoryState, room: Room): Room {
  return { ...clone(room), externalBindings: externalBindingsOf(bindingsOf(state, room.id)) }
}

/**
 * Throws CONFLICT unless every binding can be added to `roomId`, and returns copies of those to add.
 * A key already bound to that room is skipped (with `skipPresent`) or a conflict; a key bound to another
 * room, a taken binding id or a duplicate inside the list is always a conflict.
 */
export function checkNewBindings(
  state: MemoryState,
  roomId: string,
  bindings: readonly RoomBinding[],
  skipPresent = true,
): RoomBinding[] {
  const fresh: RoomBinding[] = []
  const seenKeys = new Set<string>()
  const seenIds = new Set<string>()
  for (const binding of bindings) {
    const key = bindingKey(binding.channel, binding.bridgeId, binding.externalRoomId)
    const boundId = state.bindingByKey.get(key)
    const bound = boundId === undefined ? undefined : state.bindings.get(boundId)
    if (skipPresent && bound !== undefined && bound.roomId === roomId) continue
    if (bound !== undefined || seenKeys.has(key)) {
      throw new ConflictError(
        `[store-memory] binding ${binding.channel}/${binding.bridgeId}/${binding.externalRoomId} is bound already`,
        { channel: binding.channel, bridgeId: binding.bridgeId, externalRoomId: binding.externalRoomId, roomId: bound?.roomId },
      )
    }
    if (state.bindings.has(binding.id) || seenIds.has(binding.id)) {
      throw new ConflictError(`[store-memory] binding id ${binding.id} is taken`, { id: binding.id })
    }
    seenKeys.add(key)
    seenIds.add(binding.id)
    fresh.push({ ...clone(binding), roomId })
  }
  return fresh
}

/** Stores a binding that {@link checkNewBindings} accepted. */
export function addBinding(state: MemoryState, binding: RoomBinding): void {
  state.bindings.set(binding.id, binding)
  state.bindingByKey.set(bindingKey(binding.channel, binding.bridgeId, binding.externalRoomId), binding.id)
  let order = state.bindingsByRoom.get(binding.roomId)
  if (order === undefined) state.bindingsByRoom.set(binding.roomId, (order = new SortedKeys()))
  order.insert(binding)
}

export function removeBinding(state: MemoryState, binding: RoomBinding): void {
  state.bindings.delete(binding.id)
  state.bindingByKey.delete(bindingKey(binding.channel, binding.bridgeId, binding.externalRoomId))
  const order = state.bindingsByRoom.get(binding.roomId)
  order?.remove(binding)
  if (order?.size === 0) state.bindingsByRoom.delete(binding.roomId)
}

/** Adds `value` to the set under `key`, creating the set. */
export function addToSet(map: Map<string, Set<string>>, key: string, value: string): void {
  let set = map.get(key)
  if (set === undefined) map.set(key, (set = new Set()))
  set.add(value)
}

/** Removes `value` from the set under `key`, dropping the set when it empties. */
export function removeFromSet(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key)
  if (set === undefined) return
  set.delete(value)
  if (set.size === 0) map.delete(key)
}
