import { NotFoundError, type AgentRegistration, type AgentStore } from '@jido-messaging/core'
import { journalNow } from './journal.js'
import { clone, type MemoryState } from './state.js'

/** roomId -> agentId -> registration */
export type AgentRegistrations = Map<string, Map<string, AgentRegistration>>

export function agentMethods(state: MemoryState): AgentStore {
  return {
    async putAgentRegistration(registration, journal) {
      if (!state.rooms.has(registration.roomId)) throw new NotFoundError(`[store-memory] room ${registration.roomId} not found`, { roomId: registration.roomId })
      const stored = clone(registration)
      const result = clone(stored)
      let byAgent = state.agents.get(stored.roomId)
      if (byAgent === undefined) state.agents.set(stored.roomId, (byAgent = new Map()))
      // The hook first: one that throws leaves the store unchanged.
      journalNow(state, journal, result)
      byAgent.set(stored.agentId, stored)
      return result
    },

    async getAgentRegistration(roomId, agentId) {
      const found = state.agents.get(roomId)?.get(agentId)
      return found === undefined ? null : clone(found)
    },

    async listAgentRegistrations(roomId) {
      const all = [...(state.agents.get(roomId)?.values() ?? [])]
      return clone(all.sort((a, b) => (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0)))
    },

    async deleteAgentRegistration(roomId, agentId, journal) {
      const byAgent = state.agents.get(roomId)
      const existed = byAgent?.has(agentId) === true
      journalNow(state, journal, existed)
      if (!existed) return false
      byAgent!.delete(agentId)
      if (byAgent!.size === 0) state.agents.delete(roomId)
      return true
    },
  }
}
