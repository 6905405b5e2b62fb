import { describe, expect, it } from 'vitest'
import { isoAt, makeIngressSubscription, uniqueSuffix } from '../factories.js'
import { sortIds, type RuntimeSuiteContext } from './context.js'

const byId = <T extends { id: string }>(items: T[]) => [...items].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))

export function ingressCases(ctx: RuntimeSuiteContext): void {
  describe('ingress subscriptions', () => {
    it('put inserts or replaces by (bridgeId, id); list is per bridge; delete removes one', async () => {
      const store = ctx.store()
      const bridge = `bridge_${uniqueSuffix()}`
      const otherBridge = `bridge_${uniqueSuffix()}`
      const a = makeIngressSubscription(bridge, { insertedAt: isoAt(0), metadata: { secret: 'env:A' } })
      const b = makeIngressSubscription(bridge, { insertedAt: isoAt(1), status: 'manual_action_required', instructions: 'Paste the URL' })
      // The same id under another bridge is another subscription.
      const elsewhere = makeIngressSubscription(otherBridge, { id: a.id, adapter: 'slack' })
      expect(await store.putIngressSubscription(a)).toEqual(a)
      await store.putIngressSubscription(b)
      await store.putIngressSubscription(elsewhere)
      expect(byId(await store.listIngressSubscriptions(bridge))).toEqual(byId([a, b]))
      expect(await store.listIngressSubscriptions(otherBridge)).toEqual([elsewhere])
      expect(await store.listIngressSubscriptions(`bridge_${uniqueSuffix()}`)).toEqual([])

      const replaced = { ...a, status: 'failed' as const, metadata: { error: 'gone' }, updatedAt: isoAt(9) }
      delete (replaced as { url?: string }).url
      expect(await store.putIngressSubscription(replaced)).toEqual(replaced)
      expect(byId(await store.listIngressSubscriptions(bridge))).toEqual(byId([replaced, b]))
      expect(await store.listIngressSubscriptions(otherBridge)).toEqual([elsewhere])

      expect(await store.deleteIngressSubscription(bridge, a.id)).toBe(true)
      expect(await store.deleteIngressSubscription(bridge, a.id)).toBe(false)
      expect(sortIds(await store.listIngressSubscriptions(bridge))).toEqual([b.id])
      expect(await store.listIngressSubscriptions(otherBridge)).toEqual([elsewhere])
    })
  })
}
