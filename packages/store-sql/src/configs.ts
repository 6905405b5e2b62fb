import { ConflictError, RevisionConflictError, type MessagingStore } from '@jido-messaging/core'
import { bridgeConfigOf, routingPolicyOf, toJson, type BridgeConfigRow, type RoutingPolicyRow } from './codec.js'
import type { SqlContext } from './context.js'
import { mapErrors } from './db-errors.js'

// Revision-checked upserts: the current revision is read under a row lock (Postgres; SQLite's single
// writer serializes anyway), checked, and written as revision + 1. A create that loses a race to a
// concurrent create re-reads the winner's row and checks against it.

type ConfigOps = Pick<MessagingStore,
  'putBridgeConfig' | 'getBridgeConfig' | 'listBridgeConfigs' | 'deleteBridgeConfig' |
  'putRoutingPolicy' | 'getRoutingPolicy' | 'deleteRoutingPolicy' | 'claimDedupeKey' | 'purgeDedupeKeys'>

const MAX_CREATE_RACES = 3

function checkRevision(store: string, what: string, expected: number | undefined, actual: number): void {
  if (expected !== undefined && expected !== actual) {
    throw new RevisionConflictError(`[${store}] ${what}: expected revision ${expected}, found ${actual}`, expected, actual)
  }
}

export function configOps(ctx: SqlContext): ConfigOps {
  const lock = ctx.kind === 'postgres'

  return {
    putBridgeConfig: (config, { expectedRevision, now }) =>
      ctx.write(async (tx) => {
        for (let race = 0; race < MAX_CREATE_RACES; race++) {
          const current = await tx.selectFrom('bridge_configs').select(['revision', 'inserted_at']).where('id', '=', config.id)
            .$if(lock, (qb) => qb.forUpdate()).executeTakeFirst()
          const actual = current === undefined ? 0 : Number(current.revision)
          checkRevision(ctx.name, `bridge config ${config.id}`, expectedRevision, actual)
          const row: BridgeConfigRow = {
            id: config.id, adapter: config.adapter, credentials: toJson(config.credentials), options: toJson(config.options),
            enabled: ctx.bool(config.enabled), delivery_policy: toJson(config.deliveryPolicy), revision: actual + 1,
            inserted_at: current?.inserted_at ?? now, updated_at: now,
          }
          if (current !== undefined) {
            const { id: _id, ...fields } = row
            await tx.updateTable('bridge_configs').set(fields).where('id', '=', config.id).execute()
            return bridgeConfigOf(row)
          }
          const inserted = await tx.insertInto('bridge_configs').values(row)
            .onConflict((oc) => oc.column('id').doNothing()).returning('id').executeTakeFirst()
          if (inserted !== undefined) return bridgeConfigOf(row)
        }
        throw new ConflictError(`[${ctx.name}] bridge config ${config.id} is contended`)
      }),

    getBridgeConfig: async (id) => {
      const row = await ctx.statements.bridgeConfigById(ctx.db, id)
      return row === undefined ? null : bridgeConfigOf(row)
    },

    listBridgeConfigs: async (filter) => {
      const rows = await ctx.db.selectFrom('bridge_configs').selectAll()
        .$if(filter?.enabled !== undefined, (qb) => qb.where('enabled', '=', ctx.bool(filter!.enabled!)))
        .orderBy('id').execute()
      return rows.map(bridgeConfigOf)
    },

    deleteBridgeConfig: (id) =>
      ctx.write(async (tx) => (await tx.deleteFrom('bridge_configs').where('id', '=', id).executeTakeFirst()).numDeletedRows > 0n),

    putRoutingPolicy: (policy, { expectedRevision, now }) =>
      mapErrors(ctx.name, { notFound: `room ${policy.roomId} not found` }, () =>
        ctx.write(async (tx) => {
          for (let race = 0; race < MAX_CREATE_RACES; race++) {
            const current = await tx.selectFrom('routing_policies').select(['revision', 'inserted_at'])
              .where('room_id', '=', policy.roomId).$if(lock, (qb) => qb.forUpdate()).executeTakeFirst()
            const actual = current === undefined ? 0 : Number(current.revision)
            checkRevision(ctx.name, `routing policy of room ${policy.roomId}`, expectedRevision, actual)
            const row: RoutingPolicyRow = {
              room_id: policy.roomId, delivery_mode: policy.deliveryMode, failover_policy: policy.failoverPolicy,
              dedupe_scope: policy.dedupeScope, fallback_order: toJson(policy.fallbackOrder), mirror: ctx.bool(policy.mirror),
              metadata: toJson(policy.metadata), revision: actual + 1, inserted_at: current?.inserted_at ?? now, updated_at: now,
            }
            if (current !== undefined) {
              const { room_id: _roomId, ...fields } = row
              await tx.updateTable('routing_policies').set(fields).where('room_id', '=', policy.roomId).execute()
              return routingPolicyOf(row)
            }
            const inserted = await tx.insertInto('routing_policies').values(row)
              .onConflict((oc) => oc.column('room_id').doNothing()).returning('room_id').executeTakeFirst()
            if (inserted !== undefined) return routingPolicyOf(row)
          }
          throw new ConflictError(`[${ctx.name}] routing policy of room ${policy.roomId} is contended`)
        })),

    getRoutingPolicy: async (roomId) => {
      const row = await ctx.statements.routingPolicyByRoom(ctx.db, roomId)
      return row === undefined ? null : routingPolicyOf(row)
    },

    deleteRoutingPolicy: (roomId) =>
      ctx.write(async (tx) =>
        (await tx.deleteFrom('routing_policies').where('room_id', '=', roomId).executeTakeFirst()).numDeletedRows > 0n),

    claimDedupeKey: async (key, { now, expiresAt }) => {
      // Fast path outside the write queue: a live committed claim cannot be taken.
      const live = await ctx.db.selectFrom('dedupe_keys').select('key').where('key', '=', key).where('expires_at', '>', now)
        .executeTakeFirst()
      if (live !== undefined) return false
      return ctx.write(async (tx) => {
        // Insert, or take over an expired claim; the row lock of the upsert makes exactly one claim win.
        // A bare claim stores no message id (taking over an expired claim clears the old one).
        return ctx.statements.claimDedupe(tx, { key, expires_at: expiresAt, message_id: null }, now)
      })
    },

    purgeDedupeKeys: (now) =>
      ctx.write(async (tx) => Number((await tx.deleteFrom('dedupe_keys').where('expires_at', '<=', now).executeTakeFirst()).numDeletedRows)),
  }
}
