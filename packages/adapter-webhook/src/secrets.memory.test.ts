// Regression: a bridge's resolved credentials reached error messages, logs, bridge status, webhook
// error responses and signals whenever an adapter or a platform echoed them. Core redacts them at its
// boundaries; this drives every boundary with recognisable secrets, through adapter-webhook and through
// an adapter that puts its credentials into every error it throws.
import { AdapterError, createMessaging, type Messaging, type PlatformAdapter, type Signal, type SignalBus } from '@jido-messaging/core'
import { createMemoryStore } from '@jido-messaging/store-memory'
import { signedWebhookRequest, startWebhookReceiver } from '@jido-messaging/testing'
import { inspect } from 'node:util'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createWebhookAdapter } from './index.js'

const WEBHOOK_SECRET = 'whsec-RECOGNISABLE-webhook-secret'
const LEAKY_TOKEN = 'leaky-RECOGNISABLE-bot-token-42'
const SECRETS = [WEBHOOK_SECRET, LEAKY_TOKEN]
const leaks = (text: string) => SECRETS.flatMap((s) => [s, encodeURIComponent(s)]).filter((s) => text.includes(s))

/** An adapter that, like a careless SDK, puts its credential into every error it throws. */
function leakyAdapter(): PlatformAdapter {
  const fail = (what: string, token: string | undefined) => new AdapterError(`[leaky] ${what} failed at https://api.leaky.example/bot${token}/${what}`, { retryable: false, cause: new Error(`token=${token}`) })
  return {
    name: 'leaky',
    channel: 'leaky',
    capabilities: {
      send: 'native', edit: 'unsupported', delete: 'unsupported', reactions: 'unsupported', typing: 'unsupported', threads: 'unsupported',
      replies: 'unsupported', media: 'unsupported', webhook: true, listener: true, ingressSubscriptions: true, textLimit: 1000, markdown: 'none',
    },
    defaultIngressMode: 'polling',
    verifyWebhook: (bridge, request) => {
      if (request.headers['x-fail'] === 'verify') throw fail('verify', bridge.credentials['botToken'])
      return true
    },
    parseWebhook: (bridge) => {
      throw fail('parse', bridge.credentials['botToken'])
    },
    send: async (bridge) => {
      throw fail('send', bridge.credentials['botToken'])
    },
    startListener: async (bridge) => {
      throw fail('getUpdates', bridge.credentials['botToken'])
    },
    ensureIngressSubscription: async (bridge) => {
      throw fail('setWebhook', bridge.credentials['botToken'])
    },
  }
}

/** A bus whose publish fails with a message quoting a credential: what the default onError prints. */
function failingBus(): SignalBus {
  return {
    publish: async () => {
      throw new Error(`bus rejected a publish authenticated with ${LEAKY_TOKEN}`)
    },
    subscribe: () => ({ id: 'none', unsubscribe: () => true }) as never,
    unsubscribe: () => false,
  }
}

interface Harness {
  messaging: Messaging
  signals: Signal[]
  printed: string[]
  texts: string[]
}

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  vi.restoreAllMocks()
})

async function setup(options: { bus?: SignalBus } = {}): Promise<Harness> {
  const printed: string[] = []
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void printed.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 6 }))).join(' ')))
  }
  const messaging = createMessaging({
    store: createMemoryStore(),
    adapters: [createWebhookAdapter({ timeoutMs: 2000 }), leakyAdapter()],
    instanceId: 'secrets',
    delivery: { pollMs: 20 },
    bridgeWorkers: { restartBaseMs: 20, restartMaxMs: 50, maxRestarts: 1 },
    ...options,
  })
  await messaging.start()
  cleanups.push(() => messaging.stop())
  const signals: Signal[] = []
  messaging.subscribe('jido.messaging.**', (s) => void signals.push(s))
  return { messaging, signals, printed, texts: [] }
}

function errorText(error: unknown): string {
  let text = inspect(error, { depth: 6 })
  for (let e: unknown = error; e instanceof Error; e = e.cause) text += `\n${e.message}\n${e.stack}`
  return text
}

async function everything(h: Harness): Promise<string> {
  return [
    JSON.stringify(h.signals),
    ...h.printed,
    ...h.texts,
    JSON.stringify(await h.messaging.listBridgeStatuses()),
    JSON.stringify((await h.messaging.listDeadLetters({ limit: 100 })).deadLetters),
  ].join('\n')
}

// generous: dead letters wait out retries with backoff, on a CI machine running every package side by side
async function until(predicate: () => boolean | Promise<boolean>, what: string, ms = 90_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('credentials never leave through core', { timeout: 180_000 }, () => {
  it('webhook error responses: an adapter failing to verify or parse with its token in the error', async () => {
    const h = await setup()
    await h.messaging.putBridgeConfig({ id: 'leaky', adapter: 'leaky', credentials: { botToken: LEAKY_TOKEN }, options: { ingress: { mode: 'webhook' } } })
    const verify = await h.messaging.routeWebhookRequest('leaky', { headers: { 'x-fail': 'verify' }, rawBody: '{}' })
    const parse = await h.messaging.routeWebhookRequest('leaky', { headers: {}, rawBody: '{}' })
    for (const r of [verify, parse]) {
      expect(r.response.status).toBe(500)
      expect(JSON.stringify(r.response.body)).toContain('/bot[redacted]/')
      h.texts.push(JSON.stringify(r))
    }
    h.texts.push(errorText(await h.messaging.routeWebhook('leaky', {}).catch((e: unknown) => e)))
    expect(leaks(await everything(h))).toEqual([])
  })

  it('bridge status and bridge.status_changed: a listener failing with its token in the error', async () => {
    const h = await setup()
    await h.messaging.putBridgeConfig({ id: 'leaky-poll', adapter: 'leaky', credentials: { botToken: LEAKY_TOKEN } })
    await until(async () => (await h.messaging.bridgeStatus('leaky-poll'))?.state === 'failed', 'the listener to give up')
    const status = (await h.messaging.bridgeStatus('leaky-poll'))!
    expect(status.lastError).toBe('[leaky] getUpdates failed at https://api.leaky.example/bot[redacted]/getUpdates')
    await until(() => h.signals.filter((s) => s.type === 'jido.messaging.bridge.status_changed').length >= 3, 'status signals')
    expect(leaks(await everything(h))).toEqual([])
  })

  it('thrown errors: an ingress subscription failing with its token in the error', async () => {
    const h = await setup()
    await h.messaging.putBridgeConfig({ id: 'leaky', adapter: 'leaky', credentials: { botToken: LEAKY_TOKEN }, options: { ingress: { mode: 'webhook' } } })
    const error = await h.messaging.ensureIngressSubscription('leaky', { url: 'https://gw.example.com/webhooks/leaky' }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'DELIVERY_FAILED', message: '[leaky] setWebhook failed at https://api.leaky.example/bot[redacted]/setWebhook' })
    h.texts.push(errorText(error))
    expect(leaks(await everything(h))).toEqual([])
  })

  it('the default onError: a reported error quoting a credential is printed redacted', async () => {
    const h = await setup({ bus: failingBus() })
    await h.messaging.putBridgeConfig({ id: 'leaky', adapter: 'leaky', credentials: { botToken: LEAKY_TOKEN }, options: { ingress: { mode: 'webhook' } } })
    await h.messaging.routeWebhookRequest('leaky', { headers: {}, rawBody: '{}' }) // the bridge's credentials are now known
    const room = await h.messaging.createRoom({ name: 'publish me' })
    await h.messaging.dispatchRoomEvent(room.id, 'deploy.started') // published to the bus, which fails
    await until(() => h.printed.some((p) => p.includes('signal bus publish')), 'the publish failure to be reported')
    expect(h.printed.find((p) => p.includes('signal bus publish'))).toMatch(/^\[core\] signal bus publish: Error: bus rejected a publish authenticated with \[redacted\]/)
    expect(leaks(await everything(h))).toEqual([])
  })

  // Dead-letter reasons and message.failed are written by the delivery worker (outbound/worker.ts,
  // settleFailure), which redacts the failure's reason.
  it('dead letters and message.failed: a receiver answering with the webhook secret, an adapter failing with its token', async () => {
    const h = await setup()
    const receiver = await startWebhookReceiver({ secret: WEBHOOK_SECRET })
    cleanups.push(() => receiver.close())
    await h.messaging.putBridgeConfig({ id: 'wh', adapter: 'webhook', credentials: { secret: WEBHOOK_SECRET }, options: { outboundUrl: receiver.url } })
    await h.messaging.putBridgeConfig({ id: 'leaky', adapter: 'leaky', credentials: { botToken: LEAKY_TOKEN }, options: { ingress: { mode: 'webhook' } } })
    const room = await h.messaging.ensureBridgeRoom({ roomName: 'both', bindings: [
      { channel: 'webhook', bridgeId: 'wh', externalRoomId: 'far-room' },
      { channel: 'leaky', bridgeId: 'leaky', externalRoomId: 'leaky-room' },
    ], routingPolicy: { deliveryMode: 'broadcast' } })
    // The receiver's 400 quotes the secret (a body adapter-webhook puts into its error message).
    receiver.failNext(1, { status: 400, body: { error: `signature must use ${WEBHOOK_SECRET}` } })
    const req = signedWebhookRequest(WEBHOOK_SECRET, { id: 'm-1', room: 'far-room', user: 'u-1', text: 'hello' }, { path: '/webhooks/wh' })
    expect((await h.messaging.routeWebhookRequest('wh', { headers: { ...req.headers }, rawBody: req.rawBody })).response.status).toBe(200)
    h.texts.push(errorText(await h.messaging.routeOutbound(room.id, 'to both').catch((e: unknown) => e)))
    await until(async () => (await h.messaging.listDeadLetters()).deadLetters.length === 2, 'two dead letters')
    await until(() => h.signals.some((s) => s.type === 'jido.messaging.message.failed'), 'message.failed')
    expect(leaks(await everything(h))).toEqual([])
  })
})
