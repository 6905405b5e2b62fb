import {
  ConflictError,
  compareKeys,
  externalBindingsOf,
  type JournalWrite,
  type MessagingStore,
  type Room,
  type RoomBinding,
} from '@jido-messaging/core'
import { removeRoomDeadLetters } from './dead-letters.js'
import { appendPrepared, prepareJournal } from './journal.js'
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
import { directoryPutRoom, directoryRemoveRoom } from './directory.js'

/** A checked room insert: what to store and the room as the write resolves it. */
export interface RoomInsert {
  stored: Room
  bindings: RoomBinding[]
  view: Room
}

/** The room `roomView` shows once `stored` and the new `bindings` are stored (bindings in (insertedAt, id) order). */
function viewAfter(state: MemoryState, stored: Room, bindings: readonly RoomBinding[]): Room {
  const all = [...bindingsOf(state, stored.id), ...bindings].sort(compareKeys)
  return { ...clone(stored), externalBindings: externalBindingsOf(all) }
}

/** Checks a room insert with its bindings (CONFLICT on a taken id or binding key); writes nothing. */
export function planRoomInsert(state: MemoryState, room: Room, bindings: readonly RoomBinding[]): RoomInsert {
  if (state.rooms.has(room.id)) throw new ConflictError(`[store-memory] room ${room.id} exists`, { id: room.id })
  const fresh = checkNewBindings(state, room.id, bindings)
  const stored = { ...clone(room), externalBindings: {} }
  return { stored, bindings: fresh, view: viewAfter(state, stored, fresh) }
}

/** Stores a planned room insert. Never throws. */
export function applyRoomInsert(state: MemoryState, plan: RoomInsert): void {
  state.rooms.set(plan.stored.id, plan.stored)
  state.roomOrder.insert(plan.stored)
  for (const binding of plan.bindings) addBinding(state, binding)
  directoryPutRoom(state, plan.stored)
}

/** Inserts a room with its bindings and appends the journal's signals, or throws having stored nothing. */
function insertRoom(state: MemoryState, room: Room, bindings: readonly RoomBinding[], journal: JournalWrite<Room> | undefined): Room {
  const plan = planRoomInsert(state, room, bindings)
  const prepared = prepareJournal(journal, plan.view)
  applyRoomInsert(state, plan)
  appendPrepared(state, prepared, journal)
  return plan.view
}

type RoomMethods = Pick<MessagingStore, 'createRoom' | 'saveRoom' | 'getRoom' | 'listRooms' | 'deleteRoom'>

export function roomMethods(state: MemoryState): RoomMethods {
  return {
    async createRoom(room, bindings, journal) {
      return insertRoom(state, room, bindings, journal)
    },

    // Checks, the journal hook, then the changes: a write that throws has changed nothing.
    async saveRoom(room, bindings, journal) {
      const existing = state.rooms.get(room.id)
      if (existing === undefined) return insertRoom(state, room, bindings, journal)
      const fresh = checkNewBindings(state, room.id, bindings)
      const stored = { ...clone(room), externalBindings: {} }
      const view = viewAfter(state, stored, fresh)
      const prepared = prepareJournal(journal, view)
      state.roomOrder.remove(existing)
      state.rooms.set(room.id, stored)
      state.roomOrder.insert(stored)
      for (const binding of fresh) addBinding(state, binding)
      directoryPutRoom(state, stored)
      appendPrepared(state, prepared, journal)
      return view
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
      state.agents.delete(id)
      state.routingPolicies.delete(id)
      state.roomOrder.remove(room)
      state.rooms.delete(id)
      directoryRemoveRoom(state, id)
      return true
    },
  }
}
