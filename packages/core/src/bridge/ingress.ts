import type { IngressSubscriptionRequest } from '../contracts/platform-adapter.js'
import type { RuntimeStore, StoredIngressSubscription } from '../contracts/runtime-store.js'
import type { MessagingStore } from '../contracts/store.js'
import { MessagingError } from '../errors.js'
import { nowIso } from '../ids.js'
import { requireId } from '../validate.js'
import type { AdapterRegistry } from './registry.js'

/**
 * Platform-side registrations that make webhooks flow (Telegram setWebhook). Adapters that cannot
 * register themselves report `manual_action_required` with the URL to paste into the platform.
 */
export function ingressApi(store: MessagingStore & RuntimeStore, registry: AdapterRegistry) {
  async function bridge(bridgeId: string) {
    requireId(bridgeId, 'bridgeId')
    const config = await store.getBridgeConfig(bridgeId)
    if (!config) throw new MessagingError(`bridge ${bridgeId} not found`, { code: 'BRIDGE_NOT_FOUND', details: { bridgeId } })
    return { config, adapter: registry.require(config) }
  }

  /** A platform call's failure reaches the caller without the bridge's credentials in its text. */
  const rethrowRedacted = (error: unknown): never => {
    throw registry.redactError(error)
  }

  return {
    async ensureIngressSubscription(bridgeId: string, request: IngressSubscriptionRequest = {}): Promise<StoredIngressSubscription> {
      const { config, adapter } = await bridge(bridgeId)
      const now = nowIso()
      const info = adapter.ensureIngressSubscription
        ? await adapter.ensureIngressSubscription(registry.context(config), request).catch(rethrowRedacted)
        : adapter.capabilities.webhook
          ? {
            id: `${bridgeId}:webhook`,
            status: 'manual_action_required' as const,
            ...(request.url === undefined ? {} : { url: request.url }),
            instructions: `Configure ${adapter.name} to POST events to ${request.url ?? `/webhooks/${bridgeId}`}`,
          }
          : null
      if (!info) throw new MessagingError(`adapter ${adapter.name} has no ingress subscriptions`, { code: 'UNSUPPORTED', details: { bridgeId } })
      const existing = (await store.listIngressSubscriptions(bridgeId)).find((s) => s.id === info.id)
      return store.putIngressSubscription({
        id: info.id,
        bridgeId,
        adapter: adapter.name,
        status: info.status,
        ...(info.url === undefined ? {} : { url: info.url }),
        ...(info.instructions === undefined ? {} : { instructions: info.instructions }),
        metadata: info.metadata ?? {},
        insertedAt: existing?.insertedAt ?? now,
        updatedAt: now,
      })
    },

    async listIngressSubscriptions(bridgeId: string): Promise<StoredIngressSubscription[]> {
      await bridge(bridgeId)
      return store.listIngressSubscriptions(bridgeId)
    },

    async deleteIngressSubscription(bridgeId: string, subscriptionId: string): Promise<boolean> {
      const { config, adapter } = await bridge(bridgeId)
      requireId(subscriptionId, 'subscriptionId')
      if (adapter.deleteIngressSubscription) await adapter.deleteIngressSubscription(registry.context(config), subscriptionId).catch(rethrowRedacted)
      return store.deleteIngressSubscription(bridgeId, subscriptionId)
    },
  }
}
