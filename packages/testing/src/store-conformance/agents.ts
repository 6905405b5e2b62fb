import type { AgentRegistration } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { makeRoom } from '../factories.js'
import type { SuiteContext } from './context.js'

function registration(roomId: string, agentId: string, extra: Partial<AgentRegistration> = {}): AgentRegistration {
  return { roomId, agentId, participantId: `ptc_${agentId}`, trigger: 'all', insertedAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-01-01T00:00:00.000Z', ...extra }
}

/** Agent registrations: put (insert or replace), list by agent id, delete, cascade with the room. */
export function agentStoreCases(ctx: SuiteContext): void {
  describe('agent registrations', () => {
    it('put, get, list ordered by agent id, replace, delete', async () => {
      const store = ctx.store()
      const room = await store.createRoom(makeRoom(), [])
      const full = registration(room.id, 'zeta', { name: 'Zeta', mentionHandles: ['zeta', 'z'], respondToAgents: true, trigger: 'mention' })
      expect(await store.putAgentRegistration(full)).toEqual(full)
      await store.putAgentRegistration(registration(room.id, 'alpha'))
      expect((await store.listAgentRegistrations(room.id)).map((r) => r.agentId)).toEqual(['alpha', 'zeta'])
      expect(await store.getAgentRegistration(room.id, 'zeta')).toEqual(full)
      const replaced = registration(room.id, 'zeta', { trigger: 'thread', updatedAt: '2024-02-01T00:00:00.000Z' })
      expect(await store.putAgentRegistration(replaced)).toEqual({ ...replaced, insertedAt: full.insertedAt })
      expect(await store.getAgentRegistration(room.id, 'zeta')).toEqual({ ...replaced, insertedAt: full.insertedAt })
      expect(await store.deleteAgentRegistration(room.id, 'zeta')).toBe(true)
      expect(await store.deleteAgentRegistration(room.id, 'zeta')).toBe(false)
      expect(await store.getAgentRegistration(room.id, 'zeta')).toBeNull()
      expect(await store.listAgentRegistrations('room_nope')).toEqual([])
    })

    it('NOT_FOUND for an unknown room; deleting the room deletes its registrations; copies out', async () => {
      const store = ctx.store()
      await expect(store.putAgentRegistration(registration('room_nope', 'a'))).rejects.toMatchObject({ code: 'NOT_FOUND' })
      const room = await store.createRoom(makeRoom(), [])
      await store.putAgentRegistration(registration(room.id, 'a', { mentionHandles: ['a'] }))
      const read = (await store.getAgentRegistration(room.id, 'a'))!
      read.mentionHandles!.push('mutated')
      expect((await store.getAgentRegistration(room.id, 'a'))!.mentionHandles).toEqual(['a'])
      await store.deleteRoom(room.id)
      expect(await store.listAgentRegistrations(room.id)).toEqual([])
    })
  })
}
