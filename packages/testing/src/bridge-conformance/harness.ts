import { createMessaging, type Messaging, type MessagingOptions, type MessagingStore, type PlatformAdapter, type Signal } from '@jido-messaging/core'
import { afterEach } from 'vitest'
import { startWebhookReceiver, type WebhookReceiver } from '../fakes/webhook-receiver.js'
import { signedWebhookRequest } from '../fakes/webhook-signing.js'

export interface BridgeConformanceOptions {
  name: string
  create: () => MessagingStore | Promise<MessagingStore>
  destroy?: (store: MessagingStore) => Promise<void> | void
  /** The generic webhook adapter factory (`createWebhookAdapter` from @jido-messaging/adapter-webhook). */
  createWebhookAdapter: (config?: { textLimit?: number; timeoutMs?: number; edit?: boolean; typing?: boolean }) => PlatformAdapter
}

export const INBOUND_SECRET = 'inbound-secret'

export interface BridgeHarness {
  messaging: Messaging
  store: MessagingStore
  signals: Signal[]
  receivers: WebhookReceiver[]
  /** A started receiver plus a webhook bridge config pointing at it. */
  addBridge(id: string, options?: { enabled?: boolean; deliveryPolicy?: Record<string, unknown>; rateLimit?: unknown }): Promise<WebhookReceiver>
  /** POSTs a signed inbound event to a bridge through routeWebhookRequest. */
  inbound(bridgeId: string, payload: unknown, sign?: { secret?: string; timestampSeconds?: number; rawBody?: string }): ReturnType<Messaging['routeWebhookRequest']>
  waitFor(predicate: () => boolean | Promise<boolean>, what: string, ms?: number): Promise<void>
  typesSeen(): string[]
}

/** Creates a started Messaging with the webhook adapter over a fresh store; everything stops after each test. */
export function useBridge(options: BridgeConformanceOptions) {
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  return async function setup(extra: Partial<MessagingOptions> = {}, adapterConfig: { textLimit?: number; edit?: boolean; typing?: boolean } = {}): Promise<BridgeHarness> {
    const store = await options.create()
    const messaging = createMessaging({
      store,
      instanceId: 'bridge-conformance',
      adapters: [options.createWebhookAdapter({ timeoutMs: 30_000, ...adapterConfig })],
      delivery: { pollMs: 20 },
      ...extra,
    })
    await messaging.start()
    const signals: Signal[] = []
    messaging.subscribe('jido.messaging.**', (s) => void signals.push(s))
    const receivers: WebhookReceiver[] = []
    cleanups.push(async () => {
      await messaging.stop()
      await options.destroy?.(store)
      await Promise.all(receivers.map((r) => r.close()))
    })
    const h: BridgeHarness = {
      messaging,
      store,
      signals,
      receivers,
      async addBridge(id, o = {}) {
        const receiver = await startWebhookReceiver({ secret: INBOUND_SECRET })
        receivers.push(receiver)
        await messaging.putBridgeConfig({
          id,
          adapter: 'webhook',
          credentials: { secret: INBOUND_SECRET },
          options: { outboundUrl: receiver.url, ...(o.rateLimit ? { rateLimit: o.rateLimit } : {}) },
          enabled: o.enabled ?? true,
          ...(o.deliveryPolicy ? { deliveryPolicy: o.deliveryPolicy as never } : {}),
        })
        return receiver
      },
      inbound(bridgeId, payload, sign = {}) {
        const req = signedWebhookRequest(sign.secret ?? INBOUND_SECRET, payload, {
          path: `/webhooks/${bridgeId}`,
          ...(sign.timestampSeconds === undefined ? {} : { timestampSeconds: sign.timestampSeconds }),
          ...(sign.rawBody === undefined ? {} : { rawBody: sign.rawBody }),
        })
        return messaging.routeWebhookRequest(bridgeId, { method: req.method, path: req.path, headers: { ...req.headers }, rawBody: req.rawBody })
      },
      async waitFor(predicate, what, ms = 30_000) {
        const deadline = Date.now() + ms
        while (!(await predicate())) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
          await new Promise((r) => setTimeout(r, 10))
        }
      },
      typesSeen: () => signals.map((s) => s.type.replace('jido.messaging.', '')),
    }
    return h
  }
}

let n = 0
/** A unique inbound event body for adapter-webhook. */
export function event(overrides: Record<string, unknown> = {}) {
  n++
  return { id: `ext-${Date.now()}-${n}`, room: 'chat-1', user: 'user-1', text: `hello ${n}`, username: 'ada', displayName: 'Ada', ...overrides }
}
