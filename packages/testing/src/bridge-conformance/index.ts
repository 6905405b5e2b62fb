import { describe } from 'vitest'
import type { BridgeConformanceOptions } from './harness.js'
import { ingestCases } from './ingest.js'
import { ingestFailureCases } from './ingest-failures.js'
import { outboundCases } from './outbound.js'
import { topologyCases } from './topology.js'
import { agentBridgeCases } from './agents.js'
import { syncCases } from './sync.js'

export type { BridgeConformanceOptions } from './harness.js'

/**
 * The bridge runtime through `createMessaging` over a store, driven end to end with adapter-webhook
 * and local receiving servers: ingest, dedupe, signatures, outbound delivery, retries, rate limits,
 * chunking, dead letters, topology, mirror, workers and ingress subscriptions.
 */
export function bridgeConformance(options: BridgeConformanceOptions): void {
  describe(`bridge runtime over ${options.name}`, () => {
    ingestCases(options)
    ingestFailureCases(options)
    outboundCases(options)
    topologyCases(options)
    agentBridgeCases(options)
    syncCases(options)
  })
}
