import type { BridgeContext, OutboundMessage, PlatformAdapter } from '@jido-messaging/core'
import { expectAdapterError, startDiscordFake, type DiscordFake } from '@jido-messaging/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createDiscordAdapter } from './index.js'

let fake: DiscordFake
let adapter: PlatformAdapter
let bridge: BridgeContext
let n = 0
const msg = (extra: Partial<OutboundMessage> = {}): OutboundMessage => ({ deliveryId: `dlv_out_${++n}`, externalRoomId: fake.world.ids.general, text: `text ${n}`, ...extra })

beforeEach(async () => {
  fake = await startDiscordFake()
  adapter = createDiscordAdapter({ restTimeoutMs: 2000 })
  bridge = { bridgeId: 'dc-out', credentials: { botToken: fake.token }, options: { apiUrl: fake.apiUrl } }
})
afterEach(() => fake.close())

describe('outbound', () => {
  it('posts with no pings allowed, a nonce derived from the delivery, and as a reply into a thread', async () => {
    const target = fake.world.message({ channelId: fake.world.ids.thread, author: fake.world.ada, content: 'question' })
    const { externalMessageId } = await adapter.send!(bridge, msg({ text: 'answer', externalThreadId: fake.world.ids.thread, externalReplyToId: target.id }))
    const call = fake.rest.calls.find((c) => c.method === 'POST')!
    expect(call.path).toBe(`/channels/${fake.world.ids.thread}/messages`)
    expect(call.authorization).toBe(`Bot ${fake.token}`)
    expect(call.body).toEqual({
      content: 'answer', allowed_mentions: { parse: [] }, nonce: expect.stringMatching(/^[\w-]{25}$/), enforce_nonce: true,
      message_reference: { message_id: target.id, fail_if_not_exists: false },
    })
    expect(fake.world.messages.get(externalMessageId)).toMatchObject({ channel_id: fake.world.ids.thread, content: 'answer', message_reference: { message_id: target.id } })
  })

  it('sends a retried delivery once: the same nonce gives back the first message', async () => {
    const m = msg()
    const first = await adapter.send!(bridge, m)
    const second = await adapter.send!(bridge, m)
    expect(second).toEqual(first)
    expect(fake.rest.operations.filter((o) => o.op === 'send')).toHaveLength(1)
  })

  it('lets a bridge allow mentions', async () => {
    await adapter.send!({ ...bridge, options: { ...bridge.options, allowedMentions: ['users', 'everyone'] } }, msg())
    expect((fake.rest.calls.find((c) => c.method === 'POST')!.body as { allowed_mentions: unknown }).allowed_mentions).toEqual({ parse: ['users', 'everyone'] })
  })

  it('edits, deletes, reacts and types in a thread channel when given the thread', async () => {
    const thread = fake.world.ids.thread
    const { externalMessageId } = await adapter.send!(bridge, msg({ externalThreadId: thread }))
    const target = { externalRoomId: fake.world.ids.general, externalThreadId: thread, externalMessageId }
    await adapter.edit!(bridge, { ...target, text: 'edited' })
    await adapter.addReaction!(bridge, { ...target, emoji: '<:party:123456789012345678>' })
    await adapter.startTyping!(bridge, { externalRoomId: fake.world.ids.general, externalThreadId: thread })
    await adapter.delete!(bridge, target)
    expect(fake.rest.calls.filter((c) => c.method !== 'GET').map((c) => `${c.method} ${c.path}`)).toEqual([
      `POST /channels/${thread}/messages`,
      `PATCH /channels/${thread}/messages/${externalMessageId}`,
      `PUT /channels/${thread}/messages/${externalMessageId}/reactions/party%3A123456789012345678/@me`,
      `POST /channels/${thread}/typing`,
      `DELETE /channels/${thread}/messages/${externalMessageId}`,
    ])
    expect(fake.world.reactions.get(externalMessageId)?.get('party:123456789012345678')).toEqual(new Set([fake.world.bot.id]))
  })

  it('opens a thread on a message', async () => {
    const root = fake.world.message({ channelId: fake.world.ids.random, author: fake.world.ada, content: 'let us discuss' })
    const { externalThreadId } = await adapter.openThread!(bridge, { externalRoomId: fake.world.ids.random, externalMessageId: root.id, name: 'discussion' })
    expect(externalThreadId).toBe(root.id)
    expect(fake.world.channels.get(externalThreadId)).toMatchObject({ type: 11, parent_id: fake.world.ids.random, name: 'discussion' })
    expect(fake.rest.operations).toContainEqual({ op: 'openThread', externalRoomId: fake.world.ids.random, externalMessageId: root.id, externalThreadId, name: 'discussion' })
  })

  it('takes the precise retry_after of a 429 (float seconds), not the rounded header', async () => {
    fake.failNext(1, { status: 429, retryAfterSeconds: 0.25 })
    await expectAdapterError(adapter.send!(bridge, msg()), { retryable: true, retryAfterMs: 250, status: 429 })
  })

  it('does not hit an exhausted bucket again before it resets: it says how long to wait instead', async () => {
    await adapter.send!(bridge, msg()) // learns the route's bucket
    // 2 s, not 0.4: the next send must come before the bucket resets, even on a loaded machine.
    fake.failNext(1, { status: 429, retryAfterSeconds: 2, scope: 'user' })
    await expectAdapterError(adapter.send!(bridge, msg()), { retryable: true, retryAfterMs: 2000, status: 429 })
    const error = await expectAdapterError(adapter.send!(bridge, msg()), { retryable: true, status: 429 })
    expect(error.retryAfterMs).toBeGreaterThan(0)
    expect(error.retryAfterMs).toBeLessThanOrEqual(2000)
    expect(fake.rest.calls.filter((c) => c.method === 'POST').map((c) => c.status)).toEqual([200, 429])
    await new Promise((r) => setTimeout(r, error.retryAfterMs!))
    await adapter.send!(bridge, msg())
    expect(fake.rest.operations.filter((o) => o.op === 'send')).toHaveLength(2)
  })

  it('surfaces a global rate limit', async () => {
    fake.failNext(1, { status: 429, retryAfterSeconds: 1.5, scope: 'global' })
    const error = await expectAdapterError(adapter.send!(bridge, msg()), { retryable: true, retryAfterMs: 1500, status: 429 })
    expect(error.message).toMatch(/global/)
  })

  it('maps 4xx to terminal and 5xx to retryable errors, each tried once', async () => {
    await expectAdapterError(adapter.send!(bridge, msg({ externalRoomId: '999999999999999999' })), { retryable: false, status: 404 })
    fake.failNext(1, { status: 500 })
    await expectAdapterError(adapter.send!(bridge, msg()), { retryable: true, status: 500 })
    fake.failNext(1, { status: 502 })
    await expectAdapterError(adapter.edit!(bridge, { externalRoomId: fake.world.ids.general, externalMessageId: '1', text: 'x' }), { retryable: true, status: 502 })
    expect(fake.rest.calls.filter((c) => c.path.startsWith('/channels/'))).toHaveLength(3)
  })

  it('treats a wrong token as terminal, and a missing one without calling out', async () => {
    const wrong = { ...bridge, credentials: { botToken: 'MTIz.wrong.token' } }
    await expectAdapterError(adapter.send!(wrong, msg()), { retryable: false, status: 401 })
    // after a 401 the client is rebuilt, so a corrected token works again without a restart
    await expectAdapterError(adapter.send!(wrong, msg()), { retryable: false, status: 401 })
    const none = await expectAdapterError(adapter.send!({ ...bridge, credentials: {} }, msg()), { retryable: false })
    expect(none.message).toMatch(/no credentials.botToken/)
    expect(fake.rest.calls).toHaveLength(2)
  })

  it('treats an unreachable Discord as retryable', async () => {
    await fake.close()
    await expectAdapterError(adapter.send!(bridge, msg()), { retryable: true })
  })
})
