import type { DeadLetter, DeadLetterStatus, OutboxDelivery } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { isoAt, makeDeadLetter, makeDelivery, uniqueSuffix } from '../factories.js'
import { byKey, expectCode, idsOf } from '../store-conformance/context.js'
import { seedMessage, sortIds, type FullStore, type RuntimeSuiteContext } from './context.js'

/** Enqueues a delivery and dead-letters it; resolves both as stored. */
async function deadLettered(
  store: FullStore,
  roomId: string,
  messageId: string,
  overrides: Partial<DeadLetter> = {},
): Promise<{ delivery: OutboxDelivery; deadLetter: DeadLetter }> {
  const queued = makeDelivery(roomId, messageId, { insertedAt: isoAt(0) })
  await store.enqueueDeliveries([queued])
  const delivery: OutboxDelivery = { ...queued, status: 'dead_lettered', attempts: 5, lastError: 'rejected', updatedAt: isoAt(50) }
  const deadLetter = makeDeadLetter(delivery, { insertedAt: isoAt(100), updatedAt: isoAt(100), ...overrides })
  expect(await store.deadLetterDelivery(delivery, deadLetter)).toEqual(deadLetter)
  return { delivery, deadLetter }
}

/** Every dead letter matching `status`, page by page. */
async function allPages(store: FullStore, limit: number, status?: DeadLetterStatus): Promise<DeadLetter[][]> {
  const pages: DeadLetter[][] = []
  let cursor: string | undefined
  for (let i = 0; i < 100; i++) {
    const page = await store.listDeadLetters({ limit, ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) })
    pages.push(page.items)
    if (page.nextCursor === undefined) return pages
    expect(page.items).toHaveLength(limit)
    cursor = page.nextCursor
  }
  throw new Error('listDeadLetters did not end')
}

const newestFirst = (a: DeadLetter, b: DeadLetter) => -byKey(a, b)

export function deadLetterCases(ctx: RuntimeSuiteContext): void {
  describe('dead letters', () => {
    it('deadLetterDelivery marks the delivery dead_lettered and stores the dead letter together', async () => {
      const store = ctx.store()
      const { room, message } = await seedMessage(store)
      const { delivery, deadLetter } = await deadLettered(store, room.id, message.id)
      expect(await store.getDelivery(delivery.id)).toEqual(delivery)
      expect(await store.getDeadLetter(deadLetter.id)).toEqual(deadLetter)
      expect(await store.getDeadLetter(`dl_missing_${uniqueSuffix()}`)).toBeNull()
    })

    it('deadLetterDelivery with a taken dead letter id rejects CONFLICT and leaves the delivery as it was', async () => {
      const store = ctx.store()
      const { room, message } = await seedMessage(store)
      const { deadLetter } = await deadLettered(store, room.id, message.id)
      const queued = makeDelivery(room.id, message.id)
      await store.enqueueDeliveries([queued])
      await expectCode(
        store.deadLetterDelivery({ ...queued, status: 'dead_lettered', attempts: 3 }, makeDeadLetter(queued, { id: deadLetter.id })),
        'CONFLICT',
      )
      expect(await store.getDelivery(queued.id)).toEqual(queued)
      expect(await store.getDeadLetter(deadLetter.id)).toEqual(deadLetter)
    })

    it('listDeadLetters pages newest first by (insertedAt, id), filters by status, and rejects a garbage cursor', async () => {
      const store = ctx.store()
      const { room, message } = await seedMessage(store)
      const specs: Array<[number, DeadLetterStatus]> = [
        [5, 'active'], [1, 'archived'], [5, 'active'], [3, 'replayed'], [1, 'active'], [9, 'active'], [5, 'archived'], [0, 'active'],
      ]
      const stored: DeadLetter[] = []
      for (const [tick, status] of specs) {
        stored.push((await deadLettered(store, room.id, message.id, { insertedAt: isoAt(tick), status })).deadLetter)
      }
      const expected = [...stored].sort(newestFirst)

      for (const limit of [1, 3, 8, 20]) {
        const pages = await allPages(store, limit)
        expect(pages.flat()).toEqual(expected)
        expect(pages).toHaveLength(Math.max(1, Math.ceil(expected.length / limit)))
      }
      const active = expected.filter((d) => d.status === 'active')
      expect((await allPages(store, 2, 'active')).flat()).toEqual(active)
      expect(idsOf((await allPages(store, 10, 'archived')).flat())).toEqual(idsOf(expected.filter((d) => d.status === 'archived')))
      await expectCode(store.listDeadLetters({ limit: 5, cursor: 'not-a-cursor' }), 'INVALID_CURSOR')
    })

    it('replayDeadLetter marks it replayed and resets its delivery to pending (same id, attempts 0, due now, no lease)', async () => {
      const store = ctx.store()
      const { room, message } = await seedMessage(store)
      const { delivery, deadLetter } = await deadLettered(store, room.id, message.id)
      expect(await store.replayDeadLetter(`dl_missing_${uniqueSuffix()}`, isoAt(1000))).toBeNull()

      const result = await store.replayDeadLetter(deadLetter.id, isoAt(1000))
      expect(result?.deadLetter).toEqual({ ...deadLetter, status: 'replayed', updatedAt: isoAt(1000) })
      expect(result?.delivery).toMatchObject({
        id: delivery.id,
        messageId: message.id,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: isoAt(1000),
        text: delivery.text,
      })
      expect(result?.delivery).not.toHaveProperty('leaseOwner')
      expect(result?.delivery).not.toHaveProperty('leaseUntil')
      expect(await store.getDeadLetter(deadLetter.id)).toEqual(result?.deadLetter)
      expect(await store.getDelivery(delivery.id)).toEqual(result?.delivery)
      // Pending again, so the outbox hands it out once more.
      const claimed = await store.claimDeliveries({ now: isoAt(1000), limit: 10, owner: 'w_1', leaseUntil: isoAt(2000) })
      expect(idsOf(claimed)).toEqual([delivery.id])
    })

    it('a delivery leased when it was dead-lettered comes back from replay without its lease', async () => {
      const store = ctx.store()
      const { room, message } = await seedMessage(store)
      const queued = makeDelivery(room.id, message.id, { nextAttemptAt: isoAt(0) })
      await store.enqueueDeliveries([queued])
      const [leased] = await store.claimDeliveries({ now: isoAt(10), limit: 1, owner: 'w_1', leaseUntil: isoAt(60_000) })
      const deadLetter = makeDeadLetter(leased!)
      await store.deadLetterDelivery({ ...leased!, status: 'dead_lettered' }, deadLetter)
      const result = await store.replayDeadLetter(deadLetter.id, isoAt(20))
      expect(result?.delivery).toMatchObject({ id: queued.id, status: 'pending', attempts: 0, nextAttemptAt: isoAt(20) })
      expect(result?.delivery).not.toHaveProperty('leaseOwner')
      expect(await store.getDelivery(queued.id)).not.toHaveProperty('leaseUntil')
    })

    it('saveDeadLetter replaces one (archiving it); the status filter then follows it', async () => {
      const store = ctx.store()
      const { room, message } = await seedMessage(store)
      const { deadLetter } = await deadLettered(store, room.id, message.id)
      const { deadLetter: kept } = await deadLettered(store, room.id, message.id)
      const archived: DeadLetter = { ...deadLetter, status: 'archived', updatedAt: isoAt(500) }
      expect(await store.saveDeadLetter(archived)).toEqual(archived)
      expect(await store.getDeadLetter(deadLetter.id)).toEqual(archived)
      expect(idsOf((await store.listDeadLetters({ limit: 10, status: 'active' })).items)).toEqual([kept.id])
      expect(idsOf((await store.listDeadLetters({ limit: 10, status: 'archived' })).items)).toEqual([deadLetter.id])
      await expectCode(store.saveDeadLetter({ ...archived, id: `dl_missing_${uniqueSuffix()}` }), 'NOT_FOUND')
    })

    it('purgeDeadLetters deletes by status and insertedBefore (strict) and resolves how many', async () => {
      const store = ctx.store()
      const { room, message } = await seedMessage(store)
      const specs: Array<[number, DeadLetterStatus]> = [[10, 'active'], [20, 'archived'], [30, 'replayed'], [40, 'archived'], [50, 'active']]
      const stored: DeadLetter[] = []
      for (const [tick, status] of specs) {
        stored.push((await deadLettered(store, room.id, message.id, { insertedAt: isoAt(tick), status })).deadLetter)
      }
      const [a10, r20, p30, r40, a50] = stored as [DeadLetter, DeadLetter, DeadLetter, DeadLetter, DeadLetter]
      const remaining = async () => sortIds((await store.listDeadLetters({ limit: 100 })).items)

      expect(await store.purgeDeadLetters({ status: 'archived', insertedBefore: isoAt(40) })).toBe(1)
      expect(await remaining()).toEqual(sortIds([a10, p30, r40, a50]))
      expect(await store.purgeDeadLetters({ insertedBefore: isoAt(30) })).toBe(1)
      expect(await remaining()).toEqual(sortIds([p30, r40, a50]))
      expect(await store.purgeDeadLetters({ status: 'active' })).toBe(1)
      expect(await store.getDeadLetter(a50.id)).toBeNull()
      expect(await store.purgeDeadLetters({ status: 'active' })).toBe(0)
      expect(await store.purgeDeadLetters({})).toBe(2)
      expect(await remaining()).toEqual([])
      expect(await store.getDeadLetter(r20.id)).toBeNull()
    })
  })
}
