// The Discord adapter end to end: createMessaging over store-memory, a bridge config pointing at the
// fake Discord, the bridge worker running the gateway listener, outbound through the durable outbox.
import { createMessaging, type Messaging, type Signal } from '@jido-messaging/core'
import { createMemoryStore } from '@jido-messaging/store-memory'
import { createInteractionSigner, startDiscordFake, type DiscordFake, type DiscordInteractionSigner } from '@jido-messaging/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { createDiscordAdapter } from './index.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

interface Harness {
  fake: DiscordFake
  messaging: Messaging
  signals: Signal[]
  signer: DiscordInteractionSigner
  roomOf(channelId: string): Promise<string>
  texts(roomId: string): Promise<string[]>
}

async function setup(mode: 'gateway' | 'interactions' = 'gateway', options: Record<string, unknown> = {}): Promise<Harness> {
  const fake = await startDiscordFake()
  cleanups.push(() => fake.close())
  const signer = createInteractionSigner({ applicationId: fake.world.bot.id })
  const messaging = createMessaging({
    store: createMemoryStore(),
    instanceId: 'discord-e2e',
    adapters: [createDiscordAdapter({ readyTimeoutMs: 30_000, restTimeoutMs: 30_000 })],
    delivery: { pollMs: 20 },
    bridgeWorkers: { reconcileMs: 200, restartBaseMs: 50 },
  })
  await messaging.start()
  cleanups.push(() => messaging.stop())
  const signals: Signal[] = []
  messaging.subscribe('jido.messaging.**', (s) => void signals.push(s))
  await messaging.putBridgeConfig({
    id: 'dc',
    adapter: 'discord',
    credentials: { botToken: fake.token, publicKey: signer.publicKey, applicationId: signer.applicationId },
    options: { apiUrl: fake.apiUrl, ...(mode === 'interactions' ? { ingress: { mode } } : {}), ...options },
    deliveryPolicy: { maxAttempts: 5, baseBackoffMs: 20, maxBackoffMs: 200, deadLetter: true },
  })
  if (mode === 'gateway') await waitFor(async () => (await messaging.bridgeStatus('dc'))?.state === 'running', 'the gateway bridge to run')
  const roomOf = async (channelId: string) => {
    let id: string | undefined
    await waitFor(async () => (id = (await messaging.getRoomByExternalBinding('discord', 'dc', channelId))?.id) !== undefined, `a room for ${channelId}`)
    return id!
  }
  const texts = async (roomId: string) =>
    (await messaging.listMessages(roomId, { limit: 100 })).messages.map((m) => m.content.map((b) => (b.type === 'text' ? b.text : `[${b.type}]`)).join(''))
  return { fake, messaging, signals, signer, roomOf, texts }
}

describe('discord gateway bridge', () => {
  it('stores a MESSAGE_CREATE once and emits its signals', async () => {
    const h = await setup()
    const posted = h.fake.postMessage({ channelId: h.fake.world.ids.general, content: 'hello from discord' })
    const roomId = await h.roomOf(h.fake.world.ids.general)
    await waitFor(async () => (await h.texts(roomId)).length === 1, 'the message')
    const stored = (await h.messaging.getMessageByExternalId('discord', 'dc', posted.id))!
    expect(stored).toMatchObject({ roomId, role: 'user', externalId: posted.id, content: [{ type: 'text', text: 'hello from discord' }] })
    expect(stored.metadata).toMatchObject({ channel: 'discord', bridgeId: 'dc', chatType: 'group' })
    const sender = (await h.messaging.getParticipant(stored.senderId))!
    expect(sender).toMatchObject({ type: 'human', externalIds: { discord: h.fake.world.ada.id }, identity: { username: 'ada', displayName: 'Ada Lovelace' } })
    expect((await h.messaging.getRoom(roomId))!.name).toBe('general')
    await waitFor(() => h.signals.some((s) => s.type === 'jido.messaging.message.received'), 'message.received')
    const forRoom = h.signals.filter((s) => s.subject === roomId).map((s) => s.type.replace('jido.messaging.', ''))
    expect(forRoom).toEqual(['room.created', 'room.participant_joined', 'room.message_added', 'message.received'])
    expect((await h.messaging.bridgeStatus('dc'))!.lastIngressAt).not.toBeNull()
  })

  it('maps a message in a thread channel to a canonical thread of the parent room', async () => {
    const h = await setup()
    const posted = h.fake.postMessage({ channelId: h.fake.world.ids.thread, content: 'thread reply' })
    const roomId = await h.roomOf(h.fake.world.ids.general)
    await waitFor(async () => (await h.messaging.getMessageByExternalId('discord', 'dc', posted.id)) !== null, 'the thread message')
    const thread = (await h.messaging.getThreadByExternalId(roomId, h.fake.world.ids.thread))!
    expect(thread).toMatchObject({ roomId, externalThreadId: h.fake.world.ids.thread, deliveryExternalRoomId: h.fake.world.ids.general })
    const stored = (await h.messaging.getMessageByExternalId('discord', 'dc', posted.id))!
    expect(stored).toMatchObject({ threadId: thread.id, externalThreadId: h.fake.world.ids.thread })
    expect(await h.messaging.getRoomByExternalBinding('discord', 'dc', h.fake.world.ids.thread)).toBeNull()
  })

  it('loses no message across a dropped connection: the client resumes and every event is stored exactly once', async () => {
    const h = await setup()
    const { ids } = h.fake.world
    const first = h.fake.postMessage({ channelId: ids.general, content: 'before the drop' })
    const roomId = await h.roomOf(ids.general)
    await waitFor(async () => (await h.texts(roomId)).length === 1, 'the first message')
    h.fake.gateway.drop({ hold: true })
    const missed = ['missed 1', 'missed 2', 'missed 3'].map((content) => h.fake.postMessage({ channelId: ids.general, content }))
    h.fake.editMessage(first.id, 'before the drop (edited)')
    h.fake.gateway.release()
    await h.fake.gateway.waitForResumes(1)
    // Discord may deliver an event twice around a resume; the platform id keeps it one message.
    h.fake.gateway.dispatch('MESSAGE_CREATE', missed[0])
    h.fake.postMessage({ channelId: ids.general, content: 'after the resume' })
    await waitFor(async () => (await h.texts(roomId)).length === 5, 'five messages')
    await waitFor(async () => (await h.texts(roomId))[0] === 'before the drop (edited)', 'the edit made while disconnected')
    expect(await h.texts(roomId)).toEqual(['before the drop (edited)', 'missed 1', 'missed 2', 'missed 3', 'after the resume'])
    expect(h.fake.gateway.identifies).toBe(1)
    expect(h.fake.gateway.resumes).toBe(1)
    await waitFor(() => h.signals.filter((s) => s.type === 'jido.messaging.message.received').length >= 5, 'five message.received')
    await new Promise((r) => setTimeout(r, 100))
    expect(h.signals.filter((s) => s.type === 'jido.messaging.message.received')).toHaveLength(5)
    expect((await h.messaging.bridgeStatus('dc'))!.state).toBe('running')
  })

  it('applies edits, reactions and deletes to the canonical message', async () => {
    const h = await setup()
    const posted = h.fake.postMessage({ channelId: h.fake.world.ids.general, content: 'first draft' })
    const external = () => h.messaging.getMessageByExternalId('discord', 'dc', posted.id)
    await waitFor(async () => (await external()) !== null, 'the message')
    h.fake.editMessage(posted.id, 'second draft')
    await waitFor(async () => (await external())?.content[0]?.type === 'text' && ((await external())!.content[0] as { text: string }).text === 'second draft', 'the edit')
    h.fake.react(posted.id, '🎉', { userId: h.fake.world.grace.id })
    await waitFor(async () => ((await external())!.reactions['🎉'] ?? []).length === 1, 'the reaction')
    const reactor = (await h.messaging.getParticipant((await external())!.reactions['🎉']![0]!))!
    expect(reactor.externalIds).toEqual({ discord: h.fake.world.grace.id })
    h.fake.react(posted.id, '🎉', { userId: h.fake.world.grace.id, remove: true })
    await waitFor(async () => ((await external())!.reactions['🎉'] ?? []).length === 0, 'the reaction removed')
    const id = (await external())!.id
    h.fake.deleteMessage(posted.id)
    await waitFor(async () => (await h.messaging.getMessage(id)) === null, 'the delete')
    expect(h.signals.map((s) => s.type)).toEqual(expect.arrayContaining([
      'jido.messaging.message.edited', 'jido.messaging.message.reaction_added', 'jido.messaging.message.reaction_removed', 'jido.messaging.message.deleted',
    ]))
  })

  it('ignores the bot\'s own messages', async () => {
    const h = await setup()
    const { ids, bot } = h.fake.world
    h.fake.postMessage({ channelId: ids.general, author: bot, content: 'my own words' })
    h.fake.postMessage({ channelId: ids.general, content: 'a person' })
    const roomId = await h.roomOf(ids.general)
    await waitFor(async () => (await h.texts(roomId)).includes('a person'), 'the person\'s message')
    expect(await h.texts(roomId)).toEqual(['a person'])
  })

  it('ingests another bot\'s message as an agent', async () => {
    const h = await setup()
    const posted = h.fake.postMessage({ channelId: h.fake.world.ids.general, author: h.fake.world.otherBot, content: 'beep' })
    await waitFor(async () => (await h.messaging.getMessageByExternalId('discord', 'dc', posted.id)) !== null, 'the bot message')
    const stored = (await h.messaging.getMessageByExternalId('discord', 'dc', posted.id))!
    expect(stored.role).toBe('assistant')
    expect((await h.messaging.getParticipant(stored.senderId))!.type).toBe('agent')
  })

  it('routes a reply in a thread into the thread channel as a Discord reply, and does not ingest its echo', async () => {
    const h = await setup()
    const { ids } = h.fake.world
    const question = h.fake.postMessage({ channelId: ids.thread, content: 'how do I deploy?' })
    await waitFor(async () => (await h.messaging.getMessageByExternalId('discord', 'dc', question.id)) !== null, 'the question')
    const asked = (await h.messaging.getMessageByExternalId('discord', 'dc', question.id))!
    const result = await h.messaging.routeOutbound(asked.roomId, 'use the button', { threadId: asked.threadId!, replyToId: asked.id })
    expect(result.deliveries).toEqual([expect.objectContaining({ bridgeId: 'dc', externalRoomId: ids.general, status: 'sent' })])
    const sends = h.fake.rest.operations.filter((o) => o.op === 'send')
    expect(sends).toEqual([{
      op: 'send', externalRoomId: ids.general, externalThreadId: ids.thread, externalReplyToId: question.id,
      externalMessageId: result.deliveries[0]!.externalIds[0], text: 'use the button', allowedMentions: { parse: [] },
    }])
    expect(h.fake.rest.calls.filter((c) => c.method === 'POST').map((c) => c.path)).toEqual([`/channels/${ids.thread}/messages`])
    // The gateway echoes our own message back; it must not become a second copy.
    await new Promise((r) => setTimeout(r, 150))
    expect(await h.texts(asked.roomId)).toEqual(['how do I deploy?', 'use the button'])
  })

  it('retries a 429 after the retry_after Discord asked for', async () => {
    const h = await setup()
    const room = await h.messaging.ensureBridgeRoom({ roomName: 'ops', bindings: [{ channel: 'discord', bridgeId: 'dc', externalRoomId: h.fake.world.ids.random }] })
    h.fake.failNext(1, { status: 429, retryAfterSeconds: 0.4 })
    const result = await h.messaging.routeOutbound(room.id, 'rate limited at first')
    expect(result.deliveries[0]!.status).toBe('retrying')
    await waitFor(() => h.fake.rest.operations.some((o) => o.op === 'send'), 'the retried send')
    const posts = h.fake.rest.calls.filter((c) => c.method === 'POST' && c.path === `/channels/${h.fake.world.ids.random}/messages`)
    expect(posts.map((c) => c.status)).toEqual([429, 200])
    expect(posts[1]!.at - posts[0]!.at).toBeGreaterThanOrEqual(380)
    await waitFor(async () => (await h.messaging.getMessage(result.message.id))!.status === 'sent', 'status sent')
    expect(h.fake.rest.operations.filter((o) => o.op === 'send')).toHaveLength(1)
  })

  it('splits text over 2000 characters into several Discord messages, neutralizing @everyone', async () => {
    const h = await setup()
    const room = await h.messaging.ensureBridgeRoom({ roomName: 'long', bindings: [{ channel: 'discord', bridgeId: 'dc', externalRoomId: h.fake.world.ids.general }] })
    const paragraphs = Array.from({ length: 5 }, (_, i) => `Paragraph ${i}: ${'lorem ipsum dolor sit amet '.repeat(34).trim()}`)
    const text = `@everyone look\n\n${paragraphs.join('\n\n')}`
    const result = await h.messaging.routeOutbound(room.id, text)
    await waitFor(async () => (await h.messaging.getMessage(result.message.id))!.status === 'sent', 'all chunks sent')
    const sends = h.fake.rest.operations.filter((o) => o.op === 'send') as Array<{ text: string }>
    expect(sends.length).toBeGreaterThanOrEqual(3)
    for (const s of sends) expect(s.text.length).toBeLessThanOrEqual(2000)
    const joined = sends.map((s) => s.text).join('')
    expect(joined).not.toContain('@everyone')
    expect(joined.replace(/\s+/g, ' ')).toContain(paragraphs[4]!)
  })
})

describe('discord interactions bridge', () => {
  it('answers PING through routeWebhookRequest', async () => {
    const h = await setup('interactions')
    const req = h.signer.request(h.signer.ping(), { path: '/webhooks/dc' })
    const { response, outcomes } = await h.messaging.routeWebhookRequest('dc', { method: 'POST', path: req.path, headers: req.headers, rawBody: req.rawBody })
    expect(response).toMatchObject({ status: 200, body: { type: 1 } })
    expect(outcomes).toEqual([])
    expect((await h.messaging.bridgeStatus('dc'))!.state).toBe('stopped')
    expect(h.fake.gateway.identifies).toBe(0)
  })

  it('rejects a bad Ed25519 signature with 401 and stores nothing', async () => {
    const h = await setup('interactions')
    const other = createInteractionSigner()
    const command = h.signer.command({ name: 'deploy', channelId: h.fake.world.ids.general, guildId: h.fake.world.guildId, user: h.fake.world.ada })
    const req = other.request(command)
    const { response } = await h.messaging.routeWebhookRequest('dc', { method: 'POST', path: req.path, headers: req.headers, rawBody: req.rawBody })
    expect(response.status).toBe(401)
    expect(response.body).toMatchObject({ error: { code: 'INVALID_SIGNATURE' } })
    const stale = h.signer.request(command, { timestampSeconds: Math.floor(Date.now() / 1000) - 301 })
    expect((await h.messaging.routeWebhookRequest('dc', { method: 'POST', headers: stale.headers, rawBody: stale.rawBody })).response.status).toBe(401)
    expect(await h.messaging.getRoomByExternalBinding('discord', 'dc', h.fake.world.ids.general)).toBeNull()
  })

  it('stores a slash command as a command message and acknowledges it at once', async () => {
    const h = await setup('interactions')
    const command = h.signer.command({
      name: 'deploy', channelId: h.fake.world.ids.general, guildId: h.fake.world.guildId, user: h.fake.world.ada,
      options: [{ name: 'env', type: 3, value: 'prod' }],
    })
    const req = h.signer.request(command)
    const { response, outcome } = await h.messaging.routeWebhookRequest('dc', { method: 'POST', headers: req.headers, rawBody: req.rawBody })
    expect(response).toMatchObject({ status: 200, body: { type: 4, data: { content: 'Received.', flags: 64 } } })
    expect(outcome!.status).toBe('message')
    expect(outcome!.message).toMatchObject({ externalId: command['id'], content: [{ type: 'text', text: '/deploy env:prod' }] })
    expect(outcome!.message!.metadata['command']).toEqual({ prefix: '/', name: 'deploy', args: 'env:prod' })
    const again = await h.messaging.routeWebhookRequest('dc', { method: 'POST', headers: req.headers, rawBody: req.rawBody })
    expect(again.outcome!.status).toBe('duplicate')
  })
})
