import type { Message } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { isoAt, makeExternalMessage, makeMessage } from '../factories.js'
import { concurrently, expectCode, idsOf, seedRoom, type SuiteContext } from './context.js'

const tg = { channel: 'telegram', bridgeId: 'tg_main' }

export function messageCases(ctx: SuiteContext): void {
  describe('messages', () => {
    it('insertMessage stores every field and getMessage returns it', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const message = makeMessage(room.id, {
        role: 'assistant',
        content: [
          { type: 'text', text: 'héllo 👋' },
          { type: 'image', url: 'https://example.com/a.png', mediaType: 'image/png', width: 10, height: 20 },
          { type: 'tool_use', id: 'tu_1', name: 'search', input: { q: 'x', n: [1, 2] } },
          { type: 'tool_result', toolUseId: 'tu_1', content: { ok: true }, isError: false },
        ],
        replyToId: 'msg_parent',
        externalId: 'ext_1',
        externalReplyToId: 'ext_0',
        threadId: 'thr_1',
        externalThreadId: 'ext_thr',
        deliveryExternalRoomId: '-100',
        status: 'delivered',
        reactions: { '👍': ['ptc_a', 'ptc_b'] },
        receipts: { ptc_a: { deliveredAt: isoAt(5), readAt: isoAt(6) } },
        metadata: { channel: 'telegram', bridgeId: 'tg_main', nested: { list: [1, 'two', null] } },
        insertedAt: isoAt(1),
        updatedAt: isoAt(2),
      })
      expect(await store.insertMessage(message)).toEqual(message)
      expect(await store.getMessage(message.id)).toEqual(message)
    })

    it('getMessage resolves null for an unknown id', async () => {
      expect(await ctx.store().getMessage('msg_missing')).toBeNull()
    })

    it('insertMessage rejects a taken id with CONFLICT and keeps the first message', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const message = await store.insertMessage(makeMessage(room.id))
      await expectCode(store.insertMessage({ ...message, content: [{ type: 'text', text: 'other' }] }), 'CONFLICT')
      expect(await store.getMessage(message.id)).toEqual(message)
      expect(await store.countMessages(room.id)).toBe(1)
    })

    it('insertMessage into a missing room rejects with NOT_FOUND', async () => {
      const store = ctx.store()
      const message = makeMessage('room_missing')
      await expectCode(store.insertMessage(message), 'NOT_FOUND')
      expect(await store.getMessage(message.id)).toBeNull()
    })

    it('saveMessage inserts a new message, then replaces it by id', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const message = makeMessage(room.id)
      expect(await store.saveMessage(message)).toEqual(message)
      const replaced: Message = { ...message, content: [{ type: 'text', text: 'edited' }], status: 'read', updatedAt: isoAt(99) }
      expect(await store.saveMessage(replaced)).toEqual(replaced)
      expect(await store.getMessage(message.id)).toEqual(replaced)
      expect(await store.countMessages(room.id)).toBe(1)
    })

    it('getMessageByExternalId finds a message by (metadata.channel, metadata.bridgeId, externalId)', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const message = await store.insertMessage(makeExternalMessage(room.id, { ...tg, externalId: '55' }))
      expect(await store.getMessageByExternalId('telegram', 'tg_main', '55')).toEqual(message)
      expect(await store.getMessageByExternalId('telegram', 'tg_other', '55')).toBeNull()
      expect(await store.getMessageByExternalId('slack', 'tg_main', '55')).toBeNull()
      expect(await store.getMessageByExternalId('telegram', 'tg_main', '56')).toBeNull()
    })

    it('external ids are unique per (channel, bridgeId): a second message with the key is CONFLICT and not stored', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const first = await store.insertMessage(makeExternalMessage(room.id, { ...tg, externalId: '55' }))
      const clash = makeExternalMessage(room.id, { ...tg, externalId: '55' })
      await expectCode(store.insertMessage(clash), 'CONFLICT')
      expect(await store.getMessage(clash.id)).toBeNull()
      await expectCode(store.saveMessage(clash), 'CONFLICT')
      expect(await store.getMessage(clash.id)).toBeNull()
      expect((await store.getMessageByExternalId('telegram', 'tg_main', '55'))?.id).toBe(first.id)
      // A different bridge or channel is a different key, also across rooms.
      const other = await seedRoom(store)
      await store.insertMessage(makeExternalMessage(room.id, { channel: 'telegram', bridgeId: 'tg_two', externalId: '55' }))
      await store.insertMessage(makeExternalMessage(other.id, { channel: 'slack', bridgeId: 'tg_main', externalId: '55' }))
      await expectCode(store.insertMessage(makeExternalMessage(other.id, { ...tg, externalId: '55' })), 'CONFLICT')
      expect(await store.countMessages(room.id)).toBe(2)
    })

    it('an externalId without metadata.channel and metadata.bridgeId is not a unique key', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      await store.insertMessage(makeMessage(room.id, { externalId: 'loose' }))
      await store.insertMessage(makeMessage(room.id, { externalId: 'loose', metadata: { channel: 'telegram' } }))
      expect(await store.countMessages(room.id)).toBe(2)
    })

    it('saveMessage may keep its own external key when replacing itself', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const message = await store.saveMessage(makeExternalMessage(room.id, { ...tg, externalId: 'self' }))
      const replaced = { ...message, status: 'read' as const }
      expect(await store.saveMessage(replaced)).toEqual(replaced)
      expect(await store.getMessageByExternalId('telegram', 'tg_main', 'self')).toEqual(replaced)
    })

    it('updateMessage applies the updater and persists the result', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const message = await store.insertMessage(makeMessage(room.id))
      const result = await store.updateMessage(message.id, (m) => ({ ...m, status: 'failed', updatedAt: isoAt(7) }))
      const expected = { ...message, status: 'failed', updatedAt: isoAt(7) }
      expect(result).toEqual({ record: expected, changed: true })
      expect(await store.getMessage(message.id)).toEqual(expected)
    })

    it('updateMessage with an updater returning undefined changes nothing; unknown ids resolve null', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const message = await store.insertMessage(makeMessage(room.id))
      expect(await store.updateMessage(message.id, () => undefined)).toEqual({ record: message, changed: false })
      expect(await store.getMessage(message.id)).toEqual(message)
      expect(await store.updateMessage('msg_missing', (m) => m)).toBeNull()
    })

    it('updateMessage passes an updater error through and changes nothing', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const message = await store.insertMessage(makeMessage(room.id))
      const boom = new Error('boom')
      await expect(store.updateMessage(message.id, () => { throw boom })).rejects.toBe(boom)
      expect(await store.getMessage(message.id)).toEqual(message)
    })

    it('concurrent updateMessage updaters each adding a reaction all survive (no lost update)', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const message = await store.insertMessage(makeMessage(room.id))
      const reactions = Array.from({ length: 20 }, (_, i) => `r${String(i).padStart(2, '0')}`)
      await concurrently(reactions.length, (i) =>
        store.updateMessage(message.id, (m) => ({ ...m, reactions: { ...m.reactions, [reactions[i]!]: ['ptc_a'] } })))
      const stored = await store.getMessage(message.id)
      expect(Object.keys(stored?.reactions ?? {}).sort()).toEqual(reactions)
    })

    it('updateMessage setting an external key owned by another message rejects with CONFLICT', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      await store.insertMessage(makeExternalMessage(room.id, { ...tg, externalId: 'taken' }))
      const message = await store.insertMessage(makeMessage(room.id, { metadata: { ...tg } }))
      await expectCode(store.updateMessage(message.id, (m) => ({ ...m, externalId: 'taken' })), 'CONFLICT')
      expect(await store.getMessage(message.id)).toEqual(message)
      const moved = await store.updateMessage(message.id, (m) => ({ ...m, externalId: 'free' }))
      expect(moved?.record.externalId).toBe('free')
      expect((await store.getMessageByExternalId('telegram', 'tg_main', 'free'))?.id).toBe(message.id)
    })

    it('updateMessage moving a message into a thread moves it between the threadId filters', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const a = await store.insertMessage(makeMessage(room.id, { insertedAt: isoAt(1) }))
      const b = await store.insertMessage(makeMessage(room.id, { insertedAt: isoAt(2) }))
      await store.updateMessage(b.id, (m) => ({ ...m, threadId: 'thr_x' }))
      const list = async (threadId: string | null) =>
        idsOf((await store.listMessages({ roomId: room.id, limit: 10, threadId })).messages)
      expect(await list(null)).toEqual([a.id])
      expect(await list('thr_x')).toEqual([b.id])
      expect(await store.countMessages(room.id, 'thr_x')).toBe(1)
      expect(await store.countMessages(room.id, null)).toBe(1)
    })

    it('deleteMessage removes the message, frees its external key and is idempotent', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const message = await store.insertMessage(makeExternalMessage(room.id, { ...tg, externalId: 'del' }))
      const kept = await store.insertMessage(makeMessage(room.id))
      expect(await store.deleteMessage(message.id)).toBe(true)
      expect(await store.deleteMessage(message.id)).toBe(false)
      expect(await store.getMessage(message.id)).toBeNull()
      expect(await store.getMessageByExternalId('telegram', 'tg_main', 'del')).toBeNull()
      expect(idsOf((await store.listMessages({ roomId: room.id, limit: 10 })).messages)).toEqual([kept.id])
      expect(await store.countMessages(room.id)).toBe(1)
      await store.insertMessage(makeExternalMessage(room.id, { ...tg, externalId: 'del' }))
    })

    it('countMessages counts a room\'s messages, filtered by threadId string or null', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const other = await seedRoom(store)
      for (const threadId of [undefined, undefined, 'thr_a', 'thr_a', 'thr_a', 'thr_b']) {
        await store.insertMessage(makeMessage(room.id, threadId === undefined ? {} : { threadId }))
      }
      await store.insertMessage(makeMessage(other.id, { threadId: 'thr_a' }))
      expect(await store.countMessages(room.id)).toBe(6)
      expect(await store.countMessages(room.id, undefined)).toBe(6)
      expect(await store.countMessages(room.id, null)).toBe(2)
      expect(await store.countMessages(room.id, 'thr_a')).toBe(3)
      expect(await store.countMessages(room.id, 'thr_missing')).toBe(0)
      expect(await store.countMessages('room_missing')).toBe(0)
    })
  })
}
