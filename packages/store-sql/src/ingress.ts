import type { RuntimeStore } from '@jido-messaging/core'
import type { SqlContext } from './context.js'
import { ingressOf, ingressRowOf } from './runtime-codec.js'

type IngressOps = Pick<RuntimeStore, 'putIngressSubscription' | 'listIngressSubscriptions' | 'deleteIngressSubscription'>

/** The columns a put replaces on a (bridge_id, id) conflict: all but the key. */
const replaceable = ['adapter', 'status', 'url', 'instructions', 'metadata', 'inserted_at', 'updated_at'] as const

export function ingressOps(ctx: SqlContext): IngressOps {
  return {
    putIngressSubscription: async (subscription) => {
      const row = ingressRowOf(subscription)
      await ctx.write((tx) => tx.insertInto('ingress_subscriptions').values(row)
        .onConflict((oc) => oc.columns(['bridge_id', 'id']).doUpdateSet((eb) =>
          Object.fromEntries(replaceable.map((c) => [c, eb.ref(`excluded.${c}`)]))))
        .execute())
      return ingressOf(row)
    },

    /** A bridge's subscriptions in (insertedAt, id) order. */
    listIngressSubscriptions: async (bridgeId) => {
      const rows = await ctx.db.selectFrom('ingress_subscriptions').selectAll().where('bridge_id', '=', bridgeId)
        .orderBy('inserted_at').orderBy('id').execute()
      return rows.map(ingressOf)
    },

    deleteIngressSubscription: (bridgeId, id) =>
      ctx.write(async (tx) =>
        (await tx.deleteFrom('ingress_subscriptions').where('bridge_id', '=', bridgeId).where('id', '=', id).executeTakeFirst()).numDeletedRows > 0n),
  }
}
