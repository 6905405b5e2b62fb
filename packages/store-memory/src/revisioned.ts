import {
  RevisionConflictError,
  type MessagingStore,
  type RevisionedPutOptions,
} from '@jido-messaging/core'
import { clone, requireRoom, type MemoryState } from './state.js'

type RevisionedMethods = Pick<
  MessagingStore,
  | 'putBridgeConfig'
  | 'getBridgeConfig'
  | 'listBridgeConfigs'
  | 'deleteBridgeConfig'
  | 'putRoutingPolicy'
  | 'getRoutingPolicy'
  | 'deleteRoutingPolicy'
>

interface Revisioned {
  revision: number
  insertedAt: string
  updatedAt: string
}

/** Applies the revision rule and returns the record to store, or throws REVISION_CONFLICT. */
function nextRevision<W extends object>(
  what: string,
  write: W,
  stored: Revisioned | undefined,
  options: RevisionedPutOptions,
): W & Revisioned {
  const actual = stored?.revision ?? 0
  if (options.expectedRevision !== undefined && options.expectedRevision !== actual) {
    throw new RevisionConflictError(
      `[store-memory] ${what} is at revision ${actual}, not ${options.expectedRevision}`,
      options.expectedRevision,
      actual,
    )
  }
  return { ...clone(write), revision: actual + 1, insertedAt: stored?.insertedAt ?? options.now, updatedAt: options.now }
}

export function revisionedMethods(state: MemoryState): RevisionedMethods {
  return {
    async putBridgeConfig(config, options) {
      const stored = nextRevision(`bridge config ${config.id}`, config, state.bridgeConfigs.get(config.id), options)
      state.bridgeConfigs.set(config.id, stored)
      return clone(stored)
    },

    async getBridgeConfig(id) {
      const config = state.bridgeConfigs.get(id)
      return config === undefined ? null : clone(config)
    },

    async listBridgeConfigs(filter) {
      const configs = [...state.bridgeConfigs.values()]
        .filter((c) => filter?.enabled === undefined || c.enabled === filter.enabled)
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      return clone(configs)
    },

    async deleteBridgeConfig(id) {
      return state.bridgeConfigs.delete(id)
    },

    async putRoutingPolicy(policy, options) {
      requireRoom(state, policy.roomId)
      const what = `routing policy of room ${policy.roomId}`
      const stored = nextRevision(what, policy, state.routingPolicies.get(policy.roomId), options)
      state.routingPolicies.set(policy.roomId, stored)
      return clone(stored)
    },

    async getRoutingPolicy(roomId) {
      const policy = state.routingPolicies.get(roomId)
      return policy === undefined ? null : clone(policy)
    },

    async deleteRoutingPolicy(roomId) {
      return state.routingPolicies.delete(roomId)
    },
  }
}
