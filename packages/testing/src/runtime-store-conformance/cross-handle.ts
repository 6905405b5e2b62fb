import { describe, expect, it } from 'vitest'
import { isoAt, makeDelivery, makeMessage, uniqueSuffix } from '../factories.js'
import { idsOf, seedRoom } from '../store-conformance/context.js'
import { sortIds, withPeer, type FullStore, type RuntimeSuiteContext } from './context.js'

/** Interleaves calls over two handles: even i on the first, odd i on the second. */
function across<T>(a: FullStore, b: FullStore, n: number, task: (s: FullStore, i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => task(i % 2 === 0 ? a : b, i)))
}

export function runtimeCrossHandleCases(ctx: RuntimeSuiteContext): void {
  // Only stores that claim cross-process safety (and give connectPeer) are raced from a second handle;
  // all stores in this repository do, store-memory with a second reference on the same heap.
  const skip = !ctx.caps.crossProcess

  describe('runtime races across two handles (crossProcess)', () => {
    it.skipIf(skip)('commitMessage with one dedupe key creates one message across both handles', async () => {
      await withPeer(ctx, async (a, b) => {
        const room = await seedRoom(a)
        const key = `xp_${uniqueSuffix()}`
        const results = await across(a, b, 40, (s) =>
          s.commitMessage({ message: makeMessage(room.id), dedupe: { key, now: isoAt(0), expiresAt: isoAt(60_000) } }))
        const created = results.filter((r) => r.status === 'created')
        expect(created).toHaveLength(1)
        const winner = created[0]!.message.id
        for (const r of results) if (r.status === 'duplicate') expect(r.messageId).toBe(winner)
        expect(await b.countMessages(room.id)).toBe(1)
      })
    }, 60_000)

    it.skipIf(skip)('claimDeliveries on both handles never leases one delivery twice', async () => {
      await withPeer(ctx, async (a, b) => {
        const room = await seedRoom(a)
        const message = await a.insertMessage(makeMessage(room.id))
        const pool = Array.from({ length: 40 }, () => makeDelivery(room.id, message.id, { nextAttemptAt: isoAt(0) }))
        await a.enqueueDeliveries(pool)
        const results = await across(a, b, 20, (s, i) =>
          s.claimDeliveries({ now: isoAt(1000), limit: 3, owner: `w_${i}`, leaseUntil: isoAt(60_000) }))
        const claimed = results.flat()
        expect(new Set(idsOf(claimed)).size).toBe(claimed.length)
        const rest = await b.claimDeliveries({ now: isoAt(1000), limit: 100, owner: 'w_last', leaseUntil: isoAt(60_000) })
        expect(sortIds([...claimed, ...rest])).toEqual(sortIds(pool))
      })
    }, 60_000)
  })
}
