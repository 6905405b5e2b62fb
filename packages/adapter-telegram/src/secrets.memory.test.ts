// Regression: the bot token is in every Bot API URL, and network errors and some error answers echo
// the URL; it reached dead-letter reasons, message.failed signals, bridge status and thrown errors.
import { createMessaging, type Messaging, type Signal } from '@jido-messaging/core'
import { createMemoryStore } from '@jido-messaging/store-memory'
import { startTelegramFake, tgChats, tgUsers, type TelegramFake } from '@jido-messaging/testing'
import { createServer } from 'node:net'
import { inspect } from 'node:util'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createTelegramAdapter } from './index.js'

// Recognisable values, so a leak in any form is found.
const TOKEN = '7000000001:AAsecretTokenValueNoOneMaySee'
const WEBHOOK_SECRET = 'tg-webhook-secret-value'
const leaks = (text: string) => [TOKEN, encodeURIComponent(TOKEN), TOKEN.split(':')[1]!, WEBHOOK_SECRET].filter((s) => text.includes(s))

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  vi.restoreAllMocks()
})

interface Harness {
  fake: TelegramFake
  messaging: Messaging
  signals: Signal[]
  /** Everything printed to the console while the test ran. */
  printed: string[]
  errors: unknown[]
}

async function setup(): Promise<Harness> {
  const printed: string[] = []
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void printed.push(args.map((a) => (typeof a === 'string' ? a : inspect(a, { depth: 6 }))).join(' ')))
  }
  const fake = await startTelegramFake({ token: TOKEN })
  for (const chat of Object.values(tgChats)) fake.addChat(chat)
  const messaging = createMessaging({
    store: createMemoryStore(),
    adapters: [createTelegramAdapter({ requestTimeoutMs: 30_000, pollTimeoutSeconds: 1 })],
    instanceId: 'telegram-secrets',
    delivery: { pollMs: 20 },
    bridgeWorkers: { restartBaseMs: 50, restartMaxMs: 200 },
  })
  await messaging.start()
  cleanups.push(async () => {
    await messaging.stop()
    await fake.close()
  })
  const signals: Signal[] = []
  messaging.subscribe('jido.messaging.**', (s) => void signals.push(s))
  await messaging.putBridgeConfig({ id: 'tg', adapter: 'telegram', credentials: { botToken: TOKEN, webhookSecret: WEBHOOK_SECRET }, options: { apiRoot: fake.apiRoot } })
  return { fake, messaging, signals, printed, errors: [] }
}

async function until(predicate: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as { port: number }
  await new Promise((r) => server.close(r))
  return port
}

/** Every place a secret could surface: signals, console, bridge statuses, dead letters, deliveries, thrown errors. */
async function everything(h: Harness): Promise<string> {
  const { deadLetters } = await h.messaging.listDeadLetters({ limit: 100 })
  const errors = h.errors.map((e) => {
    let text = ''
    for (let c: unknown = e; c instanceof Error; c = c.cause) text += `${c.message}\n${c.stack}\n${inspect(c, { depth: 6 })}\n`
    return text
  })
  return [
    JSON.stringify(h.signals),
    ...h.printed,
    JSON.stringify(await h.messaging.listBridgeStatuses()),
    JSON.stringify(deadLetters),
    ...errors,
  ].join('\n')
}

describe('adapter-telegram: the bot token never leaves', () => {
  it('a send refused with an answer echoing the URL: dead letter, delivery, message.failed and logs carry [redacted]', async () => {
    const h = await setup()
    const room = await h.messaging.ensureBridgeRoom({ roomName: 'team', bindings: [{ channel: 'telegram', bridgeId: 'tg', externalRoomId: String(tgChats.team.id) }] })
    h.fake.failNext(1, { status: 400, method: 'sendMessage', echoUrl: true })
    await h.messaging.routeOutbound(room.id, 'this send is refused').catch((e: unknown) => h.errors.push(e))
    await until(async () => (await h.messaging.listDeadLetters()).deadLetters.length === 1, 'the dead letter')
    await until(() => h.signals.some((s) => s.type === 'jido.messaging.message.failed'), 'message.failed')
    const [deadLetter] = (await h.messaging.listDeadLetters()).deadLetters
    expect(deadLetter!.reason).toContain(`${h.fake.apiRoot}/bot[redacted]/sendMessage`)
    expect(leaks(await everything(h))).toEqual([])
  })

  it('a send that cannot reach the API (the network error quotes the URL): dead letter and logs carry no token', async () => {
    const h = await setup()
    await h.messaging.putBridgeConfig({
      id: 'tg-down', adapter: 'telegram', credentials: { botToken: TOKEN }, options: { apiRoot: `http://127.0.0.1:${await closedPort()}` },
      deliveryPolicy: { maxAttempts: 1 },
    })
    const room = await h.messaging.ensureBridgeRoom({ roomName: 'down', bindings: [{ channel: 'telegram', bridgeId: 'tg-down', externalRoomId: String(tgChats.team.id) }] })
    await h.messaging.routeOutbound(room.id, 'nobody listens').catch((e: unknown) => h.errors.push(e))
    await until(async () => (await h.messaging.listDeadLetters()).deadLetters.length === 1, 'the dead letter')
    const [deadLetter] = (await h.messaging.listDeadLetters()).deadLetters
    expect(deadLetter!.reason).toMatch(/sendMessage failed/)
    expect(leaks(await everything(h))).toEqual([])
  })

  it('a polling listener failing at start: bridge status and its signals carry no token', async () => {
    const h = await setup()
    h.fake.failNext(1, { status: 401, method: 'getMe', echoUrl: true })
    await h.messaging.putBridgeConfig({ id: 'tg-poll', adapter: 'telegram', credentials: { botToken: TOKEN }, options: { apiRoot: h.fake.apiRoot, ingress: { mode: 'polling' } } })
    await until(async () => ((await h.messaging.bridgeStatus('tg-poll'))?.restarts ?? 0) >= 1, 'a restart after the failure')
    await until(async () => (await h.messaging.bridgeStatus('tg-poll'))?.state === 'running', 'the listener running again')
    const status = (await h.messaging.bridgeStatus('tg-poll'))!
    expect(status.lastError).toContain('/bot[redacted]/getMe')
    expect(h.signals.some((s) => s.type === 'jido.messaging.bridge.status_changed' && JSON.stringify(s.data).includes('[redacted]'))).toBe(true)
    expect(leaks(await everything(h))).toEqual([])
  })

  it('setWebhook refused: the thrown error carries no token', async () => {
    const h = await setup()
    h.fake.failNext(1, { status: 400, method: 'setWebhook', echoUrl: true })
    const error = await h.messaging.ensureIngressSubscription('tg', { url: 'https://gw.example.com/webhooks/tg' }).catch((e: unknown) => e)
    h.errors.push(error)
    expect(error).toMatchObject({ name: 'AdapterError', message: expect.stringContaining('/bot[redacted]/setWebhook') })
    expect(leaks(await everything(h))).toEqual([])
  })

  it('a webhook with a wrong secret token is refused without echoing any secret', async () => {
    const h = await setup()
    const update = h.fake.userMessage({ chat: tgChats.team, from: tgUsers.ada, text: 'hi' })
    const wrong = await h.messaging.routeWebhookRequest('tg', { method: 'POST', headers: { 'x-telegram-bot-api-secret-token': `${WEBHOOK_SECRET}-x` }, rawBody: JSON.stringify(update) })
    expect(wrong.response.status).toBe(401)
    h.printed.push(JSON.stringify(wrong))
    expect(leaks(await everything(h))).toEqual([])
  })
})
