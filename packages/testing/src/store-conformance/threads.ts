import type { MessagingStore, Thread, ThreadStatus } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { isoAt, makeThread } from '../factories.js'
import { byKey, concurrently, expectCode, idsOf, seedRoom, shuffled, type SuiteContext } from './context.js'

async function allThreadPages(store: MessagingStore, roomId: string, limit: number, status?: ThreadStatus) {
  const pages: string[][] = []
  let cursor: string | undefined
  for (let guard = 0; guard < 50; guard++) {
    const page = await store.listThreads(roomId, { limit, ...(cursor === undefined ? {} : { cursor }), ...(status ? { status } : {}) })
    pages.push(idsOf(page.items))
    cursor = page.nextCursor
    if (cursor === undefined) break
  }
  return pages
}

export function threadCases(ctx: SuiteContext): void {
  describe('threads', () => {
    it('insertThread stores every field and getThread returns it; unknown ids resolve null', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const thread = makeThread(room.id, {
        externalThreadId: 'ext_t',
        deliveryExternalRoomId: '-100',
        rootMessageId: 'msg_root',
        rootExternalMessageId: 'ext_root',
        assignedAgentId: 'agent_1',
        status: 'archived',
        metadata: { topic: 'billing' },
      })
      expect(await store.insertThread(thread)).toEqual(thread)
      expect(await store.getThread(thread.id)).toEqual(thread)
      expect(await store.getThread('thr_missing')).toBeNull()
    })

    it('insertThread rejects a taken id with CONFLICT', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const thread = await store.insertThread(makeThread(room.id))
      await expectCode(store.insertThread({ ...thread, status: 'closed' }), 'CONFLICT')
      expect(await store.getThread(thread.id)).toEqual(thread)
    })

    it('getThreadByExternalId and getThreadByRootMessageId look up within the room', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const other = await seedRoom(store)
      const thread = await store.insertThread(makeThread(room.id, { externalThreadId: 'T1', rootMessageId: 'msg_r1' }))
      const twin = await store.insertThread(makeThread(other.id, { externalThreadId: 'T1', rootMessageId: 'msg_r1' }))
      expect(await store.getThreadByExternalId(room.id, 'T1')).toEqual(thread)
      expect(await store.getThreadByRootMessageId(room.id, 'msg_r1')).toEqual(thread)
      expect(await store.getThreadByExternalId(other.id, 'T1')).toEqual(twin)
      expect(await store.getThreadByRootMessageId(other.id, 'msg_r1')).toEqual(twin)
      expect(await store.getThreadByExternalId(room.id, 'T2')).toBeNull()
      expect(await store.getThreadByRootMessageId(room.id, 'msg_r2')).toBeNull()
    })

    it('(roomId, externalThreadId) and (roomId, rootMessageId) are unique: CONFLICT, nothing stored', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const first = await store.insertThread(makeThread(room.id, { externalThreadId: 'T1', rootMessageId: 'msg_r1' }))
      const sameExternal = makeThread(room.id, { externalThreadId: 'T1' })
      const sameRoot = makeThread(room.id, { rootMessageId: 'msg_r1' })
      await expectCode(store.insertThread(sameExternal), 'CONFLICT')
      await expectCode(store.insertThread(sameRoot), 'CONFLICT')
      await expectCode(store.saveThread(sameExternal), 'CONFLICT')
      await expectCode(store.saveThread(sameRoot), 'CONFLICT')
      expect(await store.getThread(sameExternal.id)).toBeNull()
      expect(await store.getThread(sameRoot.id)).toBeNull()
      expect(await store.getThreadByExternalId(room.id, 'T1')).toEqual(first)
      // Threads with neither key do not collide.
      await store.insertThread(makeThread(room.id))
      await store.insertThread(makeThread(room.id))
    })

    it('saveThread inserts a new thread, then replaces it by id', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const thread = makeThread(room.id, { externalThreadId: 'T1' })
      expect(await store.saveThread(thread)).toEqual(thread)
      const replaced: Thread = { ...thread, status: 'closed', externalThreadId: 'T2', updatedAt: isoAt(9) }
      expect(await store.saveThread(replaced)).toEqual(replaced)
      expect(await store.getThread(thread.id)).toEqual(replaced)
      expect(await store.getThreadByExternalId(room.id, 'T1')).toBeNull()
      expect(await store.getThreadByExternalId(room.id, 'T2')).toEqual(replaced)
    })

    it('getOrCreateThread creates by externalThreadId once, then returns the existing thread', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const candidate = makeThread(room.id, { externalThreadId: 'T1' })
      expect(await store.getOrCreateThread(candidate)).toEqual({ thread: candidate, created: true })
      const again = await store.getOrCreateThread(makeThread(room.id, { externalThreadId: 'T1', rootMessageId: 'msg_x' }))
      expect(again).toEqual({ thread: candidate, created: false })
    })

    it('getOrCreateThread without externalThreadId matches on rootMessageId', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const candidate = makeThread(room.id, { rootMessageId: 'msg_root' })
      expect((await store.getOrCreateThread(candidate)).created).toBe(true)
      expect(await store.getOrCreateThread(makeThread(room.id, { rootMessageId: 'msg_root' })))
        .toEqual({ thread: candidate, created: false })
    })

    it('getOrCreateThread returns one thread to 30 concurrent callers (by external id and by root)', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      for (const key of [{ externalThreadId: 'T_RACE' }, { rootMessageId: 'msg_race' }]) {
        const results = await concurrently(30, () => store.getOrCreateThread(makeThread(room.id, key)))
        expect(new Set(results.map((r) => r.thread.id)).size).toBe(1)
        expect(results.filter((r) => r.created)).toHaveLength(1)
      }
      expect((await store.listThreads(room.id, { limit: 100 })).items).toHaveLength(2)
    })

    it('updateThread applies the updater; undefined changes nothing; unknown ids resolve null', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const thread = await store.insertThread(makeThread(room.id))
      const result = await store.updateThread(thread.id, (t) => ({ ...t, status: 'archived', assignedAgentId: 'agent_9' }))
      const expected = { ...thread, status: 'archived', assignedAgentId: 'agent_9' }
      expect(result).toEqual({ record: expected, changed: true })
      expect(await store.getThread(thread.id)).toEqual(expected)
      expect(await store.updateThread(thread.id, () => undefined)).toEqual({ record: expected, changed: false })
      expect(await store.updateThread('thr_missing', (t) => t)).toBeNull()
    })

    it('updateThread setting a taken externalThreadId rejects with CONFLICT and changes nothing', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      await store.insertThread(makeThread(room.id, { externalThreadId: 'taken' }))
      const thread = await store.insertThread(makeThread(room.id))
      await expectCode(store.updateThread(thread.id, (t) => ({ ...t, externalThreadId: 'taken' })), 'CONFLICT')
      expect(await store.getThread(thread.id)).toEqual(thread)
    })

    it('concurrent updateThread calls never lose each other\'s changes', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const thread = await store.insertThread(makeThread(room.id))
      await concurrently(15, (i) => store.updateThread(thread.id, (t) => ({ ...t, metadata: { ...t.metadata, [`k${i}`]: i } })))
      expect(Object.keys((await store.getThread(thread.id))?.metadata ?? {})).toHaveLength(15)
    })

    it('listThreads pages a room\'s threads by (insertedAt, id)', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const other = await seedRoom(store)
      const threads = [0, 0, 1, 2, 2, 2, 3].map((ms) => makeThread(room.id, { insertedAt: isoAt(ms) }))
      for (const t of shuffled(threads, 11)) await store.insertThread(t)
      await store.insertThread(makeThread(other.id, { insertedAt: isoAt(1) }))
      const expected = idsOf([...threads].sort(byKey))
      const pages = await allThreadPages(store, room.id, 3)
      expect(pages.map((p) => p.length)).toEqual([3, 3, 1])
      expect(pages.flat()).toEqual(expected)
      expect(await allThreadPages(store, room.id, 7)).toEqual([expected])
      expect(await allThreadPages(store, 'room_missing', 3)).toEqual([[]])
    })

    it('listThreads filters by status, also across pages', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const statuses: ThreadStatus[] = ['active', 'archived', 'active', 'closed', 'active', 'archived', 'active']
      const threads = statuses.map((status, i) => makeThread(room.id, { status, insertedAt: isoAt(i) }))
      for (const t of threads) await store.insertThread(t)
      const active = idsOf(threads.filter((t) => t.status === 'active'))
      expect((await allThreadPages(store, room.id, 2, 'active')).flat()).toEqual(active)
      expect((await allThreadPages(store, room.id, 2, 'active')).map((p) => p.length)).toEqual([2, 2])
      expect((await allThreadPages(store, room.id, 10, 'archived')).flat()).toEqual(idsOf([threads[1]!, threads[5]!]))
      expect((await allThreadPages(store, room.id, 10, 'closed')).flat()).toEqual([threads[3]!.id])
    })

    it('listThreads rejects a garbage cursor with INVALID_CURSOR', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      await store.insertThread(makeThread(room.id))
      await expectCode(store.listThreads(room.id, { limit: 5, cursor: '%%%' }), 'INVALID_CURSOR')
    })
  })
}
