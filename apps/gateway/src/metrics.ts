// Prometheus metrics (prom-client) on a registry of the gateway's own, so several gateways in one
// process (tests) do not share counters. Counters follow signals and this process's delivery worker;
// gauges of shared state (outbox, journal lag, bridge workers) are read from core on each scrape.
import { SignalTypes, type Messaging, type Signal } from '@jido-messaging/core'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

const BRIDGE_STATES = ['starting', 'running', 'backoff', 'stopped', 'failed'] as const
const AGENT_PREFIX = 'jido.messaging.agent.'

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
  private readonly deliveries = new Counter({
    name: 'jido_deliveries_total',
    help: 'Outbound messages finished per platform conversation, by bridge and result (sent, failed, dead_lettered), from message.sent / message.failed signals',
    labelNames: ['bridge', 'result'] as const,
    registers: [this.registry],
  })
  private readonly attempts = new Counter({
    name: 'jido_delivery_attempts_total',
    help: 'Delivery attempts settled by this process, by bridge and outcome: sent, retrying (a retry was scheduled), failed, dead_lettered',
    labelNames: ['bridge', 'result'] as const,
    registers: [this.registry],
  })
  private readonly agentRuns = new Counter({
    name: 'jido_agent_runs_total',
    help: 'Agent runs by agent and event (triggered, started, completed, failed, skipped), from agent.* signals',
    labelNames: ['agent', 'event'] as const,
    registers: [this.registry],
  })
  private readonly agentSeconds = new Histogram({
    name: 'jido_agent_run_duration_seconds',
    help: 'Agent handler run time, by agent and result (completed, failed)',
    labelNames: ['agent', 'result'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  })
  private readonly outboxDepth = new Gauge({ name: 'jido_outbox_depth', help: 'Deliveries still to be sent (pending, retrying and in flight), every bridge', registers: [this.registry] })
  private readonly outboxDeliveries = new Gauge({ name: 'jido_outbox_deliveries', help: 'Unfinished deliveries by bridge and status (pending, sending, retrying)', labelNames: ['bridge', 'status'] as const, registers: [this.registry] })
  private readonly outboxOldest = new Gauge({ name: 'jido_outbox_oldest_age_seconds', help: 'Age of the oldest unfinished delivery, by bridge', labelNames: ['bridge'] as const, registers: [this.registry] })
  private readonly deadLetters = new Gauge({ name: 'jido_dead_letters', help: 'Stored dead letters by bridge and status (active, archived, replayed)', labelNames: ['bridge', 'status'] as const, registers: [this.registry] })
  private readonly journalHead = new Gauge({ name: 'jido_journal_head_position', help: 'The last committed position of the signal journal', registers: [this.registry] })
  private readonly journalLag = new Gauge({
    name: 'jido_journal_lag',
    help: 'Journal positions after a durable subscription\'s stored checkpoint (head minus checkpoint). An agent\'s checkpoint moves with its room\'s messages only, so a quiet room shows the other rooms\' traffic',
    labelNames: ['subscription'] as const,
    registers: [this.registry],
  })
  private readonly bridgeState = new Gauge({ name: 'jido_bridge_worker_state', help: '1 for the state a bridge\'s listener worker is in, 0 for the others', labelNames: ['bridge', 'state'] as const, registers: [this.registry] })
  private readonly bridgeRestarts = new Gauge({ name: 'jido_bridge_worker_restarts', help: 'Listener restarts of a bridge since this process started it', labelNames: ['bridge'] as const, registers: [this.registry] })
  private readonly streams = new Gauge({ name: 'jido_sse_streams', help: 'Open /v1/signals streams', registers: [this.registry] })
  private readonly collectFailures = new Counter({ name: 'jido_metrics_collect_failures_total', help: 'Scrape-time reads that failed, by source (outbox, journal, bridges)', labelNames: ['source'] as const, registers: [this.registry] })

  private messaging: Messaging | undefined
  private readonly stops: Array<() => void> = []

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'jido_gateway_' })
  }

  /** Starts counting signals (from now) and this process's delivery attempts; scrapes read `messaging`. */
  start(messaging: Messaging): void {
    this.messaging = messaging
    for (const [pattern, handler] of [
      [SignalTypes.messageSent, (s: Signal) => this.onDelivery(s)],
      [SignalTypes.messageFailed, (s: Signal) => this.onDelivery(s)],
      [`${AGENT_PREFIX}*`, (s: Signal) => this.onAgent(s)],
    ] as const) {
      const id = messaging.subscribe(pattern, handler).id
      this.stops.push(() => void messaging.unsubscribe(id))
    }
    this.stops.push(messaging.onDeliverySettled((d) => this.attempts.inc({ bridge: d.bridgeId, result: d.status })))
  }

  stop(): void {
    for (const stop of this.stops.splice(0)) stop()
    this.messaging = undefined
  }

  webhook(bridgeId: string, result: string, seconds: number): void {
    this.webhooks.inc({ bridge: bridgeId, result })
    this.ingestSeconds.observe({ bridge: bridgeId }, seconds)
  }

  streamOpened(): void {
    this.streams.inc()
  }

  streamClosed(): void {
    this.streams.dec()
  }

  get contentType(): string {
    return this.registry.contentType
  }

  async render(): Promise<string> {
    if (this.messaging) await this.collect(this.messaging)
    return this.registry.metrics()
  }

  private onDelivery(signal: Signal): void {
    const d = signal.data ?? {}
    const result = typeof d['status'] === 'string' ? d['status'] : signal.type === SignalTypes.messageSent ? 'sent' : 'failed'
    this.deliveries.inc({ bridge: String(d['bridgeId'] ?? 'unknown'), result })
  }

  private onAgent(signal: Signal): void {
    const d = signal.data ?? {}
    const agent = String(d['agentId'] ?? 'unknown')
    const event = signal.type.slice(AGENT_PREFIX.length)
    // One skipped signal may stand for a run of skipped messages (catch-up backlog).
    this.agentRuns.inc({ agent, event }, typeof d['count'] === 'number' ? d['count'] : 1)
    if ((event === 'completed' || event === 'failed') && typeof d['durationMs'] === 'number') {
      this.agentSeconds.observe({ agent, result: event }, d['durationMs'] / 1000)
    }
  }

  /** Reads the shared state for one scrape; a source that fails is counted and keeps its last values. */
  private async collect(messaging: Messaging): Promise<void> {
    const read = async <T>(source: string, get: () => Promise<T>, apply: (value: T) => void) => {
      try {
        apply(await get())
      } catch {
        this.collectFailures.inc({ source })
      }
    }
    await Promise.all([
      read('outbox', () => messaging.outboxStats(), (stats) => {
        const now = Date.now()
        this.outboxDeliveries.reset()
        this.outboxOldest.reset()
        this.deadLetters.reset()
        let depth = 0
        const oldest = new Map<string, number>()
        for (const d of stats.deliveries) {
          depth += d.count
          this.outboxDeliveries.set({ bridge: d.bridgeId, status: d.status }, d.count)
          const at = Date.parse(d.oldestInsertedAt)
          oldest.set(d.bridgeId, Math.min(oldest.get(d.bridgeId) ?? at, at))
        }
        for (const [bridge, at] of oldest) this.outboxOldest.set({ bridge }, Math.max(0, (now - at) / 1000))
        for (const l of stats.deadLetters) this.deadLetters.set({ bridge: l.bridgeId, status: l.status }, l.count)
        this.outboxDepth.set(depth)
      }),
      read('journal', () => Promise.all([messaging.journalHead(), messaging.subscriptionCheckpoints()]), ([head, checkpoints]) => {
        this.journalHead.set(head.position)
        this.journalLag.reset()
        for (const c of checkpoints) this.journalLag.set({ subscription: c.name }, Math.max(0, head.position - c.position))
      }),
      read('bridges', () => messaging.listBridgeStatuses(), (statuses) => {
        this.bridgeState.reset()
        this.bridgeRestarts.reset()
        for (const s of statuses) {
          for (const state of BRIDGE_STATES) this.bridgeState.set({ bridge: s.bridgeId, state }, s.state === state ? 1 : 0)
          this.bridgeRestarts.set({ bridge: s.bridgeId }, s.restarts)
        }
      }),
    ])
  }
}
