import { describe, expect, it } from 'vitest'
import { isoAt, makeBinding, makeMessage, makeParticipant, makeRoom, makeRoutingPolicy, makeThread } from '../factories.js'
import { byKey, expectCode, idsOf, seedRoom, shuffled, type SuiteContext } from './context.js'

export function roomCases(ctx: SuiteContext): void {
  describe('rooms', () => {
    it('createRoom stores the room and getRoom returns it', async () => {
      const store = ctx.store()
      const room = makeRoom({ type: 'direct', name: 'Chat', metadata: { topic: 'x', nested: { a: [1, 2] } } })
      expect(await store.createRoom(room, [])).toEqual(room)
      expect(await store.getRoom(room.id)).toEqual(room)
    })

    it('getRoom resolves null for an unknown id', async () => {
      expect(await ctx.store().getRoom('room_missing')).toBeNull()
    })

    it('createRoom rejects a taken id with CONFLICT and keeps the first room', async () => {
      const store = ctx.store()
      const room = await seedRoom(store, { name: 'first' })
      await expectCode(store.createRoom({ ...room, name: 'second' }, []), 'CONFLICT')
      expect((await store.getRoom(room.id))?.name).toBe('first')
    })

    it('createRoom stores its bindings and derives externalBindings from them', async () => {
      const store = ctx.store()
      const room = makeRoom({ externalBindings: { bogus: { x: 'y' } } })
      const tg = makeBinding(room.id, { channel: 'telegram', bridgeId: 'tg', externalRoomId: '100' })
      const slack = makeBinding(room.id, { channel: 'slack', bridgeId: 'sl', externalRoomId: 'C1' })
      const created = await store.createRoom(room, [tg, slack])
      const expected = { telegram: { tg: '100' }, slack: { sl: 'C1' } }
      expect(created.externalBindings).toEqual(expected)
      expect((await store.getRoom(room.id))?.externalBindings).toEqual(expected)
      expect(await store.listRoomBindings(room.id)).toEqual([tg, slack])
      expect((await store.getRoomByBinding('slack', 'sl', 'C1'))?.id).toBe(room.id)
    })

    it('createRoom ignores externalBindings passed without bindings', async () => {
      const store = ctx.store()
      const room = makeRoom({ externalBindings: { telegram: { tg: '1' } } })
      expect((await store.createRoom(room, [])).externalBindings).toEqual({})
      expect((await store.getRoom(room.id))?.externalBindings).toEqual({})
      expect(await store.getRoomByBinding('telegram', 'tg', '1')).toBeNull()
    })

    it('createRoom with a binding bound to another room rejects with CONFLICT and stores nothing', async () => {
      const store = ctx.store()
      const first = makeRoom()
      const taken = makeBinding(first.id)
      await store.createRoom(first, [taken])
      const second = makeRoom()
      const free = makeBinding(second.id, { externalRoomId: 'free_1' })
      const clash = makeBinding(second.id, { channel: taken.channel, bridgeId: taken.bridgeId, externalRoomId: taken.externalRoomId })
      await expectCode(store.createRoom(second, [free, clash]), 'CONFLICT')
      expect(await store.getRoom(second.id)).toBeNull()
      expect(await store.getRoomByBinding(free.channel, free.bridgeId, free.externalRoomId)).toBeNull()
      expect((await store.getRoomByBinding(taken.channel, taken.bridgeId, taken.externalRoomId))?.id).toBe(first.id)
      expect(await store.listRoomBindings(second.id)).toEqual([])
    })

    it('createRoom with the same binding key twice in one call rejects with CONFLICT and stores nothing', async () => {
      const store = ctx.store()
      const room = makeRoom()
      const a = makeBinding(room.id, { externalRoomId: 'dup' })
      const b = makeBinding(room.id, { externalRoomId: 'dup' })
      await expectCode(store.createRoom(room, [a, b]), 'CONFLICT')
      expect(await store.getRoom(room.id)).toBeNull()
      expect(await store.getRoomByBinding(a.channel, a.bridgeId, 'dup')).toBeNull()
    })

    it('saveRoom inserts a new room, then replaces its fields and adds only new bindings', async () => {
      const store = ctx.store()
      const room = makeRoom({ name: 'v1' })
      const b1 = makeBinding(room.id, { externalRoomId: 'one' })
      expect(await store.saveRoom(room, [b1])).toEqual({ ...room, externalBindings: { telegram: { tg_main: 'one' } } })
      const b2 = makeBinding(room.id, { channel: 'slack', bridgeId: 'sl', externalRoomId: 'two' })
      const again = makeBinding(room.id, { externalRoomId: 'one' }) // same key as b1: already present
      const saved = await store.saveRoom({ ...room, name: 'v2', type: 'channel', metadata: { v: 2 } }, [again, b2])
      expect(saved).toMatchObject({ id: room.id, name: 'v2', type: 'channel', metadata: { v: 2 } })
      expect(saved.externalBindings).toEqual({ telegram: { tg_main: 'one' }, slack: { sl: 'two' } })
      expect(await store.getRoom(room.id)).toEqual(saved)
      expect(idsOf(await store.listRoomBindings(room.id)).sort()).toEqual([b1.id, b2.id].sort())
    })

    it('saveRoom with a binding bound to another room rejects with CONFLICT and changes nothing', async () => {
      const store = ctx.store()
      const other = makeRoom()
      const taken = makeBinding(other.id)
      await store.createRoom(other, [taken])
      const room = await seedRoom(store, { name: 'before' })
      const clash = makeBinding(room.id, { externalRoomId: taken.externalRoomId })
      await expectCode(store.saveRoom({ ...room, name: 'after' }, [clash]), 'CONFLICT')
      expect(await store.getRoom(room.id)).toEqual(room)
      expect((await store.getRoomByBinding(taken.channel, taken.bridgeId, taken.externalRoomId))?.id).toBe(other.id)
    })

    it('listRooms on an empty store returns an empty last page', async () => {
      expect(await ctx.store().listRooms({ limit: 10 })).toEqual({ items: [] })
    })

    it('listRooms pages through every room by (insertedAt, id), equal timestamps ordered by id', async () => {
      const store = ctx.store()
      const rooms = [0, 0, 0, 5, 5, 9, 12].map((ms) => makeRoom({ insertedAt: isoAt(ms) }))
      for (const room of shuffled(rooms)) await store.createRoom(room, [])
      const expected = idsOf([...rooms].sort(byKey))
      const seen: string[] = []
      const sizes: number[] = []
      let cursor: string | undefined
      for (let guard = 0; guard < 10; guard++) {
        const page = await store.listRooms({ limit: 3, ...(cursor === undefined ? {} : { cursor }) })
        seen.push(...idsOf(page.items))
        sizes.push(page.items.length)
        cursor = page.nextCursor
        if (cursor === undefined) break
      }
      expect(sizes).toEqual([3, 3, 1])
      expect(seen).toEqual(expected)
    })

    it('listRooms with limit equal to the room count returns one page without nextCursor', async () => {
      const store = ctx.store()
      const rooms = [1, 2, 3, 4].map((ms) => makeRoom({ insertedAt: isoAt(ms) }))
      for (const room of rooms) await store.createRoom(room, [])
      const page = await store.listRooms({ limit: 4 })
      expect(idsOf(page.items)).toEqual(idsOf(rooms))
      expect(page.nextCursor).toBeUndefined()
      const first = await store.listRooms({ limit: 2 })
      const second = await store.listRooms({ limit: 2, cursor: first.nextCursor! })
      expect(idsOf(second.items)).toEqual(idsOf(rooms.slice(2)))
      expect(second.nextCursor).toBeUndefined()
    })

    it('listRooms returns rooms with derived externalBindings', async () => {
      const store = ctx.store()
      const room = makeRoom()
      await store.createRoom(room, [makeBinding(room.id, { externalRoomId: 'r1' })])
      const page = await store.listRooms({ limit: 10 })
      expect(page.items).toEqual([{ ...room, externalBindings: { telegram: { tg_main: 'r1' } } }])
    })

    it('listRooms rejects a garbage cursor with INVALID_CURSOR', async () => {
      const store = ctx.store()
      await seedRoom(store)
      await expectCode(store.listRooms({ limit: 10, cursor: 'not-a-cursor' }), 'INVALID_CURSOR')
      await expectCode(store.listRooms({ limit: 10, cursor: Buffer.from('{"x":1}').toString('base64url') }), 'INVALID_CURSOR')
    })

    it('deleteRoom removes the room and is idempotent', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      expect(await store.deleteRoom(room.id)).toBe(true)
      expect(await store.getRoom(room.id)).toBeNull()
      expect(await store.deleteRoom(room.id)).toBe(false)
      expect((await store.listRooms({ limit: 10 })).items).toEqual([])
    })

    it('deleteRoom cascades to messages, threads, bindings, members and routing policy, and nothing else', async () => {
      const store = ctx.store()
      const room = makeRoom()
      const binding = makeBinding(room.id)
      await store.createRoom(room, [binding])
      const other = makeRoom()
      const otherBinding = makeBinding(other.id)
      await store.createRoom(other, [otherBinding])
      const participant = await store.createParticipant(makeParticipant())
      const ext = { channel: 'telegram', bridgeId: 'tg_main', externalId: 'm1' }
      const message = makeMessage(room.id, { externalId: 'm1', metadata: { channel: 'telegram', bridgeId: 'tg_main' } })
      await store.insertMessage(message)
      const otherMessage = await store.insertMessage(makeMessage(other.id))
      const thread = await store.insertThread(makeThread(room.id, { externalThreadId: 't1', rootMessageId: message.id }))
      const otherThread = await store.insertThread(makeThread(other.id, { externalThreadId: 't1' }))
      await store.addRoomMember({ roomId: room.id, participantId: participant.id, joinedAt: isoAt(0) })
      await store.addRoomMember({ roomId: other.id, participantId: participant.id, joinedAt: isoAt(0) })
      await store.putRoutingPolicy(makeRoutingPolicy(room.id), { now: isoAt(0) })
      await store.putRoutingPolicy(makeRoutingPolicy(other.id), { now: isoAt(0) })

      expect(await store.deleteRoom(room.id)).toBe(true)

      expect(await store.getMessage(message.id)).toBeNull()
      expect(await store.getMessageByExternalId(ext.channel, ext.bridgeId, ext.externalId)).toBeNull()
      expect(await store.countMessages(room.id)).toBe(0)
      expect((await store.listMessages({ roomId: room.id, limit: 10 })).messages).toEqual([])
      expect(await store.getThread(thread.id)).toBeNull()
      expect(await store.getThreadByExternalId(room.id, 't1')).toBeNull()
      expect((await store.listThreads(room.id, { limit: 10 })).items).toEqual([])
      expect(await store.getRoomBinding(binding.id)).toBeNull()
      expect(await store.getRoomByBinding(binding.channel, binding.bridgeId, binding.externalRoomId)).toBeNull()
      expect(await store.listRoomBindings(room.id)).toEqual([])
      expect(await store.listRoomMembers(room.id)).toEqual([])
      expect(await store.getRoutingPolicy(room.id)).toBeNull()
      // The participant is not the room's: it survives.
      expect(await store.getParticipant(participant.id)).toEqual(participant)

      // The freed keys can be used again.
      const reborn = makeRoom()
      await store.createRoom(reborn, [makeBinding(reborn.id, { externalRoomId: binding.externalRoomId })])
      await store.insertMessage(makeMessage(reborn.id, { externalId: 'm1', metadata: { channel: 'telegram', bridgeId: 'tg_main' } }))

      // The other room is untouched.
      expect(await store.getMessage(otherMessage.id)).toEqual(otherMessage)
      expect(await store.getThread(otherThread.id)).toEqual(otherThread)
      expect(await store.listRoomBindings(other.id)).toEqual([otherBinding])
      expect(await store.listRoomMembers(other.id)).toHaveLength(1)
      expect(await store.getRoutingPolicy(other.id)).not.toBeNull()
    })
  })
}
