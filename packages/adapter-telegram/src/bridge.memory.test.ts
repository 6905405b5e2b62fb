// The adapter end to end through createMessaging over store-memory, against the Bot API fake: real
// webhook requests in, deliveries out, a long-polling bridge run by the bridge worker.
import { createMessaging, type Messaging, type Signal } from '@jido-messaging/core'
import { createMemoryStore } from '@jido-messaging/store-memory'
import { TELEGRAM_OPS_TOPIC_ID, startTelegramFake, TELEGRAM_BOT_TOKEN, tgChats, tgUpdates, tgUsers, type TelegramFake, type TgUpdate } from '@jido-messaging/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { createTelegramAdapter } from './index.js'

const SECRET = 'e2e_secret-token'
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

interface Harness {
  fake: TelegramFake
  messaging: Messaging
  signals: Signal[]
  post(update: TgUpdate, options?: { bridgeId?: string; secret?: string | null }): ReturnType<Messaging['routeWebhookRequest']>
}

async function setup(bridge: { credentials?: Record<string, string>; options?: Record<string, unknown> } | null = {}): Promise<Harness> {
  const fake = await startTelegramFake({ token: TELEGRAM_BOT_TOKEN })
  for (const chat of Object.values(tgChats)) fake.addChat(chat)
  fake.createTopic(tgChats.ops.id, 'Incidents', TELEGRAM_OPS_TOPIC_ID)
  const messaging = createMessaging({
    store: createMemoryStore(),
    adapters: [createTelegramAdapter({ requestTimeoutMs: 30_000, pollTimeoutSeconds: 5 })],
    instanceId: 'telegram-e2e',
    delivery: { pollMs: 20 },
  })
  await messaging.start()
  cleanups.push(async () => {
    await messaging.stop()
    await fake.close()
  })
  const signals: Signal[] = []
  messaging.subscribe('jido.messaging.**', (s) => void signals.push(s))
  if (bridge) {
    await messaging.putBridgeConfig({
      id: 'tg',
      adapter: 'telegram',
      credentials: bridge.credentials ?? { botToken: TELEGRAM_BOT_TOKEN, webhookSecret: SECRET },
      options: { apiRoot: fake.apiRoot, ...bridge.options },
    })
  }
  return {
    fake,
    messaging,
    signals,
    post(update, { bridgeId = 'tg', secret = SECRET } = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      // Header names as Telegram sends them; core lower-cases them.
      if (secret !== null) headers['X-Telegram-Bot-Api-Secret-Token'] = secret
      return messaging.routeWebhookRequest(bridgeId, { method: 'POST', path: `/webhooks/${bridgeId}`, headers, rawBody: JSON.stringify(update) })
    },
  }
}

async function until(predicate: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

const ops = String(tgChats.ops.id)

describe('adapter-telegram through createMessaging', () => {
  it('ingests a forum topic message from a webhook once, signals it, and delivers the reply into the same chat and topic', async () => {
    const h = await setup()
    const update = h.fake.userMessage({ chat: tgChats.ops, from: tgUsers.ada, text: 'db-2 is down', threadId: TELEGRAM_OPS_TOPIC_ID })
    const messageId = update.message!.message_id
    const first = await h.post(update)
    expect(first.response.status).toBe(200)
    expect(first.outcome).toMatchObject({ status: 'message', thread: { externalThreadId: String(TELEGRAM_OPS_TOPIC_ID) } })
    const message = first.outcome!.message!
    expect(message).toMatchObject({
      externalId: `${ops}:${messageId}`, externalThreadId: String(TELEGRAM_OPS_TOPIC_ID), role: 'user', content: [{ type: 'text', text: 'db-2 is down' }],
      metadata: { channel: 'telegram', bridgeId: 'tg', chatType: 'group' },
    })
    expect(message.externalReplyToId).toBeUndefined()
    const room = (await h.messaging.getRoomByExternalBinding('telegram', 'tg', ops))!
    expect(room).toMatchObject({ type: 'group', name: 'Ops' })
    expect(await h.messaging.getParticipant(message.senderId)).toMatchObject({ type: 'human', externalIds: { telegram: '501' }, identity: { username: 'ada', displayName: 'Ada Lovelace' } })

    // Telegram retries a webhook it did not see answered: a duplicate, nothing new stored
    const retry = await h.post(update)
    expect(retry.response.status).toBe(200)
    expect(retry.outcome!.status).toBe('duplicate')
    expect((await h.messaging.listMessages(room.id)).messages).toHaveLength(1)

    await until(() => h.signals.some((s) => s.type === 'jido.messaging.message.received'), 'message.received')
    const types = h.signals.map((s) => s.type.replace('jido.messaging.', ''))
    expect(types.filter((t) => ['room.participant_joined', 'room.message_added', 'message.received'].includes(t)))
      .toEqual(['room.participant_joined', 'room.message_added', 'message.received'])
    expect(types).toContain('thread.created')
    expect(types.filter((t) => t === 'message.received')).toHaveLength(1)

    const result = await h.messaging.routeOutbound(room.id, 'on it', { threadId: first.outcome!.thread!.id, replyToId: message.id })
    expect(result.deliveries).toMatchObject([{ bridgeId: 'tg', externalRoomId: ops, status: 'sent' }])
    const sent = h.fake.messages(tgChats.ops.id).at(-1)!
    expect(sent).toMatchObject({ text: 'on it', from: { id: tgUsers.bot.id }, message_thread_id: TELEGRAM_OPS_TOPIC_ID, is_topic_message: true, reply_to_message: { message_id: messageId } })
    expect(result.deliveries[0]!.externalIds).toEqual([`${ops}:${sent.message_id}`])
  })

  it('stores two messages of two chats that Telegram gave the same message_id', async () => {
    const h = await setup()
    const a = h.fake.userMessage({ chat: tgChats.team, from: tgUsers.ada, text: 'in team', messageId: 500 })
    const b = h.fake.userMessage({ chat: tgChats.lounge, from: tgUsers.ada, text: 'in lounge', messageId: 500 })
    expect((await h.post(a)).outcome!.status).toBe('message')
    expect((await h.post(b)).outcome!.status).toBe('message')
    const inTeam = await h.messaging.getMessageByExternalId('telegram', 'tg', '-4001:500')
    const inLounge = await h.messaging.getMessageByExternalId('telegram', 'tg', '-1009876543210:500')
    expect(inTeam!.content).toEqual([{ type: 'text', text: 'in team' }])
    expect(inLounge!.content).toEqual([{ type: 'text', text: 'in lounge' }])
    expect(inTeam!.roomId).not.toBe(inLounge!.roomId)
  })

  it('applies platform edits and reactions to the canonical message, and ignores the bot itself', async () => {
    const h = await setup()
    const update = h.fake.userMessage({ chat: tgChats.team, from: tgUsers.ada, text: 'draft' })
    const id = update.message!.message_id
    const { message } = (await h.post(update)).outcome!
    expect((await h.post(h.fake.editMessage(tgChats.team.id, id, 'final'))).response.status).toBe(200)
    await h.post(h.fake.react({ chat: tgChats.team, messageId: id, user: tgUsers.grace, reactions: ['👍'] }))
    const stored = (await h.messaging.getMessage(message!.id))!
    expect(stored.content).toEqual([{ type: 'text', text: 'final' }])
    const grace = await h.messaging.getOrCreateParticipantByExternalId('telegram', '502')
    expect(stored.reactions).toEqual({ '👍': [grace.id] })

    const own = await h.post(h.fake.userMessage({ chat: tgChats.team, from: tgUsers.bot, text: 'my own' }))
    expect(own.outcome!.status).toBe('noop')
    const bot = await h.post(h.fake.userMessage({ chat: tgChats.team, from: tgUsers.helperBot, text: 'beep' }))
    expect(bot.outcome!.participant).toMatchObject({ type: 'agent', externalIds: { telegram: String(tgUsers.helperBot.id) } })
  })

  it('rejects a wrong or missing secret token with 401 and stores nothing', async () => {
    const h = await setup()
    const update = h.fake.userMessage({ chat: tgChats.team, from: tgUsers.ada, text: 'forged' })
    for (const secret of ['wrong', null]) {
      const r = await h.post(update, { secret })
      expect(r.response).toMatchObject({ status: 401, body: { error: { code: 'INVALID_SIGNATURE' } } })
    }
    expect((await h.messaging.listRooms()).rooms).toEqual([])
  })

  it('rejects unsigned webhooks of a bridge without webhookSecret unless allowUnsignedWebhooks', async () => {
    const h = await setup({ credentials: { botToken: TELEGRAM_BOT_TOKEN } })
    const update = h.fake.userMessage({ chat: tgChats.team, from: tgUsers.ada, text: 'unsigned' })
    expect((await h.post(update, { secret: null })).response.status).toBe(401)
    await h.messaging.putBridgeConfig({ id: 'tg-open', adapter: 'telegram', credentials: { botToken: TELEGRAM_BOT_TOKEN }, options: { apiRoot: h.fake.apiRoot, allowUnsignedWebhooks: true } })
    expect((await h.post(update, { bridgeId: 'tg-open', secret: null })).outcome!.status).toBe('message')
  })

  it('registers the webhook with its secret through ensureIngressSubscription, then takes what Telegram sends there', async () => {
    const h = await setup()
    const url = 'https://gw.example.com/webhooks/tg'
    const subscription = await h.messaging.ensureIngressSubscription('tg', { url })
    expect(subscription).toMatchObject({ id: 'webhook', bridgeId: 'tg', adapter: 'telegram', status: 'active', url })
    expect(JSON.stringify(subscription)).not.toContain(SECRET)
    expect(h.fake.webhook()).toMatchObject({ url, secretToken: SECRET, allowedUpdates: expect.arrayContaining(['message', 'edited_message', 'message_reaction']) })

    const request = h.fake.webhookRequest(h.fake.userMessage({ chat: tgChats.adaPrivate, from: tgUsers.ada, text: 'via the registered webhook' }), '/webhooks/tg')
    const result = await h.messaging.routeWebhookRequest('tg', { method: request.method, path: request.path, headers: { ...request.headers }, rawBody: request.rawBody })
    expect(result.outcome).toMatchObject({ status: 'message', room: { type: 'direct', name: 'Ada Lovelace' } })

    expect(await h.messaging.listIngressSubscriptions('tg')).toHaveLength(1)
    expect(await h.messaging.deleteIngressSubscription('tg', 'webhook')).toBe(true)
    expect(h.fake.webhook()).toBeNull()
  })

  it('runs a long-polling bridge in the bridge worker and ingests the updates queued on the platform', async () => {
    const h = await setup(null)
    await h.messaging.putBridgeConfig({ id: 'tg-poll', adapter: 'telegram', credentials: { botToken: TELEGRAM_BOT_TOKEN }, options: { apiRoot: h.fake.apiRoot, ingress: { mode: 'polling' } } })
    await until(async () => (await h.messaging.bridgeStatus('tg-poll'))?.state === 'running', 'the listener running')
    const hello = h.fake.userMessage({ chat: tgChats.team, from: tgUsers.ada, text: 'hello by polling' })
    h.fake.enqueue(hello, h.fake.userMessage({ chat: tgChats.ops, from: tgUsers.grace, text: 'topic by polling', threadId: TELEGRAM_OPS_TOPIC_ID }))
    h.fake.enqueue(h.fake.react({ chat: tgChats.team, messageId: hello.message!.message_id, user: tgUsers.grace, reactions: ['🔥'] }))
    const key = `-4001:${hello.message!.message_id}`
    await until(async () => Object.keys((await h.messaging.getMessageByExternalId('telegram', 'tg-poll', key))?.reactions ?? {}).length === 1, 'the polled message and reaction')
    const topicRoom = (await h.messaging.getRoomByExternalBinding('telegram', 'tg-poll', ops))!
    const [topicMessage] = (await h.messaging.listMessages(topicRoom.id)).messages
    expect(topicMessage).toMatchObject({ externalThreadId: String(TELEGRAM_OPS_TOPIC_ID), content: [{ type: 'text', text: 'topic by polling' }] })
    await until(() => h.fake.pendingUpdates().length === 0, 'the updates acknowledged on the next poll')
    expect((await h.messaging.bridgeStatus('tg-poll'))!.lastIngressAt).not.toBeNull()
  })

  it('retries a send Telegram answered 429 after retry_after', async () => {
    const h = await setup()
    const { room } = (await h.post(h.fake.userMessage({ chat: tgChats.team, from: tgUsers.ada, text: 'ping' }))).outcome!
    h.fake.failNext(1, { status: 429, retryAfterSeconds: 1, method: 'sendMessage' })
    const result = await h.messaging.routeOutbound(room!.id, 'pong')
    expect(result.deliveries[0]!.status).toBe('retrying')
    const sent = await h.fake.waitForCall('sendMessage', undefined, 30_000)
    const limited = h.fake.calls.find((c) => c.method === 'sendMessage' && c.status === 429)!
    expect(sent.at - limited.at).toBeGreaterThanOrEqual(950)
    expect(h.fake.messages(tgChats.team.id).at(-1)).toMatchObject({ text: 'pong' })
  })

  it('delivers a message with media through the outbox as a photo with its text as caption', async () => {
    const h = await setup()
    const { room } = (await h.post(h.fake.userMessage({ chat: tgChats.team, from: tgUsers.ada, text: 'show me' }))).outcome!
    const result = await h.messaging.routeOutbound(room!.id, [
      { type: 'text', text: 'here it is' },
      { type: 'image', url: 'tg-file:AgAC-chart', altText: 'chart' },
    ])
    const photo = await h.fake.waitForCall('sendPhoto', undefined, 30_000)
    expect(photo.params).toMatchObject({ chat_id: tgChats.team.id, photo: 'AgAC-chart', caption: 'here it is' })
    expect(h.fake.callsTo('sendMessage')).toEqual([])
    expect(result.deliveries[0]).toMatchObject({ status: 'sent', externalIds: [`${tgChats.team.id}:${(photo.result as { message_id: number }).message_id}`] })
    expect(h.fake.callsTo('sendPhoto')).toHaveLength(1)
  })

  it('mirrors a photo from one bound chat to another as a photo (same file id), never back', async () => {
    const h = await setup()
    await h.messaging.ensureBridgeRoom({
      roomName: 'mirrored',
      bindings: [
        { channel: 'telegram', bridgeId: 'tg', externalRoomId: String(tgChats.team.id) },
        { channel: 'telegram', bridgeId: 'tg', externalRoomId: String(tgChats.lounge.id) },
      ],
      routingPolicy: { deliveryMode: 'broadcast', mirror: true },
    })
    expect((await h.post(tgUpdates.photo)).outcome!.status).toBe('message')
    const photo = await h.fake.waitForCall('sendPhoto', undefined, 30_000)
    expect(photo.params).toMatchObject({ chat_id: tgChats.lounge.id, photo: 'AgAC-large' })
    expect(String(photo.params.caption)).toContain('the whiteboard')
    await new Promise((r) => setTimeout(r, 100))
    expect(h.fake.callsTo('sendPhoto')).toHaveLength(1)
    expect(h.fake.callsTo('sendMessage')).toEqual([])
  })

  it('sends text over 4096 characters as several messages, each within the limit, in order', async () => {
    const h = await setup()
    const { room } = (await h.post(h.fake.userMessage({ chat: tgChats.team, from: tgUsers.ada, text: 'tell me everything' }))).outcome!
    const paragraphs = Array.from({ length: 12 }, (_, i) => `Paragraph ${i}: ${'lorem ipsum dolor sit amet '.repeat(30).trim()}.`)
    const text = paragraphs.join('\n\n')
    expect(text.length).toBeGreaterThan(2 * 4096)
    const result = await h.messaging.routeOutbound(room!.id, text)
    await until(() => h.fake.callsTo('sendMessage').length === result.deliveries[0]!.externalIds.length && result.deliveries[0]!.status === 'sent', 'all chunks', 30_000)
    const sent = h.fake.callsTo('sendMessage').map((c) => String(c.params.text))
    expect(sent.length).toBeGreaterThanOrEqual(3)
    for (const chunk of sent) expect(chunk.length).toBeLessThanOrEqual(4096)
    expect(sent.join('').replace(/\s+/g, '')).toBe(text.replace(/\s+/g, ''))
    expect(h.fake.messages(tgChats.team.id).filter((m) => m.from?.id === tgUsers.bot.id)).toHaveLength(sent.length)
  })
})

describe('agents on a Telegram chat', () => {
  it('streams a reply as one Telegram message edited as text arrives, shows typing meanwhile, and stores it once', async () => {
    const h = await setup()
    const { room } = (await h.post(h.fake.userMessage({ chat: tgChats.team, from: tgUsers.ada, text: 'hello bot' }))).outcome!
    const botMessages = () => h.fake.messages(tgChats.team.id).filter((m) => m.from?.id === tgUsers.bot.id)
    await h.messaging.registerAgent(room!.id, {
      id: 'writer', trigger: 'all', streaming: { editIntervalMs: 0 },
      async * handler() {
        await until(() => h.fake.callsTo('sendChatAction').length > 0, 'typing')
        yield 'Once upon'
        await until(() => botMessages()[0]?.text === 'Once upon', 'the first words')
        yield ' a time'
        await until(() => botMessages()[0]?.text === 'Once upon a time', 'the edit')
        yield ', the end.'
      },
    })
    await h.post(h.fake.userMessage({ chat: tgChats.team, from: tgUsers.ada, text: 'tell me a story' }))
    await until(() => botMessages()[0]?.text === 'Once upon a time, the end.', 'the whole story on Telegram', 30_000)
    await until(() => h.signals.some((s) => s.type === 'jido.messaging.message.sent'), 'the delivery settled', 30_000)
    expect(botMessages()).toHaveLength(1)
    expect(h.fake.callsTo('sendMessage')).toHaveLength(1)
    expect(h.fake.callsTo('editMessageText').length).toBeGreaterThanOrEqual(1)
    expect(h.fake.callsTo('sendChatAction')[0]!.params).toMatchObject({ chat_id: tgChats.team.id, action: 'typing' })
    const replies = (await h.messaging.listMessages(room!.id)).messages.filter((m) => m.role === 'assistant')
    expect(replies.map((m) => m.content)).toEqual([[{ type: 'text', text: 'Once upon a time, the end.' }]])
    const sent = h.signals.find((s) => s.type === 'jido.messaging.message.sent')!
    expect(sent.data).toMatchObject({ messageId: replies[0]!.id, status: 'sent', externalIds: [`${tgChats.team.id}:${botMessages()[0]!.message_id}`] })
  })
})
