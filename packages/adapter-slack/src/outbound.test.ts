import { isMessagingError, type BridgeContext, type PlatformAdapter } from '@jido-messaging/core'
import { expectAdapterError, startFakeSlack, type FakeSlack } from '@jido-messaging/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSlackAdapter, SlackAdapterError } from './index.js'

let slack: FakeSlack
let adapter: PlatformAdapter
let bridge: BridgeContext

beforeEach(async () => {
  slack = await startFakeSlack()
  adapter = createSlackAdapter({ timeoutMs: 30_000 })
  bridge = { bridgeId: 'sl-unit', credentials: { botToken: slack.botToken, signingSecret: 's' }, options: { apiUrl: slack.url } }
})
afterEach(() => slack.close())

const send = (text: string, extra: Record<string, string> = {}) =>
  adapter.send!(bridge, { deliveryId: `dlv_${Math.random()}`, externalRoomId: 'C0GENERAL', text, ...extra })

describe('send', () => {
  it('posts form-encoded with the bot token as Bearer, escaped as mrkdwn, with our delivery metadata', async () => {
    const { externalMessageId } = await adapter.send!(bridge, { deliveryId: 'dlv_1', externalRoomId: 'C0GENERAL', text: 'if a < b && c > d, ping <@U0HUMAN>' })
    const [call] = slack.callsOf('chat.postMessage')
    expect(call).toMatchObject({ encoding: 'form', token: slack.botToken })
    expect(call!.params.text).toBe('if a &lt; b &amp;&amp; c &gt; d, ping <@U0HUMAN>')
    expect(JSON.parse(String(call!.params.metadata))).toEqual({ event_type: 'jido_delivery', event_payload: { delivery_id: 'dlv_1' } })
    expect(slack.state.message('C0GENERAL', externalMessageId)).toMatchObject({ user: slack.identity.botUserId, botId: slack.identity.botId })
  })

  it('posts a reply into the thread of the message it answers (Slack has no reply-to)', async () => {
    const root = slack.postAs('C0GENERAL', 'question')
    const { externalMessageId } = await send('answer', { externalReplyToId: root.ts })
    expect(slack.state.message('C0GENERAL', externalMessageId)?.threadTs).toBe(root.ts)
    expect(slack.messages('C0GENERAL', { threadTs: root.ts }).map((m) => m.text)).toEqual(['question', 'answer'])
  })

  it('makes one call per attempt: the WebClient does not retry behind core\'s back', async () => {
    slack.failNext(1, { status: 503 })
    await expectAdapterError(send('x'), { retryable: true, status: 503 })
    slack.failNext(1, { status: 429, retryAfterSeconds: 2 })
    await expectAdapterError(send('x'), { retryable: true, retryAfterMs: 2000, status: 429 })
    expect(slack.calls).toHaveLength(2)
  })

  it('treats a 429 without Retry-After as retryable on our own backoff', async () => {
    slack.failNext(1, { status: 429 })
    const error = await expectAdapterError(send('x'), { retryable: true, status: 429 })
    expect(error.retryAfterMs).toBeUndefined()
  })

  it('makes Slack errors terminal unless they are Slack\'s own trouble', async () => {
    const missing = await expectAdapterError(adapter.send!(bridge, { deliveryId: 'd', externalRoomId: 'C0NOWHERE', text: 'x' }), { retryable: false })
    expect(missing).toBeInstanceOf(SlackAdapterError)
    expect((missing as SlackAdapterError).platformError).toBe('channel_not_found')
    expect(missing.message).toContain('[adapter-slack] bridge sl-unit: chat.postMessage: channel_not_found')
    slack.failNext(1, { error: 'internal_error' })
    await expectAdapterError(send('x'), { retryable: true })
    slack.failNext(1, { error: 'not_in_channel' })
    await expectAdapterError(send('x'), { retryable: false })
  })

  it('fails terminally on a bad token or missing credentials, and names the bridge', async () => {
    const wrong = { ...bridge, credentials: { botToken: 'xoxb-wrong' } }
    const invalid = await expectAdapterError(adapter.send!(wrong, { deliveryId: 'd', externalRoomId: 'C0GENERAL', text: 'x' }), { retryable: false })
    expect(invalid.message).toContain('invalid_auth')
    await expectAdapterError(adapter.send!({ ...bridge, credentials: {} }, { deliveryId: 'd', externalRoomId: 'C0GENERAL', text: 'x' }), { retryable: false })
    await expectAdapterError(adapter.send!({ ...bridge, options: { apiUrl: 'ftp://nope' } }, { deliveryId: 'd', externalRoomId: 'C0GENERAL', text: 'x' }), { retryable: false })
  })

  it('is retryable when Slack cannot be reached', async () => {
    await slack.close()
    await expectAdapterError(send('x'), { retryable: true })
  })
})

describe('edit, delete, reactions', () => {
  it('updates and deletes the bot\'s message', async () => {
    const { externalMessageId } = await send('before')
    await adapter.edit!(bridge, { externalRoomId: 'C0GENERAL', externalMessageId, text: 'after & more' })
    expect(slack.state.message('C0GENERAL', externalMessageId)).toMatchObject({ text: 'after &amp; more', edited: { user: slack.identity.botUserId } })
    await adapter.delete!(bridge, { externalRoomId: 'C0GENERAL', externalMessageId })
    expect(slack.state.message('C0GENERAL', externalMessageId)).toBeUndefined()
    const error = await adapter.delete!(bridge, { externalRoomId: 'C0GENERAL', externalMessageId }).catch((e: unknown) => e)
    expect(isMessagingError(error, 'DELIVERY_FAILED') && (error as SlackAdapterError).platformError).toBe('message_not_found')
  })

  it('reacts by Slack name, idempotently', async () => {
    const root = slack.postAs('C0GENERAL', 'react to me')
    const target = { externalRoomId: 'C0GENERAL', externalMessageId: root.ts }
    await adapter.addReaction!(bridge, { ...target, emoji: '👍' })
    await adapter.addReaction!(bridge, { ...target, emoji: '👍' }) // already_reacted: fine
    await adapter.addReaction!(bridge, { ...target, emoji: ':partyparrot:' })
    expect(slack.state.message('C0GENERAL', root.ts)?.reactions).toEqual([
      { name: 'thumbsup', users: [slack.identity.botUserId], count: 1 },
      { name: 'partyparrot', users: [slack.identity.botUserId], count: 1 },
    ])
    await adapter.removeReaction!(bridge, { ...target, emoji: '👍' })
    await adapter.removeReaction!(bridge, { ...target, emoji: '👍' }) // no_reaction: fine
    expect(slack.state.message('C0GENERAL', root.ts)?.reactions.map((r) => r.name)).toEqual(['partyparrot'])
  })
})

describe('ingress subscriptions', () => {
  it('asks for the Events API request URL to be pasted (webhook mode) or Socket Mode to be enabled', async () => {
    const webhook = await adapter.ensureIngressSubscription!(bridge, { url: 'https://gw.example.com/webhooks/sl-unit' })
    expect(webhook).toMatchObject({ id: 'sl-unit:events-api', status: 'manual_action_required', url: 'https://gw.example.com/webhooks/sl-unit' })
    expect(webhook.instructions).toContain('https://gw.example.com/webhooks/sl-unit')
    expect((await adapter.ensureIngressSubscription!(bridge, {})).url).toBe('/webhooks/sl-unit')
    const socket = await adapter.ensureIngressSubscription!({ ...bridge, options: { ingress: { mode: 'socket' } } }, {})
    expect(socket).toMatchObject({ id: 'sl-unit:socket-mode', status: 'manual_action_required' })
    expect(socket.instructions).toContain('connections:write')
  })
})
