import type { ClaimDeliveriesOptions, OutboxDelivery } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { isoAt, makeDeadLetter, makeDelivery } from '../factories.js'
import { byKey, concurrently, idsOf, shuffled } from '../store-conformance/context.js'
import { byClaimOrder, conversation, seedMessage, sortIds, type FullStore, type RuntimeSuiteContext } from './context.js'

/** Claim options on the fixed `isoAt` clock: at `now`, leased for `leaseMs`. */
function claimAt(now: number, owner: string, limit = 100, leaseMs = 30_000): ClaimDeliveriesOptions {
  return { now: isoAt(now), limit, owner, leaseUntil: isoAt(now + leaseMs) }
}

/** Marks a claimed delivery sent, as a worker does. */
async function markSent(store: FullStore, delivery: OutboxDelivery, at: number): Promise<void> {
  const sent: OutboxDelivery = { ...delivery, status: 'sent', attempts: delivery.attempts + 1, updatedAt: isoAt(at) }
  delete sent.leaseOwner
  delete sent.leaseUntil
  await store.saveDelivery(sent)
}

export function claimCases(ctx: RuntimeSuiteContext): void {
  describe('claimDeliveries', () => {
    it('leases only due deliveries: pending/retrying at or before now, sending with an expired lease', async () => {
      const store = ctx.store()
      const { room, message } = await seedMessage(store)
      const make = (o: Partial<OutboxDelivery>) => makeDelivery(room.id, message.id, { insertedAt: isoAt(0), ...o })
      const due = make({ nextAttemptAt: isoAt(1000) })
      const dueNow = make({ nextAttemptAt: isoAt(2000) })
      const retrying = make({ status: 'retrying', attempts: 2, nextAttemptAt: isoAt(1500), lastError: 'timeout' })
      const expiredLease = make({ status: 'sending', attempts: 1, leaseOwner: 'w_dead', leaseUntil: isoAt(2000) })
      const future = make({ nextAttemptAt: isoAt(2001) })
      const futureRetry = make({ status: 'retrying', nextAttemptAt: isoAt(9000) })
      const liveLease = make({ status: 'sending', leaseOwner: 'w_other', leaseUntil: isoAt(2001) })
      const finals = (['sent', 'failed', 'dead_lettered'] as const).map((status) => make({ status }))
      await store.enqueueDeliveries(shuffled([due, dueNow, retrying, expiredLease, future, futureRetry, liveLease, ...finals]))

      const claimed = await store.claimDeliveries(claimAt(2000, 'w_1'))
      expect(sortIds(claimed)).toEqual(sortIds([due, dueNow, retrying, expiredLease]))
      for (const d of claimed) {
        expect(d).toMatchObject({ status: 'sending', leaseOwner: 'w_1', leaseUntil: isoAt(32_000) })
        expect(await store.getDelivery(d.id)).toMatchObject({ status: 'sending', leaseOwner: 'w_1', leaseUntil: isoAt(32_000) })
      }
      // Claiming leaves the rest of the record alone.
      const retried = claimed.find((d) => d.id === retrying.id)!
      expect(retried).toMatchObject({ attempts: 2, lastError: 'timeout', text: retrying.text, messageId: message.id })

      // Leased now, so not handed out again while the lease lasts.
      expect(await store.claimDeliveries(claimAt(2000, 'w_2'))).toEqual([])
      // Later, the future one and the one whose other lease ran out become due.
      expect(sortIds(await store.claimDeliveries(claimAt(2001, 'w_2')))).toEqual(sortIds([future, liveLease]))
      expect(await store.getDelivery(finals[0]!.id)).toEqual(finals[0])
    })

    it('results come in (nextAttemptAt, insertedAt, id) order and `limit` takes the first of that order', async () => {
      const store = ctx.store()
      const { room, message } = await seedMessage(store)
      const specs: Array<[number, number]> = [[500, 5], [100, 9], [100, 1], [300, 2], [100, 1], [700, 0], [300, 3]]
      const deliveries = specs.map(([next, inserted]) =>
        makeDelivery(room.id, message.id, { nextAttemptAt: isoAt(next), insertedAt: isoAt(inserted) }))
      await store.enqueueDeliveries(shuffled(deliveries, 7))
      const expected = [...deliveries].sort(byClaimOrder)

      const first = await store.claimDeliveries(claimAt(1000, 'w_1', 3))
      expect(idsOf(first)).toEqual(idsOf(expected.slice(0, 3)))
      const second = await store.claimDeliveries(claimAt(1000, 'w_1', 3))
      expect(idsOf(second)).toEqual(idsOf(expected.slice(3, 6)))
      const third = await store.claimDeliveries(claimAt(1000, 'w_1', 3))
      expect(idsOf(third)).toEqual(idsOf(expected.slice(6)))
      expect(await store.claimDeliveries(claimAt(1000, 'w_1', 3))).toEqual([])
    })

    it('only the oldest unfinished delivery of a conversation is leased; the next waits until it is final', async () => {
      const store = ctx.store()
      const { room, message } = await seedMessage(store)
      // Four chunks, all due; the same insertedAt for the last three, so id breaks the tie.
      const [c0, c1, c2, c3] = conversation(room.id, message.id, [
        { insertedAt: isoAt(0), nextAttemptAt: isoAt(900) },
        { insertedAt: isoAt(5), nextAttemptAt: isoAt(0) },
        { insertedAt: isoAt(5), nextAttemptAt: isoAt(0) },
        { insertedAt: isoAt(5), nextAttemptAt: isoAt(0) },
      ]) as [OutboxDelivery, OutboxDelivery, OutboxDelivery, OutboxDelivery]
      const ordered = [c0, ...[c1, c2, c3].sort(byKey)]
      await store.enqueueDeliveries(shuffled([c0, c1, c2, c3], 3))

      // The head is not due until 900: nothing behind it may go first.
      expect(await store.claimDeliveries(claimAt(100, 'w_1'))).toEqual([])
      const [head] = await store.claimDeliveries(claimAt(1000, 'w_1'))
      expect(head?.id).toBe(ordered[0]!.id)
      expect(await store.claimDeliveries(claimAt(1000, 'w_2'))).toEqual([])

      // A retry keeps the head unfinished, so the conversation still waits for it.
      await store.saveDelivery({ ...head!, status: 'retrying', attempts: 1, nextAttemptAt: isoAt(5000), lastError: 'x' })
      expect(await store.claimDeliveries(claimAt(1000, 'w_1'))).toEqual([])
      const [retried] = await store.claimDeliveries(claimAt(5000, 'w_1'))
      expect(retried?.id).toBe(ordered[0]!.id)
      await markSent(store, retried!, 5001)

      const [next] = await store.claimDeliveries(claimAt(5002, 'w_1'))
      expect(next?.id).toBe(ordered[1]!.id)
      // failed is final too.
      await store.saveDelivery({ ...next!, status: 'failed', attempts: 1 })
      const [third] = await store.claimDeliveries(claimAt(5003, 'w_1'))
      expect(third?.id).toBe(ordered[2]!.id)
      // And so is dead_lettered.
      await store.deadLetterDelivery({ ...third!, status: 'dead_lettered', attempts: 5 }, makeDeadLetter(third!))
      const [last] = await store.claimDeliveries(claimAt(5004, 'w_1'))
      expect(last?.id).toBe(ordered[3]!.id)
      await markSent(store, last!, 5005)
      expect(await store.claimDeliveries(claimAt(99_999, 'w_1'))).toEqual([])
    })

    it('across many conversations: one delivery per conversation per claim, each conversation in (insertedAt, id) order', async () => {
      const store = ctx.store()
      const { room, message } = await seedMessage(store)
      const conversations = Array.from({ length: 12 }, (_, c) =>
        conversation(room.id, message.id, Array.from({ length: 4 }, (_, i) => ({ insertedAt: isoAt(((c * 7 + i * 13) % 5) * 10) }))))
      const all = conversations.flat()
      await store.enqueueDeliveries(shuffled(all, 11))
      const expected = new Map(conversations.map((list) => [list[0]!.conversationKey, idsOf([...list].sort(byKey))]))

      const sentOrder = new Map<string, string[]>()
      let now = 1000
      for (let round = 0; round < 100; round++) {
        const claimed = await store.claimDeliveries(claimAt(now, 'w_1', 5))
        if (claimed.length === 0) break
        expect(claimed.length).toBeLessThanOrEqual(5)
        expect(idsOf(claimed)).toEqual(idsOf([...claimed].sort(byClaimOrder)))
        const keys = claimed.map((d) => d.conversationKey)
        expect(new Set(keys).size).toBe(keys.length)
        for (const d of claimed) {
          const seen = sentOrder.get(d.conversationKey) ?? []
          sentOrder.set(d.conversationKey, [...seen, d.id])
          await markSent(store, d, now)
        }
        now += 1
      }
      expect(sentOrder).toEqual(expected)
    })

    it('20 concurrent claimers never lease one delivery twice, nor two of one conversation at once', async () => {
      const store = ctx.store()
      const { room, message } = await seedMessage(store)
      const singles = Array.from({ length: 30 }, () => makeDelivery(room.id, message.id, { insertedAt: isoAt(0) }))
      const pairs = Array.from({ length: 10 }, () =>
        conversation(room.id, message.id, [{ insertedAt: isoAt(0) }, { insertedAt: isoAt(1) }]))
      await store.enqueueDeliveries([...singles, ...pairs.flat()])
      const heads = new Set([...idsOf(singles), ...pairs.map((p) => p[0]!.id)])

      const results = await concurrently(20, (i) => store.claimDeliveries(claimAt(1000, `w_${i}`, 3)))
      const claimed = results.flat()
      expect(new Set(idsOf(claimed)).size).toBe(claimed.length)
      for (const d of claimed) expect(heads.has(d.id)).toBe(true)
      for (const [i, batch] of results.entries()) {
        expect(batch.length).toBeLessThanOrEqual(3)
        for (const d of batch) expect((await store.getDelivery(d.id))?.leaseOwner).toBe(`w_${i}`)
      }
      // Whatever the racers left is still there for one more claimer: every head exactly once in total.
      const rest = await store.claimDeliveries(claimAt(1000, 'w_last', 100))
      expect(sortIds([...claimed, ...rest])).toEqual([...heads].sort())
    }, 60_000)

    it('a lease that ran out (leaseUntil <= now) can be taken by another owner; a live one cannot', async () => {
      const store = ctx.store()
      const { room, message } = await seedMessage(store)
      const delivery = makeDelivery(room.id, message.id, { nextAttemptAt: isoAt(0) })
      await store.enqueueDeliveries([delivery])
      expect(idsOf(await store.claimDeliveries(claimAt(1000, 'w_a', 10, 1000)))).toEqual([delivery.id])
      expect(await store.claimDeliveries(claimAt(1999, 'w_b'))).toEqual([])
      expect(await store.claimDeliveries(claimAt(1999, 'w_a'))).toEqual([])
      const [taken] = await store.claimDeliveries(claimAt(2000, 'w_b', 10, 500))
      expect(taken).toMatchObject({ id: delivery.id, status: 'sending', leaseOwner: 'w_b', leaseUntil: isoAt(2500) })
      expect(await store.getDelivery(delivery.id)).toMatchObject({ leaseOwner: 'w_b', leaseUntil: isoAt(2500) })
    })

    it('reclaimFrom takes back live leases of that owner only', async () => {
      const store = ctx.store()
      const { room, message } = await seedMessage(store)
      const mine = makeDelivery(room.id, message.id, { nextAttemptAt: isoAt(0) })
      const theirs = makeDelivery(room.id, message.id, { nextAttemptAt: isoAt(0) })
      await store.enqueueDeliveries([mine])
      await store.claimDeliveries(claimAt(1000, 'w_a', 10, 60_000))
      await store.enqueueDeliveries([theirs])
      await store.claimDeliveries(claimAt(1000, 'w_b', 10, 60_000))

      expect(await store.claimDeliveries(claimAt(2000, 'w_a'))).toEqual([])
      // A restarted w_a takes its own leases back, not w_b's.
      const reclaimed = await store.claimDeliveries({ ...claimAt(2000, 'w_a', 10, 30_000), reclaimFrom: 'w_a' })
      expect(idsOf(reclaimed)).toEqual([mine.id])
      expect(reclaimed[0]).toMatchObject({ status: 'sending', leaseOwner: 'w_a', leaseUntil: isoAt(32_000) })
      // Another owner reclaiming for w_b (a takeover) moves w_b's lease to it.
      const takeover = await store.claimDeliveries({ ...claimAt(2000, 'w_c'), reclaimFrom: 'w_b' })
      expect(idsOf(takeover)).toEqual([theirs.id])
      expect(await store.getDelivery(theirs.id)).toMatchObject({ leaseOwner: 'w_c' })
    })

    it('respects limit', async () => {
      const store = ctx.store()
      const { room, message } = await seedMessage(store)
      const deliveries = Array.from({ length: 5 }, (_, i) => makeDelivery(room.id, message.id, { nextAttemptAt: isoAt(i) }))
      await store.enqueueDeliveries(deliveries)
      const sizes: number[] = []
      for (let i = 0; i < 4; i++) sizes.push((await store.claimDeliveries(claimAt(1000, 'w_1', 2))).length)
      expect(sizes).toEqual([2, 2, 1, 0])
      expect((await store.claimDeliveries(claimAt(1000, 'w_1', 1))).length).toBe(0)
    })
  })
}
