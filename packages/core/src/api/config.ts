import { NotFoundError } from '../errors.js'
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

export function configApi(ctx: Context) {
  const { store } = ctx
  return {
    /**
     * Creates or updates a bridge config. Without `revision` it is an unconditional upsert; with one it
     * must equal the stored revision (0 to create) or rejects with REVISION_CONFLICT. Every put increments it.
     */
    async putBridgeConfig(attrs: BridgeConfigInput): Promise<BridgeConfig> {
      const { revision, ...config } = parse(BridgeConfigInputSchema, attrs, 'bridge config')
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

    /** Creates or updates a room's routing policy, with the same revision rule as bridge configs. */
    async putRoutingPolicy(roomId: string, attrs: RoutingPolicyInput = {}): Promise<RoutingPolicy> {
      requireId(roomId, 'roomId')
      const { revision, ...policy } = parse(RoutingPolicyInputSchema, attrs, 'routing policy')
      if (!(await store.getRoom(roomId))) throw new NotFoundError(`room ${roomId} not found`, { roomId })
      return store.putRoutingPolicy({ roomId, ...policy }, { now: nowIso(), ...(revision === undefined ? {} : { expectedRevision: revision }) })
    },

    getRoutingPolicy(roomId: string): Promise<RoutingPolicy | null> {
      return store.getRoutingPolicy(requireId(roomId, 'roomId'))
    },

    deleteRoutingPolicy(roomId: string): Promise<boolean> {
      return store.deleteRoutingPolicy(requireId(roomId, 'roomId'))
    },
  }
}
