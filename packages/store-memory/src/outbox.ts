import {
  ConflictError,
  NotFoundError,
  compareKeys,
  type DeliveryStatus,
  type OutboxDelivery,
  type RuntimeStore,
} from '@jido-messaging/core'
import { SortedKeys } from './sorted-keys.js'
import { addToSet, clone, removeFromSet, requireRoom, type MemoryState } from './state.js'

type OutboxMethods = Pick<RuntimeStore, 'enqueueDeliveries' | 'claimDeliveries' | 'getDelivery' | 'listDeliveries' | 'saveDelivery' | 'findDeliveryByExternalId'>

const FINAL: ReadonlySet<DeliveryStatus> = new Set<DeliveryStatus>(['sent', 'failed', 'dead_lettered'])

/** sent, failed and dead_lettered are final: such a delivery no longer holds up its conversation. */
export const isFinal = (delivery: OutboxDelivery): boolean => FINAL.has(delivery.status)

function sortedIn(map: Map<string, SortedKeys>, key: string): SortedKeys {
  let order = map.get(key)
  if (order === undefined) map.set(key, (order = new SortedKeys()))
  return order
}

function removeSorted(map: Map<string, SortedKeys>, key: string, record: OutboxDelivery): void {
  const order = map.get(key)
  if (order === undefined) return
  order.remove(record)
  if (order.size === 0) map.delete(key)
}

const externalKey = (d: OutboxDelivery): string | undefined =>
  (d.status === 'sent' && d.externalMessageId !== undefined ? `${d.bridgeId}\u0000${d.externalMessageId}` : undefined)

function unindexDelivery(state: MemoryState, delivery: OutboxDelivery): void {
  state.deliveries.delete(delivery.id)
  const ext = externalKey(delivery)
  if (ext !== undefined) removeFromSet(state.deliveriesByExternalId, ext, delivery.id)
  removeSorted(state.deliveriesByMessage, delivery.messageId, delivery)
  removeSorted(state.openDeliveries, delivery.conversationKey, delivery)
  removeFromSet(state.deliveriesByRoom, delivery.roomId, delivery.id)
}

/** Stores `next` (a private copy), replacing `previous` in every index. Never throws. */
export function putDelivery(state: MemoryState, next: OutboxDelivery, previous?: OutboxDelivery): void {
  if (previous !== undefined) unindexDelivery(state, previous)
  state.deliveries.set(next.id, next)
  sortedIn(state.deliveriesByMessage, next.messageId).insert(next)
  addToSet(state.deliveriesByRoom, next.roomId, next.id)
  const ext = externalKey(next)
  if (ext !== undefined) addToSet(state.deliveriesByExternalId, ext, next.id)
  if (!isFinal(next)) sortedIn(state.openDeliveries, next.conversationKey).insert(next)
}

/**
 * Throws unless every delivery can be enqueued (CONFLICT on a taken or repeated id, NOT_FOUND on an
 * unknown room) and returns private copies to store. Writes nothing.
 */
export function checkNewDeliveries(state: MemoryState, deliveries: readonly OutboxDelivery[]): OutboxDelivery[] {
  const seen = new Set<string>()
  return deliveries.map((delivery) => {
    if (state.deliveries.has(delivery.id) || seen.has(delivery.id)) {
      throw new ConflictError(`[store-memory] delivery ${delivery.id} exists`, { id: delivery.id })
    }
    seen.add(delivery.id)
    requireRoom(state, delivery.roomId)
    return clone(delivery)
  })
}

/** The stored delivery with `id`, or NOT_FOUND. */
export function requireDelivery(state: MemoryState, id: string): OutboxDelivery {
  const delivery = state.deliveries.get(id)
  if (delivery === undefined) throw new NotFoundError(`[store-memory] delivery ${id} not found`, { deliveryId: id })
  return delivery
}

/** Deletes every delivery of a room (deleteRoom's cascade). */
export function removeRoomDeliveries(state: MemoryState, roomId: string): void {
  for (const id of [...(state.deliveriesByRoom.get(roomId) ?? [])]) {
    const delivery = state.deliveries.get(id)
    if (delivery !== undefined) unindexDelivery(state, delivery)
  }
  state.deliveriesByRoom.delete(roomId)
}

/** Claim order: (nextAttemptAt, insertedAt, id). */
function claimOrder(a: OutboxDelivery, b: OutboxDelivery): number {
  const at = Date.parse(a.nextAttemptAt) - Date.parse(b.nextAttemptAt)
  return at !== 0 ? Math.sign(at) : compareKeys(a, b)
}

export function outboxMethods(state: MemoryState): OutboxMethods {
  const read = (id: string) => {
    const d = state.deliveries.get(id)
    return d === undefined ? null : clone(d)
  }

  return {
    async enqueueDeliveries(deliveries) {
      for (const delivery of checkNewDeliveries(state, deliveries)) putDelivery(state, delivery)
    },

    // Looks only at the head of each open conversation, so its cost follows the number of conversations
    // with something left to send, not the size of the outbox. Select and lease run without an await
    // between them, so concurrent claimers never get the same delivery.
    async claimDeliveries(options) {
      if (options.limit < 1) return []
      const now = Date.parse(options.now)
      const due: OutboxDelivery[] = []
      for (const order of state.openDeliveries.values()) {
        const head = state.deliveries.get(order.keys[0]!.id)
        if (head === undefined) continue
        const eligible =
          head.status === 'sending'
            ? head.leaseUntil === undefined ||
              Date.parse(head.leaseUntil) <= now ||
              (options.reclaimFrom !== undefined && head.leaseOwner === options.reclaimFrom)
            : Date.parse(head.nextAttemptAt) <= now
        if (eligible) due.push(head)
      }
      due.sort(claimOrder)
      return due.slice(0, options.limit).map((delivery) => {
        // Status stays non-final and the key is unchanged, so the indexes still hold.
        const leased: OutboxDelivery = {
          ...delivery,
          status: 'sending',
          leaseOwner: options.owner,
          leaseUntil: options.leaseUntil,
          updatedAt: options.now,
        }
        state.deliveries.set(leased.id, leased)
        return clone(leased)
      })
    },

    async getDelivery(id) {
      return read(id)
    },

    async findDeliveryByExternalId(bridgeId, externalMessageId) {
      const ids = state.deliveriesByExternalId.get(`${bridgeId}\u0000${externalMessageId}`)
      if (ids === undefined) return null
      const found = [...ids].map((id) => state.deliveries.get(id)!).sort((a, b) => (a.insertedAt < b.insertedAt ? -1 : a.insertedAt > b.insertedAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      return found[0] === undefined ? null : clone(found[0])
    },

    async listDeliveries(messageId) {
      const keys = state.deliveriesByMessage.get(messageId)?.keys ?? []
      return keys.map((k) => read(k.id)).filter((d): d is OutboxDelivery => d !== null)
    },

    // Replaces only a delivery that exists: a worker finishing a delivery whose room was deleted meanwhile
    // gets NOT_FOUND instead of bringing it back.
    async saveDelivery(delivery) {
      const previous = requireDelivery(state, delivery.id)
      requireRoom(state, delivery.roomId)
      const stored = clone(delivery)
      putDelivery(state, stored, previous)
      return clone(stored)
    },
  }
}
