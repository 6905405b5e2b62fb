import type { Participant } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { isoAt, makeParticipant } from '../factories.js'
import { concurrently, expectCode, seedRoom, type SuiteContext } from './context.js'

export function participantCases(ctx: SuiteContext): void {
  describe('participants', () => {
    it('createParticipant stores it and getParticipant returns it; unknown ids resolve null', async () => {
      const store = ctx.store()
      const p = makeParticipant({
        type: 'agent',
        identity: { name: 'Bot', username: 'bot', custom: { deep: true } },
        externalIds: { telegram: '42', slack: 'U1' },
        presence: 'online',
        capabilities: ['reply', 'react'],
        metadata: { tier: 'gold' },
      })
      expect(await store.createParticipant(p)).toEqual(p)
      expect(await store.getParticipant(p.id)).toEqual(p)
      expect(await store.getParticipant('ptc_missing')).toBeNull()
    })

    it('createParticipant rejects a taken id with CONFLICT', async () => {
      const store = ctx.store()
      const p = await store.createParticipant(makeParticipant())
      await expectCode(store.createParticipant({ ...p, identity: { name: 'Other' } }), 'CONFLICT')
      expect(await store.getParticipant(p.id)).toEqual(p)
    })

    it('getParticipantByExternalId finds the owner of (channel, externalUserId)', async () => {
      const store = ctx.store()
      const p = await store.createParticipant(makeParticipant({ externalIds: { telegram: '42', slack: 'U1' } }))
      expect(await store.getParticipantByExternalId('telegram', '42')).toEqual(p)
      expect(await store.getParticipantByExternalId('slack', 'U1')).toEqual(p)
      expect(await store.getParticipantByExternalId('slack', '42')).toBeNull()
      expect(await store.getParticipantByExternalId('telegram', '43')).toBeNull()
    })

    it('an external id owned by another participant rejects with CONFLICT and stores nothing', async () => {
      const store = ctx.store()
      const owner = await store.createParticipant(makeParticipant({ externalIds: { telegram: '42' } }))
      const clash = makeParticipant({ externalIds: { slack: 'U7', telegram: '42' } })
      await expectCode(store.createParticipant(clash), 'CONFLICT')
      expect(await store.getParticipant(clash.id)).toBeNull()
      expect(await store.getParticipantByExternalId('slack', 'U7')).toBeNull()
      expect((await store.getParticipantByExternalId('telegram', '42'))?.id).toBe(owner.id)
      // The same user id on another channel is a different key.
      await store.createParticipant(makeParticipant({ externalIds: { discord: '42' } }))
    })

    it('getOrCreateParticipantByExternalId creates the candidate once, then returns the owner', async () => {
      const store = ctx.store()
      const candidate = makeParticipant({ externalIds: { telegram: '7' } })
      const first = await store.getOrCreateParticipantByExternalId('telegram', '7', candidate)
      expect(first).toEqual({ participant: candidate, created: true })
      const second = await store.getOrCreateParticipantByExternalId('telegram', '7', makeParticipant({ externalIds: { telegram: '7' } }))
      expect(second).toEqual({ participant: candidate, created: false })
    })

    it('getOrCreateParticipantByExternalId returns one participant to 30 concurrent callers', async () => {
      const store = ctx.store()
      const results = await concurrently(30, () =>
        store.getOrCreateParticipantByExternalId('slack', 'U_RACE', makeParticipant({ externalIds: { slack: 'U_RACE' } })))
      expect(new Set(results.map((r) => r.participant.id)).size).toBe(1)
      expect(results.filter((r) => r.created)).toHaveLength(1)
      const winner = results.find((r) => r.created)!.participant
      expect(await store.getParticipantByExternalId('slack', 'U_RACE')).toEqual(winner)
      const losers = results.filter((r) => !r.created)
      for (const r of losers.slice(0, 3)) expect(await store.getParticipant(r.participant.id)).toEqual(winner)
    })

    it('updateParticipant applies the updater and persists the result', async () => {
      const store = ctx.store()
      const p = await store.createParticipant(makeParticipant())
      const result = await store.updateParticipant(p.id, (cur) => ({ ...cur, presence: 'busy', identity: { ...cur.identity, displayName: 'A' } }))
      const expected: Participant = { ...p, presence: 'busy', identity: { ...p.identity, displayName: 'A' } }
      expect(result).toEqual({ record: expected, changed: true })
      expect(await store.getParticipant(p.id)).toEqual(expected)
    })

    it('updateParticipant with an updater returning undefined changes nothing', async () => {
      const store = ctx.store()
      const p = await store.createParticipant(makeParticipant())
      expect(await store.updateParticipant(p.id, () => undefined)).toEqual({ record: p, changed: false })
      expect(await store.getParticipant(p.id)).toEqual(p)
    })

    it('updateParticipant resolves null for an unknown id', async () => {
      expect(await ctx.store().updateParticipant('ptc_missing', (p) => p)).toBeNull()
    })

    it('updateParticipant passes an updater error through and changes nothing', async () => {
      const store = ctx.store()
      const p = await store.createParticipant(makeParticipant())
      const boom = new Error('boom')
      await expect(store.updateParticipant(p.id, () => { throw boom })).rejects.toBe(boom)
      expect(await store.getParticipant(p.id)).toEqual(p)
    })

    it('updateParticipant maintains external ids: clash is CONFLICT, a removed id is freed', async () => {
      const store = ctx.store()
      const a = await store.createParticipant(makeParticipant({ externalIds: { telegram: '1' } }))
      const b = await store.createParticipant(makeParticipant({ externalIds: { telegram: '2' } }))
      await expectCode(store.updateParticipant(b.id, (cur) => ({ ...cur, externalIds: { telegram: '1' } })), 'CONFLICT')
      expect(await store.getParticipant(b.id)).toEqual(b)
      await store.updateParticipant(a.id, (cur) => ({ ...cur, externalIds: { slack: 'UA' } }))
      expect(await store.getParticipantByExternalId('telegram', '1')).toBeNull()
      expect((await store.getParticipantByExternalId('slack', 'UA'))?.id).toBe(a.id)
      await store.updateParticipant(b.id, (cur) => ({ ...cur, externalIds: { ...cur.externalIds, discord: '1' } }))
      await store.createParticipant(makeParticipant({ externalIds: { telegram: '1' } }))
    })

    it('concurrent updateParticipant calls never lose each other\'s changes', async () => {
      const store = ctx.store()
      const p = await store.createParticipant(makeParticipant())
      const caps = Array.from({ length: 20 }, (_, i) => `cap_${String(i).padStart(2, '0')}`)
      await concurrently(caps.length, (i) =>
        store.updateParticipant(p.id, (cur) => ({ ...cur, capabilities: [...cur.capabilities, caps[i]!].sort() })))
      expect((await store.getParticipant(p.id))?.capabilities).toEqual(caps)
    })
  })

  describe('room members', () => {
    it('addRoomMember adds once, listRoomMembers lists, removeRoomMember removes once', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const a = await store.createParticipant(makeParticipant())
      const b = await store.createParticipant(makeParticipant())
      const ma = { roomId: room.id, participantId: a.id, joinedAt: isoAt(1) }
      const mb = { roomId: room.id, participantId: b.id, joinedAt: isoAt(2) }
      expect(await store.addRoomMember(ma)).toBe(true)
      expect(await store.addRoomMember(mb)).toBe(true)
      expect(await store.addRoomMember({ ...ma, joinedAt: isoAt(3) })).toBe(false)
      const members = await store.listRoomMembers(room.id)
      expect([...members].sort((x, y) => x.joinedAt.localeCompare(y.joinedAt))).toEqual([ma, mb])
      expect(await store.removeRoomMember(room.id, a.id)).toBe(true)
      expect(await store.removeRoomMember(room.id, a.id)).toBe(false)
      expect(await store.listRoomMembers(room.id)).toEqual([mb])
      expect(await store.addRoomMember(ma)).toBe(true)
    })

    it('listRoomMembers of a room without members is empty', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      expect(await store.listRoomMembers(room.id)).toEqual([])
    })

    it('30 concurrent addRoomMember calls for one member: exactly one resolves true', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const p = await store.createParticipant(makeParticipant())
      const results = await concurrently(30, (i) => store.addRoomMember({ roomId: room.id, participantId: p.id, joinedAt: isoAt(i) }))
      expect(results.filter(Boolean)).toHaveLength(1)
      expect(await store.listRoomMembers(room.id)).toHaveLength(1)
    })
  })
}
