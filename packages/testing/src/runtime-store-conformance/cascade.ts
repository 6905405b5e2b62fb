import { describe, expect, it } from 'vitest'
import { isoAt, makeDeadLetter, makeDelivery } from '../factories.js'
import { idsOf } from '../store-conformance/context.js'
import { seedMessage, type RuntimeSuiteContext } from './context.js'

export function cascadeCases(ctx: RuntimeSuiteContext): void {
  describe('deleteRoom cascade', () => {
    it('deleting a room deletes its deliveries and dead letters, and only its own', async () => {
      const store = ctx.store()
      const doomed = await seedMessage(store)
      const kept = await seedMessage(store)
      const seed = async ({ room, message }: typeof doomed) => {
        const pending = makeDelivery(room.id, message.id, { nextAttemptAt: isoAt(0), insertedAt: isoAt(0) })
        const failed = makeDelivery(room.id, message.id, { insertedAt: isoAt(1) })
        await store.enqueueDeliveries([pending, failed])
        const deadLetter = makeDeadLetter(failed)
        await store.deadLetterDelivery({ ...failed, status: 'dead_lettered' }, deadLetter)
        return { pending, failed, deadLetter }
      }
      const gone = await seed(doomed)
      const stays = await seed(kept)

      expect(await store.deleteRoom(doomed.room.id)).toBe(true)
      expect(await store.getDelivery(gone.pending.id)).toBeNull()
      expect(await store.getDelivery(gone.failed.id)).toBeNull()
      expect(await store.listDeliveries(doomed.message.id)).toEqual([])
      expect(await store.getDeadLetter(gone.deadLetter.id)).toBeNull()
      expect(await store.replayDeadLetter(gone.deadLetter.id, isoAt(5))).toBeNull()

      expect(idsOf(await store.listDeliveries(kept.message.id))).toEqual(idsOf([stays.pending, stays.failed]))
      expect(idsOf((await store.listDeadLetters({ limit: 10 })).items)).toEqual([stays.deadLetter.id])
      // The deleted room's pending delivery is not handed out any more.
      const claimed = await store.claimDeliveries({ now: isoAt(1000), limit: 10, owner: 'w_1', leaseUntil: isoAt(9000) })
      expect(idsOf(claimed)).toEqual([stays.pending.id])
    })
  })
}
