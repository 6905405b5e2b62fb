import { z } from 'zod'
import { NotFoundError, ValidationError } from '../errors.js'
import { nowIso } from '../ids.js'
import {
  BridgeConfigInputSchema,
  RoutingPolicyInputSchema,
  type BridgeConfig,
  type BridgeConfigInput,
  type RoutingPolicy,
  type RoutingPolicyInput,
} from '../model.js'
import { parse, requireId } from '../validate.js'
import type { Context } from './context.js'

// A record read with getBridgeConfig / getRoutingPolicy carries the timestamps the store manages. They
// are accepted on a put (so read, change, put back with `revision` works) and ignored: the store sets
// them. Any other unknown key is still a VALIDATION error (the schemas stay strict).
const timestamp = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO-8601 timestamp')
const storeManaged = { insertedAt: timestamp.optional(), updatedAt: timestamp.optional() }
/** Store-managed fields a put accepts and ignores. */
export interface StoreManagedFields {
  insertedAt?: string
  updatedAt?: string
}

export const BridgeConfigPutSchema = BridgeConfigInputSchema.extend(storeManaged)
/** A bridge config to put: an input, or a config as read (its timestamps are ignored). */
export type BridgeConfigPut = BridgeConfigInput & StoreManagedFields

/** `roomId` is accepted too (a read policy has it); it must name the room the policy is put on. */
export const RoutingPolicyPutSchema = RoutingPolicyInputSchema.extend({ roomId: z.string().min(1).max(255).optional(), ...storeManaged })
/** A routing policy to put: an input, or a policy as read (its timestamps are ignored). */
export type RoutingPolicyPut = RoutingPolicyInput & StoreManagedFields & { roomId?: string }

/** The store write of a parsed bridge config: without the revision and the store-managed timestamps. */
export function bridgeConfigWrite(c: z.output<typeof BridgeConfigPutSchema>) {
  const { revision, insertedAt: _insertedAt, updatedAt: _updatedAt, ...config } = c
  return { config, revision }
}

/** The store write of a parsed routing policy for `roomId` (VALIDATION if the policy names another room). */
export function routingPolicyWrite(roomId: string, p: z.output<typeof RoutingPolicyPutSchema>) {
  const { revision, roomId: named, insertedAt: _insertedAt, updatedAt: _updatedAt, ...policy } = p
  if (named !== undefined && named !== roomId) {
    throw new ValidationError(`routing policy names room ${named}, not ${roomId}`, [{ path: 'roomId', message: `expected ${roomId}` }])
  }
  return { policy: { roomId, ...policy }, revision }
}

export function configApi(ctx: Context) {
  const { store } = ctx
  return {
    /**
     * Creates or updates a bridge config. Without `revision` it is an unconditional upsert; with one it
     * must equal the stored revision (0 to create) or rejects with REVISION_CONFLICT. Every put increments it.
     * A config as read can be put back: its insertedAt/updatedAt are ignored (the store sets them).
     */
    async putBridgeConfig(attrs: BridgeConfigPut): Promise<BridgeConfig> {
      const { config, revision } = bridgeConfigWrite(parse(BridgeConfigPutSchema, attrs, 'bridge config'))
      return store.putBridgeConfig(config, { now: nowIso(), ...(revision === undefined ? {} : { expectedRevision: revision }) })
    },

    getBridgeConfig(id: string): Promise<BridgeConfig | null> {
      return store.getBridgeConfig(requireId(id, 'id'))
    },

    listBridgeConfigs(filter: { enabled?: boolean } = {}): Promise<BridgeConfig[]> {
      return store.listBridgeConfigs(filter.enabled === undefined ? {} : { enabled: filter.enabled })
    },

    deleteBridgeConfig(id: string): Promise<boolean> {
      return store.deleteBridgeConfig(requireId(id, 'id'))
    },

    /**
     * Creates or updates a room's routing policy, with the same revision rule as bridge configs. A policy
     * as read (with roomId and timestamps) can be put back; a roomId naming another room is VALIDATION.
     */
    async putRoutingPolicy(roomId: string, attrs: RoutingPolicyPut = {}): Promise<RoutingPolicy> {
      requireId(roomId, 'roomId')
      const { policy, revision } = routingPolicyWrite(roomId, parse(RoutingPolicyPutSchema, attrs, 'routing policy'))
      if (!(await store.getRoom(roomId))) throw new NotFoundError(`room ${roomId} not found`, { roomId })
      return store.putRoutingPolicy(policy, { now: nowIso(), ...(revision === undefined ? {} : { expectedRevision: revision }) })
    },

    getRoutingPolicy(roomId: string): Promise<RoutingPolicy | null> {
      return store.getRoutingPolicy(requireId(roomId, 'roomId'))
    },

    deleteRoutingPolicy(roomId: string): Promise<boolean> {
      return store.deleteRoutingPolicy(requireId(roomId, 'roomId'))
    },
  }
}
