import { describe, expect, it } from 'vitest'
import { isoAt, makeBinding, makeRoom } from '../factories.js'
import { concurrently, expectCode, idsOf, seedRoom, type SuiteContext } from './context.js'

export function bindingCases(ctx: SuiteContext): void {
  describe('room bindings', () => {
    it('getRoomByBinding finds the bound room and resolves null for an unbound key', async () => {
      const store = ctx.store()
      const room = makeRoom()
      const binding = makeBinding(room.id, { channel: 'slack', bridgeId: 'sl', externalRoomId: 'C9' })
      await store.createRoom(room, [binding])
      expect((await store.getRoomByBinding('slack', 'sl', 'C9'))?.id).toBe(room.id)
      expect(await store.getRoomByBinding('slack', 'sl', 'C8')).toBeNull()
      expect(await store.getRoomByBinding('slack', 'other', 'C9')).toBeNull()
      expect(await store.getRoomByBinding('discord', 'sl', 'C9')).toBeNull()
    })

    it('insertRoomBinding adds a binding that getRoomBinding, listRoomBindings and externalBindings show', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const binding = makeBinding(room.id, { direction: 'inbound', enabled: false, externalRoomId: '-100' })
      expect(await store.insertRoomBinding(binding)).toEqual(binding)
      expect(await store.getRoomBinding(binding.id)).toEqual(binding)
      expect(await store.listRoomBindings(room.id)).toEqual([binding])
      expect((await store.getRoom(room.id))?.externalBindings).toEqual({ telegram: { tg_main: '-100' } })
    })

    it('getRoomBinding resolves null for an unknown id', async () => {
      expect(await ctx.store().getRoomBinding('bnd_missing')).toBeNull()
    })

    it('insertRoomBinding into a missing room rejects with NOT_FOUND', async () => {
      const store = ctx.store()
      const binding = makeBinding('room_missing')
      await expectCode(store.insertRoomBinding(binding), 'NOT_FOUND')
      expect(await store.getRoomBinding(binding.id)).toBeNull()
    })

    it('a binding key bound to another room rejects with CONFLICT and the binding stays where it was', async () => {
      const store = ctx.store()
      const first = makeRoom()
      const bound = makeBinding(first.id)
      await store.createRoom(first, [bound])
      const second = await seedRoom(store)
      const clash = makeBinding(second.id, { externalRoomId: bound.externalRoomId })
      await expectCode(store.insertRoomBinding(clash), 'CONFLICT')
      expect(await store.getRoomBinding(clash.id)).toBeNull()
      expect((await store.getRoomByBinding(bound.channel, bound.bridgeId, bound.externalRoomId))?.id).toBe(first.id)
      expect(await store.listRoomBindings(second.id)).toEqual([])
      expect((await store.getRoom(second.id))?.externalBindings).toEqual({})
      expect(await store.listRoomBindings(first.id)).toEqual([bound])
    })

    it('insertRoomBinding rejects a key already bound to the same room with CONFLICT', async () => {
      const store = ctx.store()
      const room = makeRoom()
      const bound = makeBinding(room.id)
      await store.createRoom(room, [bound])
      await expectCode(store.insertRoomBinding(makeBinding(room.id, { externalRoomId: bound.externalRoomId })), 'CONFLICT')
      expect(await store.listRoomBindings(room.id)).toEqual([bound])
    })

    it('insertRoomBinding rejects a taken binding id with CONFLICT', async () => {
      const store = ctx.store()
      const room = makeRoom()
      const bound = makeBinding(room.id)
      await store.createRoom(room, [bound])
      await expectCode(store.insertRoomBinding({ ...bound, externalRoomId: 'another' }), 'CONFLICT')
      expect(await store.getRoomByBinding(bound.channel, bound.bridgeId, 'another')).toBeNull()
    })

    it('the binding key is (channel, bridgeId, externalRoomId): keys differing in one part bind different rooms', async () => {
      const store = ctx.store()
      const a = makeRoom()
      const b = makeRoom()
      const c = makeRoom()
      await store.createRoom(a, [makeBinding(a.id, { channel: 'telegram', bridgeId: 'one', externalRoomId: '1' })])
      await store.createRoom(b, [makeBinding(b.id, { channel: 'telegram', bridgeId: 'two', externalRoomId: '1' })])
      await store.createRoom(c, [makeBinding(c.id, { channel: 'discord', bridgeId: 'one', externalRoomId: '1' })])
      expect((await store.getRoomByBinding('telegram', 'one', '1'))?.id).toBe(a.id)
      expect((await store.getRoomByBinding('telegram', 'two', '1'))?.id).toBe(b.id)
      expect((await store.getRoomByBinding('discord', 'one', '1'))?.id).toBe(c.id)
    })

    it('listRoomBindings orders by (insertedAt, id)', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const late = makeBinding(room.id, { insertedAt: isoAt(50), externalRoomId: 'late' })
      const early = makeBinding(room.id, { insertedAt: isoAt(10), externalRoomId: 'early' })
      const same1 = makeBinding(room.id, { insertedAt: isoAt(20), externalRoomId: 's1' })
      const same2 = makeBinding(room.id, { insertedAt: isoAt(20), externalRoomId: 's2' })
      for (const b of [late, same2, early, same1]) await store.insertRoomBinding(b)
      expect(idsOf(await store.listRoomBindings(room.id))).toEqual(idsOf([early, same1, same2, late]))
    })

    it('deleteRoomBinding unbinds the key, updates externalBindings and is idempotent', async () => {
      const store = ctx.store()
      const room = makeRoom()
      const keep = makeBinding(room.id, { channel: 'slack', bridgeId: 'sl', externalRoomId: 'keep' })
      const drop = makeBinding(room.id, { externalRoomId: 'drop' })
      await store.createRoom(room, [keep, drop])
      expect(await store.deleteRoomBinding(drop.id)).toBe(true)
      expect(await store.deleteRoomBinding(drop.id)).toBe(false)
      expect(await store.getRoomBinding(drop.id)).toBeNull()
      expect(await store.getRoomByBinding(drop.channel, drop.bridgeId, 'drop')).toBeNull()
      expect((await store.getRoom(room.id))?.externalBindings).toEqual({ slack: { sl: 'keep' } })
      // The key is free for another room now.
      const other = await seedRoom(store)
      await store.insertRoomBinding(makeBinding(other.id, { externalRoomId: 'drop' }))
      expect((await store.getRoomByBinding(drop.channel, drop.bridgeId, 'drop'))?.id).toBe(other.id)
    })

    it('getOrCreateRoomByBinding creates the room with its binding once, then returns it', async () => {
      const store = ctx.store()
      const room = makeRoom({ type: 'direct' })
      const binding = makeBinding(room.id)
      const first = await store.getOrCreateRoomByBinding(room, binding)
      expect(first.created).toBe(true)
      expect(first.room).toEqual({ ...room, externalBindings: { telegram: { tg_main: binding.externalRoomId } } })
      expect(first.binding).toEqual(binding)
      const candidate = makeRoom()
      const second = await store.getOrCreateRoomByBinding(candidate, makeBinding(candidate.id, { externalRoomId: binding.externalRoomId }))
      expect(second.created).toBe(false)
      expect(second.room).toEqual(first.room)
      expect(second.binding).toEqual(binding)
      expect(await store.getRoom(candidate.id)).toBeNull()
    })

    it('getOrCreateRoomByBinding returns one room to 50 concurrent callers with different candidates', async () => {
      const store = ctx.store()
      const externalRoomId = `race_${Date.now()}`
      const results = await concurrently(50, async () => {
        const candidate = makeRoom()
        return store.getOrCreateRoomByBinding(candidate, makeBinding(candidate.id, { externalRoomId }))
      })
      const roomIds = new Set(results.map((r) => r.room.id))
      expect(roomIds.size).toBe(1)
      expect(results.filter((r) => r.created)).toHaveLength(1)
      expect(new Set(results.map((r) => r.binding.id)).size).toBe(1)
      const [roomId] = roomIds
      expect((await store.getRoomByBinding('telegram', 'tg_main', externalRoomId))?.id).toBe(roomId)
      const all = await store.listRooms({ limit: 100 })
      expect(idsOf(all.items)).toEqual([roomId])
    })
  })
}
