import { describe } from 'vitest'
import { cascadeCases } from './cascade.js'
import { claimCases } from './claims.js'
import { commitCases } from './commit.js'
import { useRuntimeStore, type RuntimeStoreConformanceOptions } from './context.js'
import { runtimeCopyCases } from './copies.js'
import { runtimeCrossHandleCases } from './cross-handle.js'
import { deadLetterCases } from './dead-letters.js'
import { deliveryCases } from './deliveries.js'
import { ingressCases } from './ingress.js'
import { leaseCases } from './leases.js'
import { statsCases } from './stats.js'

export type { FullStore, RuntimeStoreConformanceOptions } from './context.js'

/**
 * Registers the `RuntimeStore` conformance suite (atomic commits with dedupe, the outbox and its leases,
 * dead letters, ingress subscriptions, outbox stats, named leases and fencing) for a store that implements both `MessagingStore` and
 * `RuntimeStore`. Every test gets a fresh store from `options.create()` and disposes of it afterwards.
 */
export function runtimeStoreConformance(options: RuntimeStoreConformanceOptions): void {
  if (options.capabilities?.crossProcess && options.connectPeer === undefined) {
    throw new Error(`[testing] ${options.name}: capabilities.crossProcess needs connectPeer to open a second handle`)
  }
  describe(`RuntimeStore conformance: ${options.name}`, () => {
    const ctx = useRuntimeStore(options)
    commitCases(ctx)
    claimCases(ctx)
    deliveryCases(ctx)
    deadLetterCases(ctx)
    ingressCases(ctx)
    statsCases(ctx)
    leaseCases(ctx)
    cascadeCases(ctx)
    runtimeCopyCases(ctx)
    runtimeCrossHandleCases(ctx)
  })
}
