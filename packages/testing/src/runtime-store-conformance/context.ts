import type { Message, MessagingStore, OutboxDelivery, Room, RuntimeStore } from '@jido-messaging/core'
import { makeDelivery, makeMessage } from '../factories.js'
import { seedRoom, useStore, withPeer, type StoreSuiteOptions, type SuiteContext } from '../store-conformance/context.js'

/** A store that implements both contracts, as the bridge runtime needs. */
export type FullStore = MessagingStore & RuntimeStore

export type RuntimeStoreConformanceOptions = StoreSuiteOptions<FullStore>

export type RuntimeSuiteContext = SuiteContext<FullStore>

/** Registers the per-test lifecycle: a fresh started store before each test, disposed of after it. */
export function useRuntimeStore(options: RuntimeStoreConformanceOptions): RuntimeSuiteContext {
  return useStore(options)
}

/** A room with one stored message, to hang deliveries on. */
export async function seedMessage(store: FullStore): Promise<{ room: Room; message: Message }> {
  const room = await seedRoom(store)
  const message = await store.insertMessage(makeMessage(room.id))
  return { room, message }
}

/** Deliveries all in one conversation (same bridge and external room). */
export function conversation(
  roomId: string,
  messageId: string,
  specs: ReadonlyArray<Partial<OutboxDelivery>>,
): OutboxDelivery[] {
  const first = makeDelivery(roomId, messageId)
  const shared = { bridgeId: first.bridgeId, externalRoomId: first.externalRoomId, conversationKey: first.conversationKey }
  return specs.map((spec, i) => makeDelivery(roomId, messageId, { chunkIndex: i, chunkCount: specs.length, ...shared, ...spec }))
}

/** Ids sorted, for comparing sets. */
export const sortIds = (records: ReadonlyArray<{ id: string }>): string[] => records.map((r) => r.id).sort()

/** The order claimDeliveries returns deliveries in: (nextAttemptAt, insertedAt, id). */
export function byClaimOrder(a: OutboxDelivery, b: OutboxDelivery): number {
  const at = Date.parse(a.nextAttemptAt) - Date.parse(b.nextAttemptAt)
  if (at !== 0) return Math.sign(at)
  if (a.insertedAt !== b.insertedAt) return a.insertedAt < b.insertedAt ? -1 : 1
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

export { withPeer }
