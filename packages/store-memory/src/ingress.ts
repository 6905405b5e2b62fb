import { compareKeys, type RuntimeStore, type StoredIngressSubscription } from '@jido-messaging/core'
import { clone, type MemoryState } from './state.js'

type IngressMethods = Pick<RuntimeStore, 'putIngressSubscription' | 'listIngressSubscriptions' | 'deleteIngressSubscription'>

export function ingressMethods(state: MemoryState): IngressMethods {
  return {
    async putIngressSubscription(subscription) {
      let byId = state.ingress.get(subscription.bridgeId)
      if (byId === undefined) state.ingress.set(subscription.bridgeId, (byId = new Map()))
      const stored = clone(subscription)
      byId.set(stored.id, stored)
      return clone(stored)
    },

    /** A bridge's subscriptions in (insertedAt, id) order. */
    async listIngressSubscriptions(bridgeId) {
      const subscriptions: StoredIngressSubscription[] = [...(state.ingress.get(bridgeId)?.values() ?? [])]
      return clone(subscriptions.sort(compareKeys))
    },

    async deleteIngressSubscription(bridgeId, id) {
      const byId = state.ingress.get(bridgeId)
      if (byId?.delete(id) !== true) return false
      if (byId.size === 0) state.ingress.delete(bridgeId)
      return true
    },
  }
}
