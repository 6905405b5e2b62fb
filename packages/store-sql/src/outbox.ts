import { NotFoundError, type OutboxDelivery, type RuntimeStore } from '@jido-messaging/core'
import { sql, type ExpressionBuilder, type Kysely } from 'kysely'
import type { SqlContext } from './context.js'
import { mapErrors } from './db-errors.js'
import { deliveryOf, deliveryRowOf, type DeliveryRow } from './runtime-codec.js'
import type { Database } from './schema.js'

type OutboxOps = Pick<RuntimeStore, 'enqueueDeliveries' | 'claimDeliveries' | 'getDelivery' | 'listDeliveries' | 'saveDelivery' | 'findDeliveryByExternalId'>

/** Rows per INSERT: 23 columns each stays well under SQLite's 32,766 and Postgres's 65,535 parameters. */
const INSERT_CHUNK = 500

/**
 * `<alias>.status in ('pending', 'sending', 'retrying')` with literal values: the same predicate as the
 * outbox's partial indexes, which SQLite and Postgres use only when the query repeats it (a bound
 * parameter would not match).
 */
export const openDelivery = (alias: 'd' | 'o' | 'deliveries') => sql<boolean>`${sql.ref(`${alias}.status`)} in ('pending', 'sending', 'retrying')`

/** Inserts delivery rows (multi-row INSERTs with compiled SQL reused); a taken id fails the statement. */
export async function insertDeliveryRows(ctx: SqlContext, tx: Kysely<Database>, rows: readonly DeliveryRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await ctx.inserts.insertMany(tx, rows.slice(i, i + INSERT_CHUNK).map((row) => ({ table: 'deliveries' as const, row: row as Record<string, unknown> })))
  }
}

/** Claim order: (nextAttemptAt, insertedAt, id); timestamps are ISO text, so text order is time order. */
function claimOrder(a: OutboxDelivery, b: OutboxDelivery): number {
  if (a.nextAttemptAt !== b.nextAttemptAt) return a.nextAttemptAt < b.nextAttemptAt ? -1 : 1
  if (a.insertedAt !== b.insertedAt) return a.insertedAt < b.insertedAt ? -1 : 1
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

/** Due at `now`: pending/retrying whose time has come, or sending whose lease ran out (or is `reclaimFrom`'s). */
const isDue = (now: string, reclaimFrom: string | undefined) => (eb: ExpressionBuilder<Database & { d: Database['deliveries'] }, 'd'>) =>
  eb.or([
    eb.and([eb('d.status', 'in', ['pending', 'retrying']), eb('d.next_attempt_at', '<=', now)]),
    eb.and([
      eb('d.status', '=', 'sending'),
      eb.or([
        eb('d.lease_until', 'is', null),
        eb('d.lease_until', '<=', now),
        ...(reclaimFrom === undefined ? [] : [eb('d.lease_owner', '=', reclaimFrom)]),
      ]),
    ]),
  ])

export function outboxOps(ctx: SqlContext): OutboxOps {
  const postgres = ctx.kind === 'postgres'

  return {
    enqueueDeliveries: async (deliveries) => {
      if (deliveries.length === 0) return
      const rows = deliveries.map(deliveryRowOf)
      await mapErrors(ctx.name, {
        conflict: 'a delivery id exists already (or repeats in the call)',
        notFound: 'the room of a delivery does not exist',
      }, () => ctx.write((tx) => insertDeliveryRows(ctx, tx, rows)))
    },

    // Leasing takes two statements in one write transaction. (1) The conversation heads: a conversation's
    // head is its oldest unfinished delivery by (inserted_at, id), found by a loose index scan of the
    // partial index on (conversation_key, inserted_at, id): a recursive CTE steps from one open
    // conversation key to the next and takes each one's first row, so a claim costs the number of open
    // conversations however long their backlogs (walking every unfinished row instead made a claim cost
    // grow with the backlog of one busy conversation). (2) One UPDATE leases, in claim order and up to
    // `limit`, those heads that are due; a NOT EXISTS on an older unfinished row of the same conversation
    // guards each one against a head that stopped being one in between. The heads go in as one array
    // parameter, so (2) is a primary-key lookup per head whatever the planner's statistics say (joined
    // to the CTE in one statement, Postgres without statistics on a fresh table picked a plan that took
    // seconds).
    // Postgres: the candidates are locked FOR UPDATE SKIP LOCKED, so concurrent claimers on any
    // connection or process take disjoint rows without waiting; a head another transaction holds is
    // skipped, and the deliveries behind it are no heads. A candidate that another claimer leased
    // meanwhile fails the re-check of the WHERE on its new version. SQLite: both statements run in a
    // write transaction (BEGIN IMMEDIATE), which has the database to itself.
    claimDeliveries: async (options) => {
      const { now, limit, owner, leaseUntil, reclaimFrom } = options
      if (limit < 1) return []
      // Idle polls stay off the write path: nothing is due, nothing to lease.
      const anyDue = await ctx.db.selectFrom('deliveries as d').select('d.id')
        .where(openDelivery('d')).where(isDue(now, reclaimFrom)).limit(1).executeTakeFirst()
      if (anyDue === undefined) return []
      const rows = await ctx.write(async (tx) => {
        const heads = (await tx
          .withRecursive('conversations(k)', (qc) => qc
            .selectFrom('deliveries as o').select((eb) => eb.fn.min<string | null>('o.conversation_key').as('k')).where(openDelivery('o'))
            .unionAll((qu) => qu.selectFrom('conversations as c')
              .select((eb) => eb.selectFrom('deliveries as o').select((e) => e.fn.min('o.conversation_key').as('k'))
                .where(openDelivery('o')).whereRef('o.conversation_key', '>', 'c.k').as('k'))
              .where('c.k', 'is not', null)))
          .selectFrom('conversations as c')
          .select((eb) => eb.selectFrom('deliveries as o').select('o.id')
            .whereRef('o.conversation_key', '=', 'c.k').where(openDelivery('o'))
            .orderBy('o.inserted_at').orderBy('o.id').limit(1).as('id'))
          .where('c.k', 'is not', null)
          .execute()).flatMap((h) => (h.id === null ? [] : [h.id]))
        if (heads.length === 0) return []
        const isHead = postgres
          ? sql<boolean>`${sql.ref('d.id')} = any(${heads}::text[])`
          : sql<boolean>`${sql.ref('d.id')} in (select value from json_each(${JSON.stringify(heads)}))`
        // No open-status predicate on `d` (isDue implies it): it would let the planner walk the partial
        // index of every unfinished row instead of looking the heads up by primary key.
        const due = tx.selectFrom('deliveries as d').select('d.id')
          .where(isHead)
          .where(isDue(now, reclaimFrom))
          .where(({ not, exists, selectFrom }) => not(exists(
            selectFrom('deliveries as o').select(sql.lit(1).as('one'))
              .whereRef('o.conversation_key', '=', 'd.conversation_key')
              .where(openDelivery('o'))
              .where(sql<boolean>`(${sql.ref('o.inserted_at')}, ${sql.ref('o.id')}) < (${sql.ref('d.inserted_at')}, ${sql.ref('d.id')})`),
          )))
          .orderBy('d.next_attempt_at').orderBy('d.inserted_at').orderBy('d.id')
          .limit(limit)
          .$if(postgres, (qb) => qb.forUpdate().skipLocked())
        return tx.updateTable('deliveries')
          .set({ status: 'sending', lease_owner: owner, lease_until: leaseUntil, updated_at: now })
          .where('id', 'in', due)
          .returningAll()
          .execute()
      })
      return rows.map(deliveryOf).sort(claimOrder)
    },

    getDelivery: async (id) => {
      const row = await ctx.db.selectFrom('deliveries').selectAll().where('id', '=', id).executeTakeFirst()
      return row === undefined ? null : deliveryOf(row)
    },

    findDeliveryByExternalId: async (bridgeId, externalMessageId) => {
      const row = await ctx.db.selectFrom('deliveries').selectAll().where('bridge_id', '=', bridgeId)
        .where('external_message_id', '=', externalMessageId).where('external_message_id', 'is not', null)
        .where('status', '=', 'sent').orderBy('inserted_at').orderBy('id').limit(1).executeTakeFirst()
      return row === undefined ? null : deliveryOf(row)
    },

    listDeliveries: async (messageId) => {
      const rows = await ctx.db.selectFrom('deliveries').selectAll().where('message_id', '=', messageId)
        .orderBy('inserted_at').orderBy('id').execute()
      return rows.map(deliveryOf)
    },

    // Replaces only a delivery that exists: a worker finishing a delivery whose room was deleted meanwhile
    // gets NOT_FOUND instead of bringing it back.
    saveDelivery: async (delivery) => {
      const { id, ...fields } = deliveryRowOf(delivery)
      const updated = await mapErrors(ctx.name, { notFound: `room ${delivery.roomId} not found` }, () =>
        ctx.write(async (tx) => (await tx.updateTable('deliveries').set(fields).where('id', '=', id).executeTakeFirst()).numUpdatedRows > 0n))
      if (!updated) throw new NotFoundError(`[${ctx.name}] delivery ${id} not found`, { deliveryId: id })
      return deliveryOf({ id, ...fields })
    },
  }
}
