import type { DeadLetterStatus, OpenDeliveryStatus, OutboxStats, RuntimeStore } from '@jido-messaging/core'
import type { SqlContext } from './context.js'
import { openDelivery } from './outbox.js'

// Two grouped counts. The outbox one repeats the partial indexes' predicate (see `openDelivery`), so it
// reads only unfinished rows however much delivered history the table holds.
export function outboxStatsOps(ctx: SqlContext): Pick<RuntimeStore, 'outboxStats'> {
  return {
    outboxStats: async () => {
      const [open, dead] = await Promise.all([
        ctx.db.selectFrom('deliveries as d')
          .select((eb) => ['d.bridge_id', 'd.status', eb.fn.countAll<number | string | bigint>().as('n'), eb.fn.min<string>('d.inserted_at').as('oldest')])
          .where(openDelivery('d'))
          .groupBy(['d.bridge_id', 'd.status'])
          .orderBy('d.bridge_id').orderBy('d.status')
          .execute(),
        ctx.db.selectFrom('dead_letters')
          .select((eb) => ['bridge_id', 'status', eb.fn.countAll<number | string | bigint>().as('n')])
          .groupBy(['bridge_id', 'status'])
          .orderBy('bridge_id').orderBy('status')
          .execute(),
      ])
      const stats: OutboxStats = {
        deliveries: open.map((r) => ({ bridgeId: r.bridge_id, status: r.status as OpenDeliveryStatus, count: Number(r.n), oldestInsertedAt: r.oldest })),
        deadLetters: dead.map((r) => ({ bridgeId: r.bridge_id, status: r.status as DeadLetterStatus, count: Number(r.n) })),
      }
      return stats
    },
  }
}
