import { describe, expect, it } from 'vitest'
import { text, useMessaging, type MessagingConformanceOptions } from './harness.js'

export function apiCases(options: MessagingConformanceOptions): void {
  const h = useMessaging(options)

  describe('the seed example', () => {
    it('creates a room, saves, lists and posts a message', async () => {
      const { messaging } = h()
      const room = await messaging.createRoom({ type: 'direct', name: 'Chat' })
      const saved = await messaging.saveMessage({ roomId: room.id, senderId: 'user_123', role: 'user',
        content: [{ type: 'text', text: 'Hello!' }] })
      const page = await messaging.listMessages(room.id)
      const result = await messaging.postMessage({ roomId: room.id, senderId: 'user_123', role: 'user',
        content: [{ type: 'text', text: 'Hello!' }] })
      expect(result.signals[0]!.type).toBe('jido.messaging.room.message_added')
      expect(result.signals).toHaveLength(1)
      expect(room).toMatchObject({ type: 'direct', name: 'Chat', externalBindings: {}, metadata: {} })
      expect(room.id).toMatch(/^room_/)
      expect(saved).toMatchObject({ roomId: room.id, senderId: 'user_123', role: 'user', status: 'sent',
        content: [{ type: 'text', text: 'Hello!' }], reactions: {}, receipts: {} })
      expect(page.messages.map((m) => m.id)).toEqual([saved.id])
      expect((await messaging.listMessages(room.id)).messages.map((m) => m.id)).toEqual([saved.id, result.message.id])
    })
  })

  describe('rooms', () => {
    it('get, list with cursor pages, save record, delete with everything in it', async () => {
      const { messaging } = h()
      const rooms = []
      for (let i = 0; i < 5; i++) rooms.push(await messaging.createRoom({ name: `r${i}` }))
      expect(await messaging.getRoom(rooms[0]!.id)).toEqual(rooms[0])
      expect(await messaging.getRoom('room_missing')).toBeNull()
      const first = await messaging.listRooms({ limit: 3 })
      expect(first.rooms.map((r) => r.name)).toEqual(['r0', 'r1', 'r2'])
      const second = await messaging.listRooms({ limit: 3, cursor: first.nextCursor! })
      expect(second.rooms.map((r) => r.name)).toEqual(['r3', 'r4'])
      expect(second.nextCursor).toBeUndefined()
      await expect(messaging.listRooms({ cursor: 'garbage' })).rejects.toMatchObject({ code: 'INVALID_CURSOR' })

      const custom = await messaging.saveRoomRecord({ id: 'room_custom', type: 'channel', name: 'Imported',
        insertedAt: '2024-01-01T00:00:00Z' })
      expect(custom).toMatchObject({ id: 'room_custom', type: 'channel', insertedAt: '2024-01-01T00:00:00.000Z' })
      expect(await messaging.saveRoomRecord({ ...custom, name: 'Renamed' })).toMatchObject({ name: 'Renamed' })

      const room = rooms[0]!
      const m = await messaging.saveMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('x') })
      const thread = await messaging.saveThread({ roomId: room.id, rootMessageId: m.id })
      const binding = await messaging.createRoomBinding(room.id, 'telegram', 'tg', 'chat-1')
      await messaging.putRoutingPolicy(room.id, { deliveryMode: 'broadcast' })
      expect(await messaging.deleteRoom(room.id)).toBe(true)
      expect(await messaging.deleteRoom(room.id)).toBe(false)
      expect(await messaging.getMessage(m.id)).toBeNull()
      expect(await messaging.getThread(thread.id)).toBeNull()
      expect(await messaging.listRoomBindings(room.id)).toEqual([])
      expect(await messaging.getRoutingPolicy(room.id)).toBeNull()
      expect(await messaging.getRoomByExternalBinding('telegram', 'tg', 'chat-1')).toBeNull()
      void binding
    })

    it('bindings: create, list, lookups, uniqueness, delete; externalBindings follows them', async () => {
      const { messaging } = h()
      const room = await messaging.createRoom({ name: 'bridged' })
      const b1 = await messaging.createRoomBinding(room.id, 'telegram', 'tg', '-100')
      const b2 = await messaging.createRoomBinding(room.id, 'slack', 'sl', 'C1', { direction: 'inbound' })
      expect(b1).toMatchObject({ roomId: room.id, channel: 'telegram', bridgeId: 'tg', externalRoomId: '-100', direction: 'both', enabled: true })
      expect(b2.direction).toBe('inbound')
      expect((await messaging.listRoomBindings(room.id)).map((b) => b.id)).toEqual([b1.id, b2.id])
      expect((await messaging.getRoom(room.id))!.externalBindings).toEqual({ telegram: { tg: '-100' }, slack: { sl: 'C1' } })
      expect((await messaging.getRoomByExternalBinding('telegram', 'tg', '-100'))!.id).toBe(room.id)
      const other = await messaging.createRoom()
      await expect(messaging.createRoomBinding(other.id, 'telegram', 'tg', '-100')).rejects.toMatchObject({ code: 'CONFLICT' })
      await expect(messaging.createRoomBinding('room_nope', 'telegram', 'tg', '-5')).rejects.toMatchObject({ code: 'NOT_FOUND' })
      expect(await messaging.deleteRoomBinding(b1.id)).toBe(true)
      expect(await messaging.deleteRoomBinding(b1.id)).toBe(false)
      expect((await messaging.getRoom(room.id))!.externalBindings).toEqual({ slack: { sl: 'C1' } })
      expect(await messaging.getRoomByExternalBinding('telegram', 'tg', '-100')).toBeNull()
    })

    it('getOrCreateRoomByExternalBinding is race-safe: concurrent callers get one room', async () => {
      const { messaging } = h()
      const rooms = await Promise.all(Array.from({ length: 25 }, (_, i) =>
        messaging.getOrCreateRoomByExternalBinding('discord', 'dc', 'chan-9', { name: `candidate ${i}` })))
      expect(new Set(rooms.map((r) => r.id)).size).toBe(1)
      expect(rooms[0]!.externalBindings).toEqual({ discord: { dc: 'chan-9' } })
      expect((await messaging.listRooms({ limit: 100 })).rooms).toHaveLength(1)
      expect((await messaging.getRoomByExternalBinding('discord', 'dc', 'chan-9'))!.id).toBe(rooms[0]!.id)
    })
  })

  describe('participants', () => {
    it('create, get, get-or-create by external id (race-safe), unique external ids', async () => {
      const { messaging } = h()
      const p = await messaging.createParticipant({ type: 'agent', identity: { name: 'Bot' }, externalIds: { slack: 'U1' } })
      expect(p).toMatchObject({ type: 'agent', presence: 'offline', capabilities: [], identity: { name: 'Bot' } })
      expect(p.id).toMatch(/^ptc_/)
      expect(await messaging.getParticipant(p.id)).toEqual(p)
      expect(await messaging.getParticipant('ptc_missing')).toBeNull()
      expect((await messaging.getOrCreateParticipantByExternalId('slack', 'U1')).id).toBe(p.id)
      await expect(messaging.createParticipant({ externalIds: { slack: 'U1' } })).rejects.toMatchObject({ code: 'CONFLICT' })
      const many = await Promise.all(Array.from({ length: 25 }, () =>
        messaging.getOrCreateParticipantByExternalId('telegram', '42', { identity: { username: 'ada' } })))
      expect(new Set(many.map((x) => x.id)).size).toBe(1)
      expect(many[0]).toMatchObject({ externalIds: { telegram: '42' }, identity: { username: 'ada' }, type: 'human' })
    })
  })

  describe('messages', () => {
    it('save record, get, external ids, delete idempotent', async () => {
      const { messaging } = h()
      const room = await messaging.createRoom()
      const m = await messaging.saveMessage({ roomId: room.id, senderId: 'u', role: 'assistant',
        content: [{ type: 'text', text: 'hi' }, { type: 'image', url: 'https://x/y.png', altText: 'y' },
          { type: 'tool_use', id: 'tu1', name: 'search', input: { q: 1 } },
          { type: 'tool_result', toolUseId: 'tu1', content: 'ok', isError: false }],
        metadata: { channel: 'slack', bridgeId: 'sl' } })
      expect(m.id).toMatch(/^msg_/)
      expect(m.insertedAt).toBe(m.updatedAt)
      const withExt = await messaging.updateMessageExternalId(m.id, '1700000000.000100')
      expect(withExt.externalId).toBe('1700000000.000100')
      expect((await messaging.getMessageByExternalId('slack', 'sl', '1700000000.000100'))!.id).toBe(m.id)
      expect(await messaging.getMessageByExternalId('slack', 'other', '1700000000.000100')).toBeNull()
      const m2 = await messaging.saveMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('2'),
        metadata: { channel: 'slack', bridgeId: 'sl' } })
      await expect(messaging.updateMessageExternalId(m2.id, '1700000000.000100')).rejects.toMatchObject({ code: 'CONFLICT' })
      await expect(messaging.updateMessageExternalId('msg_missing', 'x')).rejects.toMatchObject({ code: 'NOT_FOUND' })
      const edited = await messaging.saveMessageRecord({ ...withExt, content: text('edited') })
      expect(edited.content).toEqual(text('edited'))
      expect((await messaging.getMessage(m.id))!.content).toEqual(text('edited'))
      expect(await messaging.deleteMessage(m.id)).toBe(true)
      expect(await messaging.deleteMessage(m.id)).toBe(false)
      expect(await messaging.getMessage(m.id)).toBeNull()
    })

    it('listMessages: newest page, before/after cursors, threadId filter, INVALID_CURSOR', async () => {
      const { messaging } = h()
      const room = await messaging.createRoom()
      const ids: string[] = []
      for (let i = 0; i < 7; i++) ids.push((await messaging.saveMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text(`m${i}`) })).id)
      const newest = await messaging.listMessages(room.id, { limit: 3 })
      expect(newest.messages.map((m) => m.id)).toEqual(ids.slice(4))
      expect(newest).toMatchObject({ hasMoreBefore: true, hasMoreAfter: false })
      const older = await messaging.listMessages(room.id, { limit: 3, before: ids[4]! })
      expect(older.messages.map((m) => m.id)).toEqual(ids.slice(1, 4))
      expect(older).toMatchObject({ hasMoreBefore: true, hasMoreAfter: true })
      const oldest = await messaging.listMessages(room.id, { limit: 3, before: ids[1]! })
      expect(oldest.messages.map((m) => m.id)).toEqual([ids[0]])
      expect(oldest.hasMoreBefore).toBe(false)
      const newer = await messaging.listMessages(room.id, { limit: 10, after: ids[2]! })
      expect(newer.messages.map((m) => m.id)).toEqual(ids.slice(3))
      expect(newer).toMatchObject({ hasMoreBefore: true, hasMoreAfter: false })
      const empty = await messaging.createRoom()
      expect(await messaging.listMessages(empty.id)).toEqual({ messages: [], hasMoreBefore: false, hasMoreAfter: false })
      await expect(messaging.listMessages(room.id, { before: 'msg_missing' })).rejects.toMatchObject({ code: 'INVALID_CURSOR' })
      await expect(messaging.listMessages(room.id, { before: ids[1]!, after: ids[2]! })).rejects.toMatchObject({ code: 'INVALID_CURSOR' })
      const elsewhere = await messaging.saveMessage({ roomId: empty.id, senderId: 'u', role: 'user', content: text('x') })
      await expect(messaging.listMessages(room.id, { after: elsewhere.id })).rejects.toMatchObject({ code: 'INVALID_CURSOR' })
      await messaging.deleteMessage(ids[3]!)
      await expect(messaging.listMessages(room.id, { after: ids[3]! })).rejects.toMatchObject({ code: 'INVALID_CURSOR' })
      await expect(messaging.listMessages(room.id, { limit: 0 })).rejects.toMatchObject({ code: 'VALIDATION' })

      const thread = await messaging.saveThread({ roomId: room.id, rootMessageId: ids[0]! })
      const r1 = await messaging.saveMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('r1'), threadId: thread.id })
      const inThread = await messaging.listMessages(room.id, { threadId: thread.id })
      expect(inThread.messages.map((m) => m.id)).toEqual([r1.id])
    })

    it('keeps creation order for messages saved in the same millisecond', async () => {
      const { messaging } = h()
      const room = await messaging.createRoom()
      const saved = await Promise.all(Array.from({ length: 40 }, (_, i) =>
        messaging.saveMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text(String(i)) })))
      const listed = await messaging.listMessages(room.id, { limit: 100 })
      expect(listed.messages.map((m) => m.id)).toEqual(saved.map((m) => m.id).sort())
    })
  })

  describe('threads and timeline', () => {
    it('saveThread, lookups, uniqueness, listThreads, roomTimeline', async () => {
      const { messaging } = h()
      const room = await messaging.createRoom()
      const root = await messaging.saveMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('root') })
      const plain = await messaging.saveMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('plain') })
      const thread = await messaging.saveThread({ roomId: room.id, rootMessageId: root.id, externalThreadId: 'T1' })
      expect(thread).toMatchObject({ status: 'active', metadata: {} })
      expect(thread.id).toMatch(/^thr_/)
      expect(await messaging.getThread(thread.id)).toEqual(thread)
      expect(await messaging.getThreadByExternalId(room.id, 'T1')).toEqual(thread)
      expect(await messaging.getThreadByRootMessageId(room.id, root.id)).toEqual(thread)
      await expect(messaging.saveThread({ roomId: room.id, externalThreadId: 'T1' })).rejects.toMatchObject({ code: 'CONFLICT' })
      await expect(messaging.saveThread({ roomId: 'room_nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' })
      const archived = await messaging.saveThreadRecord({ ...thread, status: 'archived' })
      expect(archived.status).toBe('archived')
      const other = await messaging.saveThread({ roomId: room.id })
      expect((await messaging.listThreads(room.id)).threads.map((t) => t.id)).toEqual([thread.id, other.id])
      expect((await messaging.listThreads(room.id, { status: 'active' })).threads.map((t) => t.id)).toEqual([other.id])
      const p1 = await messaging.listThreads(room.id, { limit: 1 })
      expect((await messaging.listThreads(room.id, { limit: 1, cursor: p1.nextCursor! })).threads.map((t) => t.id)).toEqual([other.id])

      const replies = []
      for (let i = 0; i < 3; i++) replies.push(await messaging.saveMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text(`r${i}`), threadId: thread.id }))
      await expect(messaging.saveMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('x'), threadId: 'thr_nope' }))
        .rejects.toMatchObject({ code: 'NOT_FOUND' })
      const tl = await messaging.roomTimeline(room.id)
      expect(tl.timeline.map((m) => m.id)).toEqual([root.id, plain.id])
      expect(tl.threads[root.id]!.map((m) => m.id)).toEqual(replies.map((r) => r.id))
      expect(tl.replyCounts).toEqual({ [root.id]: 3 })
      const limited = await messaging.roomTimeline(room.id, { repliesLimit: 2 })
      expect(limited.threads[root.id]!.map((m) => m.id)).toEqual(replies.slice(1).map((r) => r.id))
      expect(limited.replyCounts[root.id]).toBe(3)
    })
  })

  describe('bridge configs and routing policies', () => {
    it('follow the revision rule', async () => {
      const { messaging } = h()
      const created = await messaging.putBridgeConfig({ id: 'tg', adapter: 'telegram', credentials: { botToken: 'env:TG_TOKEN' }, revision: 0 })
      expect(created).toMatchObject({ revision: 1, enabled: true, deliveryPolicy: { maxAttempts: 5, baseBackoffMs: 250, maxBackoffMs: 30000, deadLetter: true } })
      await expect(messaging.putBridgeConfig({ id: 'tg', adapter: 'telegram', revision: 0 })).rejects.toMatchObject({
        code: 'REVISION_CONFLICT', details: { expected: 0, actual: 1 } })
      expect((await messaging.putBridgeConfig({ id: 'tg', adapter: 'telegram', revision: 1, enabled: false })).revision).toBe(2)
      expect((await messaging.putBridgeConfig({ id: 'tg', adapter: 'telegram' })).revision).toBe(3)
      await messaging.putBridgeConfig({ id: 'sl', adapter: 'slack' })
      expect((await messaging.listBridgeConfigs()).map((c) => c.id)).toEqual(['sl', 'tg'])
      expect((await messaging.listBridgeConfigs({ enabled: true })).map((c) => c.id)).toEqual(['sl', 'tg'])
      expect(await messaging.deleteBridgeConfig('sl')).toBe(true)
      expect(await messaging.getBridgeConfig('sl')).toBeNull()
      await expect(messaging.putBridgeConfig({ id: 'x' } as never)).rejects.toMatchObject({ code: 'VALIDATION' })

      const room = await messaging.createRoom()
      const policy = await messaging.putRoutingPolicy(room.id, { deliveryMode: 'broadcast', fallbackOrder: ['tg'], revision: 0 })
      expect(policy).toMatchObject({ roomId: room.id, deliveryMode: 'broadcast', failoverPolicy: 'next_available', dedupeScope: 'message_id', mirror: false, revision: 1 })
      await expect(messaging.putRoutingPolicy(room.id, { revision: 5 })).rejects.toMatchObject({ code: 'REVISION_CONFLICT', details: { expected: 5, actual: 1 } })
      expect(await messaging.getRoutingPolicy(room.id)).toEqual(policy)
      await expect(messaging.putRoutingPolicy('room_nope', {})).rejects.toMatchObject({ code: 'NOT_FOUND' })
      expect(await messaging.deleteRoutingPolicy(room.id)).toBe(true)
      expect(await messaging.getRoutingPolicy(room.id)).toBeNull()
    })
  })
}
