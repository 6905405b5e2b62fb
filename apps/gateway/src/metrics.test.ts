import { signWebhookBody } from '@jido-messaging/adapter-webhook'
import { startWebhookReceiver, type WebhookReceiver } from '@jido-messaging/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { GatewayMetrics } from './metrics.js'
import { startTestGateway, type TestGateway } from './test/harness.js'

const SECRET = 'metrics-test-webhook-secret'

interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

/** Parses the Prometheus text format into samples (comments skipped). */
function parseMetrics(text: string): Sample[] {
  const out: Sample[] = []
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line)
    if (!m || line.startsWith('#')) continue
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!
    out.push({ name: m[1]!, labels, value: Number(m[3]) })
  }
  return out
}

/** The value of the one sample of `name` with (at least) these labels; undefined when there is none. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`)
  return found[0]?.value
}

async function until<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

const config = (receiver: WebhookReceiver, agents = true) => `
bridges:
  - id: hook
    adapter: webhook
    credentials: { secret: env:GW_METRICS_SECRET }
    options: { outboundUrl: "${receiver.url}" }
rooms:
  - id: lobby
    name: Lobby
    bindings: [{ bridge: hook, externalRoomId: ext-lobby }]
${agents ? '    agents:\n      - { id: echo, module: "builtin:echo", options: { prefix: "heard: " } }\n' : ''}  - id: side
    name: Side
    bindings: [{ bridge: hook, externalRoomId: ext-side }]
shutdown: { drainMs: 300 }
`

describe('/metrics', () => {
  const open: TestGateway[] = []
  const receivers: WebhookReceiver[] = []
  afterEach(async () => {
    await Promise.all(open.splice(0).map((g) => g.close()))
    await Promise.all(receivers.splice(0).map((r) => r.close()))
  })

  async function setup(agents = true) {
    const receiver = await startWebhookReceiver({ secret: SECRET })
    receivers.push(receiver)
    const gw = await startTestGateway(config(receiver, agents), { env: { GW_METRICS_SECRET: SECRET } })
    open.push(gw)
    const scrape = async () => {
      const res = await fetch(`${gw.url}/metrics`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/)
      return parseMetrics(await res.text())
    }
    return { gw, receiver, scrape }
  }

  it('counts webhooks, agent runs and deliveries by bridge and result; journal lag returns to 0', async () => {
    const { gw, receiver, scrape } = await setup()
    const body = JSON.stringify({ id: 'ext-1', room: 'ext-lobby', user: 'u-1', text: 'hello' })
    const res = await fetch(`${gw.url}/webhooks/hook`, { method: 'POST', headers: { 'content-type': 'application/json', ...signWebhookBody(SECRET, body) }, body })
    expect(res.status).toBe(200)
    // the echo agent answers; its reply goes out to the platform
    await gw.messaging.postMessage({ roomId: 'lobby', senderId: 'user_api', role: 'user', content: [{ type: 'text', text: 'from the API' }] })
    const samples = await until(async () => {
      const s = await scrape()
      return receiver.deliveries.length >= 2 && valueOf(s, 'jido_deliveries_total', { bridge: 'hook', result: 'sent' }) === receiver.deliveries.length
        && valueOf(s, 'jido_agent_runs_total', { agent: 'echo', event: 'completed' }) !== undefined && s
    }, 'the deliveries and the agent run to be counted')

    const webhookSamples = samples.filter((s) => s.name === 'jido_webhooks_total' && s.labels['bridge'] === 'hook')
    expect(webhookSamples.reduce((n, s) => n + s.value, 0)).toBe(1)
    expect(valueOf(samples, 'jido_ingest_duration_seconds_count', { bridge: 'hook' })).toBe(1)
    expect(valueOf(samples, 'jido_delivery_attempts_total', { bridge: 'hook', result: 'sent' })).toBe(receiver.deliveries.length)
    for (const event of ['triggered', 'started', 'completed']) {
      expect(valueOf(samples, 'jido_agent_runs_total', { agent: 'echo', event }), event).toBeGreaterThanOrEqual(1)
    }
    expect(valueOf(samples, 'jido_agent_run_duration_seconds_count', { agent: 'echo', result: 'completed' })).toBeGreaterThanOrEqual(1)
    expect(valueOf(samples, 'jido_journal_head_position')).toBe((await gw.messaging.journalHead()).position)
    // the bridge's worker is in exactly one state
    const states = samples.filter((s) => s.name === 'jido_bridge_worker_state' && s.labels['bridge'] === 'hook')
    expect(states.map((s) => s.labels['state']).sort()).toEqual(['backoff', 'failed', 'running', 'starting', 'stopped'])
    expect(states.filter((s) => s.value === 1)).toHaveLength(1)
    expect(valueOf(samples, 'jido_outbox_depth')).toBe(0)

    // durable subscriptions catch up: core's outbound-changes one reaches the head
    await until(async () => valueOf(await scrape(), 'jido_journal_lag', { subscription: 'jido:outbound-changes' }) === 0, 'the outbound-changes lag to reach 0')
    expect(valueOf(samples, 'jido_journal_lag', { subscription: 'agent:lobby:echo' })).toBeGreaterThanOrEqual(0)
  })

  it('shows pending deliveries as outbox depth, retries, and dead letters', async () => {
    const { gw, receiver, scrape } = await setup(false)
    // A 503 with a long Retry-After keeps the delivery waiting for its retry.
    receiver.failNext(1, { status: 503, retryAfterSeconds: 3600 })
    await gw.messaging.postMessage({ roomId: 'lobby', senderId: 'user_api', role: 'user', content: [{ type: 'text', text: 'will wait' }] })
    let samples = await until(async () => {
      const s = await scrape()
      return valueOf(s, 'jido_delivery_attempts_total', { bridge: 'hook', result: 'retrying' }) === 1 && s
    }, 'the retry to be counted')
    expect(valueOf(samples, 'jido_outbox_depth')).toBe(1)
    expect(valueOf(samples, 'jido_outbox_deliveries', { bridge: 'hook', status: 'retrying' })).toBe(1)
    expect(valueOf(samples, 'jido_outbox_oldest_age_seconds', { bridge: 'hook' })).toBeGreaterThanOrEqual(0)
    expect(await gw.messaging.outboxDepth()).toBe(1)

    // A 400 is final: a dead letter (in the same conversation it waits behind the retry, so use another room)
    receiver.failNext(1, { status: 400 })
    await gw.messaging.postMessage({ roomId: 'side', senderId: 'user_api', role: 'user', content: [{ type: 'text', text: 'refused' }] })
    samples = await until(async () => {
      const s = await scrape()
      return valueOf(s, 'jido_deliveries_total', { bridge: 'hook', result: 'dead_lettered' }) === 1 && s
    }, 'the dead letter to be counted')
    expect(valueOf(samples, 'jido_delivery_attempts_total', { bridge: 'hook', result: 'dead_lettered' })).toBe(1)
    expect(valueOf(samples, 'jido_dead_letters', { bridge: 'hook', status: 'active' })).toBe(1)
    expect(valueOf(samples, 'jido_outbox_depth')).toBe(1)
  })

  it('keeps its public methods and its own registry', async () => {
    const a = new GatewayMetrics({ defaultMetrics: false })
    const b = new GatewayMetrics({ defaultMetrics: false })
    a.webhook('tg', 'created', 0.004)
    expect(valueOf(parseMetrics(await a.render()), 'jido_webhooks_total', { bridge: 'tg', result: 'created' })).toBe(1)
    expect(valueOf(parseMetrics(await b.render()), 'jido_webhooks_total', { bridge: 'tg' })).toBeUndefined()
    expect(a.contentType).toMatch(/^text\/plain/)
  })
})
