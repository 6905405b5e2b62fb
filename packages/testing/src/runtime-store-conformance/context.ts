import type { Message, MessagingStore, OutboxDelivery, Room, RuntimeStore } from '@jido-messaging/core'
import { afterEach, beforeEach } from 'vitest'
import { makeDelivery, makeMessage } from '../factories.js'
import { seedRoom } from '../store-conformance/context.js'
import type { StoreCapabilities } from '../store-conformance/context.js'

/** A store that implements both contracts, as the bridge runtime needs. */
export type FullStore = MessagingStore & RuntimeStore

export interface RuntimeStoreConformanceOptions {
  /** Names the suite, e.g. `store-sqlite`. */
  name: string
  /**
   * A fresh, empty store for one test. The suite calls `start()` (when present) before using it.
   * claimDeliveries, listDeadLetters and purgeDeadLetters act on the whole store, so the store MUST NOT
   * hold deliveries or dead letters of other tests.
   */
  create: () => FullStore | Promise<FullStore>
  /** Disposes of a store after its test; defaults to `store.stop()`. */
  destroy?: (store: FullStore) => Promise<void> | void
  capabilities?: StoreCapabilities
  /** A second handle on the same data (another connection); with `capabilities.crossProcess` the races also run across both. */
  connectPeer?: (store: FullStore) => FullStore | Promise<FullStore>
}

export interface RuntimeSuiteContext {
  readonly options: RuntimeStoreConformanceOptions
  readonly caps: Required<StoreCapabilities>
  store(): FullStore
}

/** Registers the per-test lifecycle: a fresh started store before each test, disposed of after it. */
export function useRuntimeStore(options: RuntimeStoreConformanceOptions): RuntimeSuiteContext {
  let current: FullStore | undefined
  beforeEach(async () => {
    current = await options.create()
    await current.start?.()
  })
  afterEach(async () => {
    const store = current
    current = undefined
    if (store === undefined) return
    if (options.destroy) await options.destroy(store)
    else await store.stop?.()
  })
  return {
    options,
    caps: { crossProcess: options.capabilities?.crossProcess ?? false },
    store() {
      if (current === undefined) throw new Error('[testing] the store is only available inside a test')
      return current
    },
  }
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

/** Runs `body` with a second handle on the test store's data, stopping the peer afterwards. */
export async function withPeer(ctx: RuntimeSuiteContext, body: (a: FullStore, b: FullStore) => Promise<void>): Promise<void> {
  const store = ctx.store()
  const peer = await ctx.options.connectPeer!(store)
  try {
    await peer.start?.()
    await body(store, peer)
  } finally {
    await peer.stop?.()
  }
}
