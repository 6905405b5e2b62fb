import { NotFoundError, decodeKeyCursor, encodeKeyCursor, type DeadLetter, type OutboxDelivery, type RuntimeStore } from '@jido-messaging/core'
import type { SqlContext } from './context.js'
import { mapErrors } from './db-errors.js'
import { deadLetterOf, deadLetterRowOf, deliveryOf, deliveryRowOf } from './runtime-codec.js'

type DeadLetterOps = Pick<
  RuntimeStore,
  'deadLetterDelivery' | 'listDeadLetters' | 'getDeadLetter' | 'replayDeadLetter' | 'saveDeadLetter' | 'purgeDeadLetters'
>

export function deadLetterOps(ctx: SqlContext): DeadLetterOps {
  const lock = ctx.kind === 'postgres'

  return {
    // The delivery update and the dead letter insert share one transaction: a taken dead letter id (or a
    // missing room) rolls the delivery back too. A missing delivery is reported after the transaction,
    // which then has written nothing.
    deadLetterDelivery: async (delivery, deadLetter) => {
      const { id, ...fields } = deliveryRowOf({ ...delivery, status: 'dead_lettered' })
      const row = deadLetterRowOf(deadLetter)
      const found = await mapErrors(ctx.name, {
        conflict: `dead letter ${deadLetter.id} exists already`,
        notFound: `room ${deadLetter.roomId} not found`,
      }, () => ctx.write(async (tx) => {
        const updated = await tx.updateTable('deliveries').set(fields).where('id', '=', id).executeTakeFirst()
        if (updated.numUpdatedRows === 0n) return false
        await ctx.inserts.insert(tx, 'dead_letters', row)
        return true
      }))
      if (!found) throw new NotFoundError(`[${ctx.name}] delivery ${id} not found`, { deliveryId: id })
      return deadLetterOf(row)
    },

    listDeadLetters: async ({ status, limit, cursor }) => {
      const before = cursor === undefined ? undefined : decodeKeyCursor(cursor)
      if (limit < 1) return { items: [] }
      const rows = await ctx.db.selectFrom('dead_letters').selectAll()
        .$if(status !== undefined, (qb) => qb.where('status', '=', status!))
        .$if(before !== undefined, (qb) =>
          qb.where((eb) => eb(eb.refTuple('inserted_at', 'id'), '<', eb.tuple(before!.insertedAt, before!.id))))
        .orderBy('inserted_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute()
      const items = rows.slice(0, limit).map(deadLetterOf)
      const last = items.at(-1)
      return rows.length > limit && last !== undefined
        ? { items, nextCursor: encodeKeyCursor({ insertedAt: last.insertedAt, id: last.id }) }
        : { items }
    },

    getDeadLetter: async (id) => {
      const row = await ctx.db.selectFrom('dead_letters').selectAll().where('id', '=', id).executeTakeFirst()
      return row === undefined ? null : deadLetterOf(row)
    },

    replayDeadLetter: async (id, now) => {
      const result = await ctx.write(async (tx) => {
        const row = await tx.selectFrom('dead_letters').selectAll().where('id', '=', id)
          .$if(lock, (qb) => qb.forUpdate()).executeTakeFirst()
        if (row === undefined) return null
        const current = await tx.selectFrom('deliveries').selectAll().where('id', '=', row.delivery_id)
          .$if(lock, (qb) => qb.forUpdate()).executeTakeFirst()
        if (current === undefined) return { missing: row.delivery_id } as const
        const deadLetter: DeadLetter = { ...deadLetterOf(row), status: 'replayed', updatedAt: now }
        const delivery: OutboxDelivery = { ...deliveryOf(current), status: 'pending', attempts: 0, nextAttemptAt: now, updatedAt: now }
        delete delivery.leaseOwner
        delete delivery.leaseUntil
        await tx.updateTable('dead_letters').set({ status: 'replayed', updated_at: now }).where('id', '=', id).execute()
        const { id: deliveryId, ...fields } = deliveryRowOf(delivery)
        await tx.updateTable('deliveries').set(fields).where('id', '=', deliveryId).execute()
        return { deadLetter, delivery }
      })
      if (result !== null && 'missing' in result) {
        throw new NotFoundError(`[${ctx.name}] delivery ${result.missing} of dead letter ${id} not found`, {
          deadLetterId: id, deliveryId: result.missing,
        })
      }
      return result
    },

    // Replaces only a dead letter that exists (archiving one); new dead letters come from deadLetterDelivery.
    saveDeadLetter: async (deadLetter) => {
      const { id, ...fields } = deadLetterRowOf(deadLetter)
      const updated = await mapErrors(ctx.name, { notFound: `room ${deadLetter.roomId} not found` }, () =>
        ctx.write(async (tx) => (await tx.updateTable('dead_letters').set(fields).where('id', '=', id).executeTakeFirst()).numUpdatedRows > 0n))
      if (!updated) throw new NotFoundError(`[${ctx.name}] dead letter ${id} not found`, { deadLetterId: id })
      return deadLetterOf({ id, ...fields })
    },

    purgeDeadLetters: ({ status, insertedBefore }) =>
      ctx.write(async (tx) => {
        const result = await tx.deleteFrom('dead_letters')
          .$if(status !== undefined, (qb) => qb.where('status', '=', status!))
          .$if(insertedBefore !== undefined, (qb) => qb.where('inserted_at', '<', insertedBefore!))
          .executeTakeFirst()
        return Number(result.numDeletedRows)
      }),
  }
}
