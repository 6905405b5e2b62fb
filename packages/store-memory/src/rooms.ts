import { ConflictError, type MessagingStore, type Room, type RoomBinding } from '@jido-messaging/core'
import { removeRoomDeadLetters } from './dead-letters.js'
import { removeRoomMessages } from './messages.js'
import { removeRoomDeliveries } from './outbox.js'
import {
  addBinding,
  bindingsOf,
  checkNewBindings,
  clone,
  removeBinding,
  roomView,
  type MemoryState,
} from './state.js'
import { removeRoomThreads } from './threads.js'
import { keysetPage } from './paging.js'

/** Inserts a room with its bindings, or throws CONFLICT having stored nothing. */
export function insertRoom(state: MemoryState, room: Room, bindings: readonly RoomBinding[]): Room {
  if (state.rooms.has(room.id)) throw new ConflictError(`[store-memory] room ${room.id} exists`, { id: room.id })
  const fresh = checkNewBindings(state, room.id, bindings)
  const stored = { ...clone(room), externalBindings: {} }
  state.rooms.set(room.id, stored)
  state.roomOrder.insert(stored)
  for (const binding of fresh) addBinding(state, binding)
  return roomView(state, stored)
}

type RoomMethods = Pick<MessagingStore, 'createRoom' | 'saveRoom' | 'getRoom' | 'listRooms' | 'deleteRoom'>

export function roomMethods(state: MemoryState): RoomMethods {
  return {
    async createRoom(room, bindings) {
      return insertRoom(state, room, bindings)
    },

    async saveRoom(room, bindings) {
      const existing = state.rooms.get(room.id)
      if (existing === undefined) return insertRoom(state, room, bindings)
      const fresh = checkNewBindings(state, room.id, bindings)
      const stored = { ...clone(room), externalBindings: {} }
      state.roomOrder.remove(existing)
      state.rooms.set(room.id, stored)
      state.roomOrder.insert(stored)
      for (const binding of fresh) addBinding(state, binding)
      return roomView(state, stored)
    },

    async getRoom(id) {
      const room = state.rooms.get(id)
      return room === undefined ? null : roomView(state, room)
    },

    async listRooms(options) {
      return keysetPage(state.roomOrder, options, (id) => {
        const room = state.rooms.get(id)
        return room === undefined ? undefined : roomView(state, room)
      })
    },

    async deleteRoom(id) {
      const room = state.rooms.get(id)
      if (room === undefined) return false
      removeRoomMessages(state, id)
      removeRoomThreads(state, id)
      removeRoomDeliveries(state, id)
      removeRoomDeadLetters(state, id)
      for (const binding of bindingsOf(state, id)) removeBinding(state, binding)
      state.members.delete(id)
      state.routingPolicies.delete(id)
      state.roomOrder.remove(room)
      state.rooms.delete(id)
      return true
    },
  }
}
