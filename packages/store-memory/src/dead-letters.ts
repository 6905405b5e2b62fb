import {
  ConflictError,
  NotFoundError,
  decodeKeyCursor,
  encodeKeyCursor,
  type DeadLetter,
  type OutboxDelivery,
  type RuntimeStore,
} from '@jido-messaging/core'
import { putDelivery, requireDelivery } from './outbox.js'
import { addToSet, clone, removeFromSet, requireRoom, type MemoryState } from './state.js'

type DeadLetterMethods = Pick<
  RuntimeStore,
  'deadLetterDelivery' | 'listDeadLetters' | 'getDeadLetter' | 'replayDeadLetter' | 'saveDeadLetter' | 'purgeDeadLetters'
>

function unindexDeadLetter(state: MemoryState, deadLetter: DeadLetter): void {
  state.deadLetters.delete(deadLetter.id)
  state.deadLetterOrder.remove(deadLetter)
  removeFromSet(state.deadLettersByRoom, deadLetter.roomId, deadLetter.id)
}

/** Stores `next` (a private copy), replacing `previous` in every index. Never throws. */
function putDeadLetter(state: MemoryState, next: DeadLetter, previous?: DeadLetter): void {
  if (previous !== undefined) unindexDeadLetter(state, previous)
  state.deadLetters.set(next.id, next)
  state.deadLetterOrder.insert(next)
  addToSet(state.deadLettersByRoom, next.roomId, next.id)
}

/** Deletes every dead letter of a room (deleteRoom's cascade). */
export function removeRoomDeadLetters(state: MemoryState, roomId: string): void {
  for (const id of [...(state.deadLettersByRoom.get(roomId) ?? [])]) {
    const deadLetter = state.deadLetters.get(id)
    if (deadLetter !== undefined) unindexDeadLetter(state, deadLetter)
  }
  state.deadLettersByRoom.delete(roomId)
}

export function deadLetterMethods(state: MemoryState): DeadLetterMethods {
  const read = (id: string) => {
    const d = state.deadLetters.get(id)
    return d === undefined ? null : clone(d)
  }

  return {
    // Every check runs before the first write, so a rejected call changes neither record.
    async deadLetterDelivery(delivery, deadLetter) {
      const previous = requireDelivery(state, delivery.id)
      requireRoom(state, delivery.roomId)
      requireRoom(state, deadLetter.roomId)
      if (state.deadLetters.has(deadLetter.id)) {
        throw new ConflictError(`[store-memory] dead letter ${deadLetter.id} exists`, { id: deadLetter.id })
      }
      const storedDelivery: OutboxDelivery = { ...clone(delivery), status: 'dead_lettered' }
      const stored = clone(deadLetter)
      putDelivery(state, storedDelivery, previous)
      putDeadLetter(state, stored)
      return clone(stored)
    },

    async listDeadLetters(options) {
      const before = options.cursor === undefined ? undefined : decodeKeyCursor(options.cursor)
      const items: DeadLetter[] = []
      if (options.limit < 1) return { items }
      const order = state.deadLetterOrder
      // Newest first: walk the ascending order backwards from just below the cursor.
      for (let i = before === undefined ? order.size - 1 : order.lowerBound(before) - 1; i >= 0; i--) {
        const deadLetter = state.deadLetters.get(order.keys[i]!.id)
        if (deadLetter === undefined) continue
        if (options.status !== undefined && deadLetter.status !== options.status) continue
        if (items.length === options.limit) {
          const last = items[items.length - 1]!
          return { items, nextCursor: encodeKeyCursor({ insertedAt: last.insertedAt, id: last.id }) }
        }
        items.push(clone(deadLetter))
      }
      return { items }
    },

    async getDeadLetter(id) {
      return read(id)
    },

    async replayDeadLetter(id, now) {
      const deadLetter = state.deadLetters.get(id)
      if (deadLetter === undefined) return null
      const delivery = state.deliveries.get(deadLetter.deliveryId)
      if (delivery === undefined) {
        throw new NotFoundError(`[store-memory] delivery ${deadLetter.deliveryId} of dead letter ${id} not found`, {
          deadLetterId: id,
          deliveryId: deadLetter.deliveryId,
        })
      }
      const replayed: DeadLetter = { ...clone(deadLetter), status: 'replayed', updatedAt: now }
      const pending: OutboxDelivery = { ...clone(delivery), status: 'pending', attempts: 0, nextAttemptAt: now, updatedAt: now }
      delete pending.leaseOwner
      delete pending.leaseUntil
      putDeadLetter(state, replayed, deadLetter)
      putDelivery(state, pending, delivery)
      return { deadLetter: clone(replayed), delivery: clone(pending) }
    },

    // Replaces only a dead letter that exists (archiving one); new dead letters come from deadLetterDelivery.
    async saveDeadLetter(deadLetter) {
      const previous = state.deadLetters.get(deadLetter.id)
      if (previous === undefined) {
        throw new NotFoundError(`[store-memory] dead letter ${deadLetter.id} not found`, { deadLetterId: deadLetter.id })
      }
      requireRoom(state, deadLetter.roomId)
      const stored = clone(deadLetter)
      putDeadLetter(state, stored, previous)
      return clone(stored)
    },

    async purgeDeadLetters(options) {
      const cutoff = options.insertedBefore === undefined ? undefined : Date.parse(options.insertedBefore)
      const doomed = [...state.deadLetters.values()].filter(
        (d) => (options.status === undefined || d.status === options.status) && (cutoff === undefined || Date.parse(d.insertedAt) < cutoff),
      )
      for (const deadLetter of doomed) unindexDeadLetter(state, deadLetter)
      return doomed.length
    },
  }
}
