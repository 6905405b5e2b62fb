import type { Message, MessagingStore, StoreMessageQuery } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { isoAt, makeMessage } from '../factories.js'
import { byKey, idsOf, insertAll, keyOf, seedRoom, shuffled, type SuiteContext } from './context.js'

/** Inserts `count` messages one millisecond apart and returns them oldest first. */
async function seedTimeline(store: MessagingStore, roomId: string, count: number, start = 0): Promise<Message[]> {
  const messages = Array.from({ length: count }, (_, i) => makeMessage(roomId, { insertedAt: isoAt(start + i) }))
  await insertAll(store, messages)
  return messages
}

async function page(store: MessagingStore, query: StoreMessageQuery) {
  const result = await store.listMessages(query)
  return { ids: idsOf(result.messages), hasMoreBefore: result.hasMoreBefore, hasMoreAfter: result.hasMoreAfter }
}

export function listMessageCases(ctx: SuiteContext): void {
  describe('listMessages', () => {
    it('an empty room yields an empty page with no more on either side', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      expect(await store.listMessages({ roomId: room.id, limit: 10 })).toEqual({ messages: [], hasMoreBefore: false, hasMoreAfter: false })
      expect(await page(store, { roomId: room.id, limit: 10, threadId: null })).toEqual({ ids: [], hasMoreBefore: false, hasMoreAfter: false })
      expect(await page(store, { roomId: room.id, limit: 10, threadId: 'thr_x' })).toEqual({ ids: [], hasMoreBefore: false, hasMoreAfter: false })
    })

    it('without a cursor returns the newest `limit` messages in ascending order', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const m = await seedTimeline(store, room.id, 5)
      const result = await store.listMessages({ roomId: room.id, limit: 3 })
      expect(result.messages).toEqual(m.slice(2))
      expect(result.hasMoreBefore).toBe(true)
      expect(result.hasMoreAfter).toBe(false)
    })

    it('a limit exactly equal to the message count returns all with no more on either side', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const m = await seedTimeline(store, room.id, 4)
      expect(await page(store, { roomId: room.id, limit: 4 })).toEqual({ ids: idsOf(m), hasMoreBefore: false, hasMoreAfter: false })
      expect(await page(store, { roomId: room.id, limit: 50 })).toEqual({ ids: idsOf(m), hasMoreBefore: false, hasMoreAfter: false })
    })

    it('exact page boundaries: before the last and after the first', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const m = await seedTimeline(store, room.id, 6)
      const ids = idsOf(m)
      expect(await page(store, { roomId: room.id, limit: 5, before: keyOf(m[5]!) }))
        .toEqual({ ids: ids.slice(0, 5), hasMoreBefore: false, hasMoreAfter: true })
      expect(await page(store, { roomId: room.id, limit: 4, before: keyOf(m[5]!) }))
        .toEqual({ ids: ids.slice(1, 5), hasMoreBefore: true, hasMoreAfter: true })
      expect(await page(store, { roomId: room.id, limit: 5, after: keyOf(m[0]!) }))
        .toEqual({ ids: ids.slice(1), hasMoreBefore: true, hasMoreAfter: false })
      expect(await page(store, { roomId: room.id, limit: 4, after: keyOf(m[0]!) }))
        .toEqual({ ids: ids.slice(1, 5), hasMoreBefore: true, hasMoreAfter: true })
      expect(await page(store, { roomId: room.id, limit: 2, after: keyOf(m[1]!) }))
        .toEqual({ ids: ids.slice(2, 4), hasMoreBefore: true, hasMoreAfter: true })
    })

    it('before the first message is empty and after the last message is empty', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const m = await seedTimeline(store, room.id, 3)
      expect(await page(store, { roomId: room.id, limit: 10, before: keyOf(m[0]!) }))
        .toEqual({ ids: [], hasMoreBefore: false, hasMoreAfter: true })
      expect(await page(store, { roomId: room.id, limit: 10, after: keyOf(m[2]!) }))
        .toEqual({ ids: [], hasMoreBefore: true, hasMoreAfter: false })
    })

    it('messages inserted out of order are listed by (insertedAt, id)', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const m = Array.from({ length: 12 }, (_, i) => makeMessage(room.id, { insertedAt: isoAt(i * 10) }))
      await insertAll(store, shuffled(m, 7))
      expect(idsOf((await store.listMessages({ roomId: room.id, limit: 100 })).messages)).toEqual(idsOf(m))
    })

    it('many messages with an equal insertedAt are ordered by id and page by id', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const at = isoAt(1000)
      const m = Array.from({ length: 30 }, () => makeMessage(room.id, { insertedAt: at }))
      const early = makeMessage(room.id, { insertedAt: isoAt(999) })
      const late = makeMessage(room.id, { insertedAt: isoAt(1001) })
      await insertAll(store, shuffled([...m, early, late], 3))
      const expected = idsOf([early, ...m, late].sort(byKey))
      expect(idsOf((await store.listMessages({ roomId: room.id, limit: 100 })).messages)).toEqual(expected)
      const sorted = [early, ...m, late].sort(byKey)
      expect(await page(store, { roomId: room.id, limit: 10, before: keyOf(sorted[15]!) }))
        .toEqual({ ids: expected.slice(5, 15), hasMoreBefore: true, hasMoreAfter: true })
      expect(await page(store, { roomId: room.id, limit: 10, after: keyOf(sorted[15]!) }))
        .toEqual({ ids: expected.slice(16, 26), hasMoreBefore: true, hasMoreAfter: true })
    })

    it('filters by threadId string and by null (top-level only), with flags computed within the filter', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      // t = thread message, - = top-level; oldest first: t - t - t t -
      const plan = ['thr_a', null, 'thr_a', null, 'thr_b', 'thr_a', null] as const
      const m = plan.map((threadId, i) => makeMessage(room.id, { insertedAt: isoAt(i), ...(threadId === null ? {} : { threadId }) }))
      await insertAll(store, m)
      const top = m.filter((x) => x.threadId === undefined)
      const inA = m.filter((x) => x.threadId === 'thr_a')
      expect(await page(store, { roomId: room.id, limit: 3, threadId: null }))
        .toEqual({ ids: idsOf(top), hasMoreBefore: false, hasMoreAfter: false })
      expect(await page(store, { roomId: room.id, limit: 2, threadId: null }))
        .toEqual({ ids: idsOf(top.slice(1)), hasMoreBefore: true, hasMoreAfter: false })
      expect(await page(store, { roomId: room.id, limit: 3, threadId: 'thr_a' }))
        .toEqual({ ids: idsOf(inA), hasMoreBefore: false, hasMoreAfter: false })
      expect(await page(store, { roomId: room.id, limit: 10, threadId: 'thr_b' }))
        .toEqual({ ids: [m[4]!.id], hasMoreBefore: false, hasMoreAfter: false })
      expect(await page(store, { roomId: room.id, limit: 10, threadId: 'thr_none' }))
        .toEqual({ ids: [], hasMoreBefore: false, hasMoreAfter: false })
      // Cursors combine with the filter: the neighbours are the thread's, not the room's.
      expect(await page(store, { roomId: room.id, limit: 1, threadId: 'thr_a', before: keyOf(inA[2]!) }))
        .toEqual({ ids: [inA[1]!.id], hasMoreBefore: true, hasMoreAfter: true })
      expect(await page(store, { roomId: room.id, limit: 1, threadId: null, after: keyOf(top[0]!) }))
        .toEqual({ ids: [top[1]!.id], hasMoreBefore: true, hasMoreAfter: true })
      expect(await page(store, { roomId: room.id, limit: 5, threadId: null, after: keyOf(top[0]!) }))
        .toEqual({ ids: idsOf(top.slice(1)), hasMoreBefore: true, hasMoreAfter: false })
    })

    it('lists only the messages of the queried room', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const other = await seedRoom(store)
      const mine = await seedTimeline(store, room.id, 3, 0)
      await seedTimeline(store, other.id, 3, 1)
      expect(await page(store, { roomId: room.id, limit: 10 })).toEqual({ ids: idsOf(mine), hasMoreBefore: false, hasMoreAfter: false })
      expect(await page(store, { roomId: 'room_missing', limit: 10 })).toEqual({ ids: [], hasMoreBefore: false, hasMoreAfter: false })
    })

    it('a cursor key whose message was deleted still seeks by position', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const m = await seedTimeline(store, room.id, 6)
      await store.deleteMessage(m[3]!.id)
      expect(await page(store, { roomId: room.id, limit: 10, before: keyOf(m[3]!) }))
        .toEqual({ ids: idsOf(m.slice(0, 3)), hasMoreBefore: false, hasMoreAfter: true })
      expect(await page(store, { roomId: room.id, limit: 10, after: keyOf(m[3]!) }))
        .toEqual({ ids: idsOf(m.slice(4)), hasMoreBefore: true, hasMoreAfter: false })
    })
  })
}
