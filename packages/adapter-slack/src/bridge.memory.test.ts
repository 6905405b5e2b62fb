// adapter-slack end to end: createMessaging over store-memory, Slack's signed Events API requests in
// through routeWebhookRequest, and outbound deliveries out to the fake Slack Web API.
import { createMessaging, type Messaging, type Signal } from '@jido-messaging/core'
import { createMemoryStore } from '@jido-messaging/store-memory'
import {
  signedSlackRequest,
  slackEventCallback,
  slackMessageChangedEvent,
  slackMessageDeletedEvent,
  slackMessageEvent,
  slackReactionEvent,
  slackUrlVerification,
  slackVisibleLength,
  startFakeSlack,
  type FakeSlack,
  type SlackRequestOptions,
} from '@jido-messaging/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { createSlackAdapter } from './index.js'

const SIGNING_SECRET = 'e2e-signing-secret'
const BRIDGE = 'slack-main'

interface Harness {
  messaging: Messaging
  slack: FakeSlack
  signals: Signal[]
  inbound(payload: unknown, options?: SlackRequestOptions & { secret?: string }): ReturnType<Messaging['routeWebhookRequest']>
  waitFor(predicate: () => boolean | Promise<boolean>, what: string, ms?: number): Promise<void>
}

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function setup(): Promise<Harness> {
  const slack = await startFakeSlack()
  const messaging = createMessaging({ store: createMemoryStore(), adapters: [createSlackAdapter({ timeoutMs: 30_000 })], instanceId: 'slack-e2e', delivery: { pollMs: 20 } })
  await messaging.start()
  cleanups.push(async () => {
    await messaging.stop()
    await slack.close()
  })
  await messaging.putBridgeConfig({
    id: BRIDGE, adapter: 'slack', credentials: { botToken: slack.botToken, signingSecret: SIGNING_SECRET }, options: { apiUrl: slack.url }, enabled: true,
  })
  const signals: Signal[] = []
  messaging.subscribe('jido.messaging.**', (s) => void signals.push(s))
  return {
    messaging,
    slack,
    signals,
    inbound(payload, options = {}) {
      const request = signedSlackRequest(options.secret ?? SIGNING_SECRET, payload, { path: `/webhooks/${BRIDGE}`, ...options })
      return messaging.routeWebhookRequest(BRIDGE, { method: request.method, path: request.path, headers: { ...request.headers }, rawBody: request.rawBody })
    },
    async waitFor(predicate, what, ms = 30_000) {
      const deadline = Date.now() + ms
      while (!(await predicate())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
        await new Promise((r) => setTimeout(r, 10))
      }
    },
  }
}

/** A person's message that exists in the fake workspace, as Slack would announce it. */
function humanMessage(h: Harness, text: string, options: { channel?: string; user?: string; threadTs?: string } = {}) {
  const channel = options.channel ?? 'C0GENERAL'
  const seeded = h.slack.postAs(channel, text, { user: options.user ?? 'U0HUMAN', ...(options.threadTs ? { threadTs: options.threadTs } : {}) })
  return slackEventCallback(slackMessageEvent({ channel, user: seeded.user, text, ts: seeded.ts, ...(options.threadTs ? { threadTs: options.threadTs } : {}) }))
}

describe('adapter-slack through createMessaging', () => {
  it('answers url_verification with the challenge and stores nothing', async () => {
    const h = await setup()
    const { response, outcomes } = await h.inbound(slackUrlVerification('ch4llenge-123'))
    expect(response).toMatchObject({ status: 200, body: { challenge: 'ch4llenge-123' } })
    expect(response.headers['content-type']).toBe('application/json')
    expect(outcomes).toEqual([])
    expect((await h.messaging.listRooms()).rooms).toEqual([])
  })

  it('stores a signed message once; Slack\'s retry of it is a 200 duplicate', async () => {
    const h = await setup()
    const payload = humanMessage(h, 'hello &amp; welcome')
    const first = await h.inbound(payload)
    expect(first.response.status).toBe(200)
    expect(first.outcome!.status).toBe('message')
    const message = first.outcome!.message!
    expect(message).toMatchObject({ externalId: (payload.event as { ts: string }).ts, content: [{ type: 'text', text: 'hello & welcome' }], metadata: { channel: 'slack', bridgeId: BRIDGE } })
    const room = await h.messaging.getRoomByExternalBinding('slack', BRIDGE, 'C0GENERAL')
    expect(room).toMatchObject({ id: message.roomId, type: 'group' })
    expect(await h.messaging.getParticipant(message.senderId)).toMatchObject({ type: 'human', externalIds: { slack: 'U0HUMAN' } })

    const retry = await h.inbound(payload, { retryNum: 1, retryReason: 'http_timeout' })
    expect(retry.response.status).toBe(200)
    expect(retry.outcome!.status).toBe('duplicate')
    expect((await h.messaging.listMessages(room!.id)).messages).toHaveLength(1)
    await h.waitFor(() => h.signals.some((s) => s.type === 'jido.messaging.message.received'), 'message.received')
    expect(h.signals.filter((s) => s.type === 'jido.messaging.message.received')).toHaveLength(1)
  })

  it('stores a mention once when it arrives both as app_mention and as message', async () => {
    const h = await setup()
    const seeded = h.slack.postAs('C0GENERAL', '<@U0BOT> help')
    const mention = slackEventCallback({ type: 'app_mention', user: 'U0HUMAN', text: seeded.text, ts: seeded.ts, channel: 'C0GENERAL', event_ts: seeded.ts })
    const first = await h.inbound(mention)
    const second = await h.inbound(slackEventCallback(slackMessageEvent({ channel: 'C0GENERAL', user: 'U0HUMAN', text: seeded.text, ts: seeded.ts })))
    expect([first.outcome!.status, second.outcome!.status, second.response.status]).toEqual(['message', 'duplicate', 200])
    expect((await h.messaging.listMessages(first.outcome!.message!.roomId)).messages).toHaveLength(1)
  })

  it('refuses a bad signature and a stale timestamp with 401 and stores nothing', async () => {
    const h = await setup()
    const bad = await h.inbound(humanMessage(h, 'forged'), { secret: 'not-the-secret' })
    const stale = await h.inbound(humanMessage(h, 'replayed'), { timestampSeconds: Math.floor(Date.now() / 1000) - 301 })
    const unsigned = await h.messaging.routeWebhookRequest(BRIDGE, { method: 'POST', headers: { 'content-type': 'application/json' }, rawBody: JSON.stringify(humanMessage(h, 'unsigned')) })
    for (const r of [bad, stale, unsigned]) expect(r.response).toMatchObject({ status: 401, body: { error: { code: 'INVALID_SIGNATURE' } } })
    expect((await h.messaging.listRooms()).rooms).toEqual([])
  })

  it('ignores the bot\'s own messages and ingests other bots as agents', async () => {
    const h = await setup()
    const own = await h.inbound(slackEventCallback(slackMessageEvent({ channel: 'C0GENERAL', user: 'U0BOT', botId: 'B0BOT', text: 'my echo' })))
    expect(own.response.status).toBe(200)
    expect(own.outcome).toMatchObject({ status: 'noop', reason: 'self' })
    expect((await h.messaging.listRooms()).rooms).toEqual([])
    const other = await h.inbound(slackEventCallback(slackMessageEvent({ channel: 'C0GENERAL', botId: 'B0DEPLOY', username: 'deploy-bot', text: 'deployed' })))
    expect(other.outcome!.status).toBe('message')
    expect(await h.messaging.getParticipant(other.outcome!.message!.senderId)).toMatchObject({ type: 'agent', externalIds: { slack: 'B0DEPLOY' } })
    expect(other.outcome!.message!.role).toBe('assistant')
  })

  it('applies an edit and a delete to the canonical message', async () => {
    const h = await setup()
    const payload = humanMessage(h, 'first draft')
    const ts = (payload.event as { ts: string }).ts
    const { outcome } = await h.inbound(payload)
    const id = outcome!.message!.id
    const edit = await h.inbound(slackEventCallback(slackMessageChangedEvent({ channel: 'C0GENERAL', messageTs: ts, user: 'U0HUMAN', text: 'final &lt;text&gt;', previousText: 'first draft' })))
    expect(edit.response.status).toBe(200)
    expect((await h.messaging.getMessage(id))?.content).toEqual([{ type: 'text', text: 'final <text>' }])
    const del = await h.inbound(slackEventCallback(slackMessageDeletedEvent({ channel: 'C0GENERAL', deletedTs: ts, user: 'U0HUMAN', previousText: 'final' })))
    expect(del.response.status).toBe(200)
    expect(await h.messaging.getMessage(id)).toBeNull()
    await h.waitFor(() => h.signals.some((s) => s.type === 'jido.messaging.message.deleted'), 'message.deleted')
    expect(h.signals.map((s) => s.type)).toContain('jido.messaging.message.edited')
  })

  it('records reactions added and removed on the canonical message', async () => {
    const h = await setup()
    const payload = humanMessage(h, 'react to me')
    const ts = (payload.event as { ts: string }).ts
    const id = (await h.inbound(payload)).outcome!.message!.id
    const added = await h.inbound(slackEventCallback(slackReactionEvent({ added: true, user: 'U0HUMAN2', reaction: '+1', channel: 'C0GENERAL', messageTs: ts })))
    expect(added.response.status).toBe(200)
    const reactor = added.outcome!.participant!
    expect(reactor.externalIds).toEqual({ slack: 'U0HUMAN2' })
    expect((await h.messaging.getMessage(id))?.reactions).toEqual({ '👍': [reactor.id] })
    await h.inbound(slackEventCallback(slackReactionEvent({ added: true, user: 'U0HUMAN2', reaction: 'partyparrot', channel: 'C0GENERAL', messageTs: ts })))
    await h.inbound(slackEventCallback(slackReactionEvent({ added: false, user: 'U0HUMAN2', reaction: 'thumbsup', channel: 'C0GENERAL', messageTs: ts })))
    expect((await h.messaging.getMessage(id))?.reactions).toEqual({ ':partyparrot:': [reactor.id] })
  })

  it('routes a reply back into the right channel and thread', async () => {
    const h = await setup()
    const root = h.slack.postAs('C0GENERAL', 'thread root')
    const inThread = await h.inbound(humanMessage(h, 'a question in the thread', { threadTs: root.ts }))
    const question = inThread.outcome!.message!
    expect(question.externalThreadId).toBe(root.ts)

    const reply = await h.messaging.routeOutbound(question.roomId, 'the answer', { replyToId: question.id })
    expect(reply.deliveries).toMatchObject([{ bridgeId: BRIDGE, externalRoomId: 'C0GENERAL', status: 'sent' }])
    const threaded = await h.messaging.routeOutbound(question.roomId, 'more in the thread', { threadId: question.threadId! })
    expect(threaded.deliveries[0]!.status).toBe('sent')

    const posts = h.slack.callsOf('chat.postMessage')
    // a reply to a message inside a thread goes to that thread's root ts, as Slack asks
    expect(posts.map((c) => [c.params.channel, c.params.thread_ts, c.params.text])).toEqual([
      ['C0GENERAL', root.ts, 'the answer'],
      ['C0GENERAL', root.ts, 'more in the thread'],
    ])
    expect(h.slack.messages('C0GENERAL', { threadTs: root.ts }).map((m) => m.text)).toEqual(['thread root', 'a question in the thread', 'the answer', 'more in the thread'])
    expect(reply.deliveries[0]!.externalIds).toEqual([posts[0]!.response!.ts])
  })

  it('honours Slack\'s Retry-After on a 429 before sending again', async () => {
    const h = await setup()
    const { outcome } = await h.inbound(humanMessage(h, 'hi'))
    h.slack.failNext(1, { status: 429, retryAfterSeconds: 1, method: 'chat.postMessage' })
    const result = await h.messaging.routeOutbound(outcome!.message!.roomId, 'after the limit')
    expect(result.deliveries[0]!.status).toBe('retrying')
    await h.waitFor(() => h.slack.callsOf('chat.postMessage').length === 1, 'the retried post', 30_000)
    const attempts = h.slack.calls.filter((c) => c.method === 'chat.postMessage')
    expect(attempts.map((c) => c.status)).toEqual([429, 200])
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(950)
    expect(h.slack.messages('C0GENERAL').map((m) => m.text)).toContain('after the limit')
  })

  it('splits text over 4000 visible characters into several messages, and counts entities as one', async () => {
    const h = await setup()
    const { outcome } = await h.inbound(humanMessage(h, 'hi'))
    const roomId = outcome!.message!.roomId
    const paragraphs = Array.from({ length: 9 }, (_, i) => `Paragraph ${i}: ${'lorem ipsum dolor sit amet '.repeat(36).trim()}.`)
    const long = paragraphs.join('\n\n')
    expect(long.length).toBeGreaterThan(8000)
    const result = await h.messaging.routeOutbound(roomId, long)
    await h.waitFor(() => result.deliveries[0]!.status === 'sent' && h.slack.callsOf('chat.postMessage').length >= 3, 'every chunk')
    const posts = h.slack.callsOf('chat.postMessage').map((c) => String(c.params.text))
    expect(posts.length).toBeGreaterThanOrEqual(3)
    for (const text of posts) expect(slackVisibleLength(text)).toBeLessThanOrEqual(4000)
    expect(posts.join('')).toBe(long)

    // 3990 ampersands are 19950 characters escaped but 3990 on screen: one message, not five.
    await h.messaging.routeOutbound(roomId, '&'.repeat(3990))
    await h.waitFor(() => h.slack.callsOf('chat.postMessage').length === posts.length + 1, 'the ampersands')
    expect(h.slack.messages('C0GENERAL').at(-1)!.text).toBe('&amp;'.repeat(3990))
  })

  it('neutralizes mass mentions unless allowed', async () => {
    const h = await setup()
    const { outcome } = await h.inbound(humanMessage(h, 'hi'))
    const roomId = outcome!.message!.roomId
    await h.messaging.routeOutbound(roomId, 'hey <!channel> and @here')
    await h.messaging.routeOutbound(roomId, 'really, <!here>', { allowMassMentions: true })
    const [muted, loud] = h.slack.callsOf('chat.postMessage').map((c) => String(c.params.text))
    expect(muted).not.toContain('<!channel>')
    expect(muted).not.toMatch(/(^|\s)@here/)
    expect(loud).toBe('really, <!here>')
  })
})
