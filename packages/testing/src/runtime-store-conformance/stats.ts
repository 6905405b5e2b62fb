import type { OutboxDelivery, OutboxStats } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { isoAt, makeDeadLetter, makeDelivery } from '../factories.js'
import { seedMessage, type RuntimeSuiteContext } from './context.js'

type Row = { bridgeId: string; status: string }
const byBridgeStatus = (a: Row, b: Row) => (a.bridgeId < b.bridgeId ? -1 : a.bridgeId > b.bridgeId ? 1 : a.status < b.status ? -1 : a.status > b.status ? 1 : 0)
const sorted = (stats: OutboxStats): OutboxStats => ({ deliveries: [...stats.deliveries].sort(byBridgeStatus), deadLetters: [...stats.deadLetters].sort(byBridgeStatus) })

export function statsCases(ctx: RuntimeSuiteContext): void {
  describe('outbox stats', () => {
    it('outboxStats of an empty outbox has no rows', async () => {
      expect(await ctx.store().outboxStats()).toEqual({ deliveries: [], deadLetters: [] })
    })

    it('outboxStats counts unfinished deliveries by bridge and status (with the oldest insertedAt) and dead letters by bridge and status; finished ones are left out', async () => {
      const store = ctx.store()
      const { room, message } = await seedMessage(store)
      const at = (bridgeId: string, t: number, extra: Partial<OutboxDelivery> = {}) =>
        makeDelivery(room.id, message.id, { bridgeId, insertedAt: isoAt(t), nextAttemptAt: isoAt(t), ...extra })
      const aPending = [at('b_a', 20), at('b_a', 10), at('b_a', 30)]
      const aRetrying = at('b_a', 40, { status: 'retrying', attempts: 1 })
      const bPending = at('b_b', 5)
      const bLeased = at('b_b', 1)
      const bSent = at('b_b', 2)
      const bFailed = at('b_b', 3)
      const aDead = at('b_a', 4)
      const bArchived = at('b_b', 6)
      await store.enqueueDeliveries([...aPending, aRetrying, bPending, bLeased, bSent, bFailed, aDead, bArchived])

      // bLeased is the oldest due delivery (each delivery is its own conversation).
      const claimed = await store.claimDeliveries({ now: isoAt(1), limit: 1, owner: 'w_stats', leaseUntil: isoAt(60_000) })
      expect(claimed.map((d) => d.id)).toEqual([bLeased.id])
      await store.saveDelivery({ ...bSent, status: 'sent', attempts: 1, externalMessageId: 'ext_s', updatedAt: isoAt(7) })
      await store.saveDelivery({ ...bFailed, status: 'failed', attempts: 1, lastError: 'gone', updatedAt: isoAt(7) })
      await store.deadLetterDelivery({ ...aDead, status: 'dead_lettered', attempts: 5 }, makeDeadLetter(aDead, { insertedAt: isoAt(8), updatedAt: isoAt(8) }))
      const archived = makeDeadLetter(bArchived, { insertedAt: isoAt(9), updatedAt: isoAt(9) })
      await store.deadLetterDelivery({ ...bArchived, status: 'dead_lettered', attempts: 5 }, archived)
      await store.saveDeadLetter({ ...archived, status: 'archived', updatedAt: isoAt(10) })

      expect(sorted(await store.outboxStats())).toEqual({
        deliveries: [
          { bridgeId: 'b_a', status: 'pending', count: 3, oldestInsertedAt: isoAt(10) },
          { bridgeId: 'b_a', status: 'retrying', count: 1, oldestInsertedAt: isoAt(40) },
          { bridgeId: 'b_b', status: 'pending', count: 1, oldestInsertedAt: isoAt(5) },
          { bridgeId: 'b_b', status: 'sending', count: 1, oldestInsertedAt: isoAt(1) },
        ],
        deadLetters: [
          { bridgeId: 'b_a', status: 'active', count: 1 },
          { bridgeId: 'b_b', status: 'archived', count: 1 },
        ],
      })

      // Once everything is finished only the dead letters are left.
      for (const d of [...aPending, aRetrying, bPending, bLeased]) await store.saveDelivery({ ...d, status: 'sent', attempts: 1, updatedAt: isoAt(11) })
      expect(sorted(await store.outboxStats()).deliveries).toEqual([])
      expect(sorted(await store.outboxStats()).deadLetters).toHaveLength(2)
    })
  })
}
