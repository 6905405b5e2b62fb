import { bindingKey, type MessagingStore } from '@jido-messaging/core'
import { appendPrepared, journalNow, prepareJournal } from './journal.js'
import { applyRoomInsert, planRoomInsert } from './rooms.js'
import { addBinding, bindingsOf, checkNewBindings, clone, removeBinding, requireRoom, roomView, type MemoryState } from './state.js'

type BindingMethods = Pick<
  MessagingStore,
  | 'getOrCreateRoomByBinding'
  | 'getRoomByBinding'
  | 'insertRoomBinding'
  | 'getRoomBinding'
  | 'listRoomBindings'
  | 'deleteRoomBinding'
>

export function bindingMethods(state: MemoryState): BindingMethods {
  const boundTo = (channel: string, bridgeId: string, externalRoomId: string) => {
    const id = state.bindingByKey.get(bindingKey(channel, bridgeId, externalRoomId))
    return id === undefined ? undefined : state.bindings.get(id)
  }

  return {
    // No await between the lookup and the insert, so concurrent callers cannot both create.
    async getOrCreateRoomByBinding(room, binding, journal) {
      const existing = boundTo(binding.channel, binding.bridgeId, binding.externalRoomId)
      if (existing !== undefined) {
        const bound = state.rooms.get(existing.roomId)!
        const found = { room: roomView(state, bound), binding: clone(existing), created: false }
        journalNow(state, journal, found)
        return found
      }
      const plan = planRoomInsert(state, room, [binding])
      const created = { room: plan.view, binding: clone(plan.bindings[0]!), created: true }
      const prepared = prepareJournal(journal, created)
      applyRoomInsert(state, plan)
      appendPrepared(state, prepared, journal)
      return created
    },

    async getRoomByBinding(channel, bridgeId, externalRoomId) {
      const binding = boundTo(channel, bridgeId, externalRoomId)
      const room = binding === undefined ? undefined : state.rooms.get(binding.roomId)
      return room === undefined ? null : roomView(state, room)
    },

    async insertRoomBinding(binding) {
      requireRoom(state, binding.roomId)
      const stored = checkNewBindings(state, binding.roomId, [binding], false)[0]!
      addBinding(state, stored)
      return clone(stored)
    },

    async getRoomBinding(id) {
      const binding = state.bindings.get(id)
      return binding === undefined ? null : clone(binding)
    },

    async listRoomBindings(roomId) {
      return clone(bindingsOf(state, roomId))
    },

    async deleteRoomBinding(id) {
      const binding = state.bindings.get(id)
      if (binding === undefined) return false
      removeBinding(state, binding)
      return true
    },
  }
}
