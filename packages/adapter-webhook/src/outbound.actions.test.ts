// Opt-in edit and typing: the bodies they POST, their signatures, and the retry semantics of the answers.
import type { BridgeContext } from '@jido-messaging/core'
import { expectAdapterError, startWebhookReceiver, type WebhookReceiver } from '@jido-messaging/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createWebhookAdapter, verifyWebhookSignature, type WebhookAdapterConfig } from './index.js'

const secret = 'out-secret'
let receiver: WebhookReceiver
let bridge: BridgeContext
let posted: Array<{ body: unknown; rawBody: string; headers: Record<string, string> }>

beforeEach(async () => {
  receiver = await startWebhookReceiver({ secret })
  bridge = { bridgeId: 'b-out', credentials: { secret }, options: { outboundUrl: receiver.url } }
  posted = []
})
afterEach(async () => {
  await receiver.close()
})

// The real global fetch to the real receiver, keeping a copy of each request so a test can read the exact bytes.
const recordingFetch: typeof fetch = async (input, init) => {
  const rawBody = String(init?.body)
  posted.push({ body: JSON.parse(rawBody), rawBody, headers: Object.fromEntries(new Headers(init?.headers).entries()) })
  return fetch(input, init)
}

function adapter(config: WebhookAdapterConfig = {}) {
  return createWebhookAdapter({ edit: true, typing: true, fetch: recordingFetch, ...config })
}

async function sent(text = 'draft'): Promise<string> {
  const { externalMessageId } = await adapter().send!(bridge, { deliveryId: `dlv-${text}`, externalRoomId: 'r-1', text })
  return externalMessageId
}

describe('edit', () => {
  it('POSTs a signed action body with only the fields that are set, and the receiver applies it', async () => {
    const id = await sent()
    await adapter().edit!(bridge, { externalRoomId: 'r-1', externalMessageId: id, text: 'draft, more' })
    await adapter().edit!(bridge, { externalRoomId: 'r-1', externalMessageId: id, externalThreadId: 't-1', text: 'final' })
    const [send, plain, threaded] = posted
    // Sends keep their body without `action`, so receivers that know nothing of edits see no change.
    expect(send!.body).toEqual({ deliveryId: 'dlv-draft', room: 'r-1', text: 'draft' })
    expect(plain!.body).toEqual({ action: 'edit', room: 'r-1', messageId: id, text: 'draft, more' })
    expect(threaded!.body).toEqual({ action: 'edit', room: 'r-1', messageId: id, text: 'final', thread: 't-1' })
    expect(plain!.headers['content-type']).toBe('application/json')
    expect(verifyWebhookSignature(secret, plain!.rawBody, plain!.headers)).toBe(true)
    expect(verifyWebhookSignature(secret, threaded!.rawBody, threaded!.headers)).toBe(true)
    expect(receiver.edits.map(({ at: _at, ...edit }) => edit)).toEqual([
      { room: 'r-1', messageId: id, text: 'draft, more' },
      { room: 'r-1', messageId: id, text: 'final', thread: 't-1' },
    ])
    expect(receiver.textOf(id)).toBe('final')
    expect(receiver.deliveries).toHaveLength(1)
  })

  it('signs with its injected clock', async () => {
    const id = await sent()
    const stale = adapter({ now: () => Date.now() - 400_000 })
    await expectAdapterError(stale.edit!(bridge, { externalRoomId: 'r-1', externalMessageId: id, text: 'late' }), { retryable: false, status: 401 })
    expect(receiver.rejectedSignatures).toBe(1)
    expect(receiver.textOf(id)).toBe('draft')
  })

  it('maps receiver answers to retry semantics', async () => {
    const id = await sent()
    const edit = () => adapter().edit!(bridge, { externalRoomId: 'r-1', externalMessageId: id, text: 'edited' })
    receiver.failNext(1, { status: 429, retryAfterSeconds: 3 })
    const limited = await expectAdapterError(edit(), { retryable: true, retryAfterMs: 3000, status: 429 })
    expect(limited.message).toMatch(/^\[adapter-webhook\] bridge b-out edit: receiver answered 429/)
    receiver.failNext(1, { status: 500 })
    await expectAdapterError(edit(), { retryable: true, retryAfterMs: undefined, status: 500 })
    receiver.failNext(1, { status: 400 })
    await expectAdapterError(edit(), { retryable: false, status: 400 })
    expect(receiver.edits).toHaveLength(0)
    expect(receiver.textOf(id)).toBe('draft')
  })

  it('is terminal for a message the receiver does not know', async () => {
    await expectAdapterError(adapter().edit!(bridge, { externalRoomId: 'r-1', externalMessageId: 'wh_404', text: 'x' }), { retryable: false, status: 404 })
    expect(receiver.edits).toHaveLength(0)
  })

  it('succeeds on any 2xx, whatever its body', async () => {
    for (const [status, body] of [[200, 'ok'], [202, {}]] as const) {
      receiver.failNext(1, { status, body })
      await adapter().edit!(bridge, { externalRoomId: 'r-1', externalMessageId: 'm-1', text: 'x' })
    }
  })

  it('times out as a retryable error', async () => {
    const id = await sent()
    receiver.delayNext(60_000)
    const error = await expectAdapterError(adapter({ timeoutMs: 100 }).edit!(bridge, { externalRoomId: 'r-1', externalMessageId: id, text: 'slow' }), { retryable: true })
    expect(error.message).toMatch(/timed out after 100 ms/)
  })

  it('reports a misconfigured bridge as terminal, without calling out', async () => {
    const error = await expectAdapterError(adapter().edit!({ ...bridge, options: {} }, { externalRoomId: 'r-1', externalMessageId: 'm-1', text: 'x' }), { retryable: false })
    expect(error.message).toMatch(/bridge b-out needs options.outboundUrl/)
    expect(receiver.attempts).toBe(0)
  })
})

describe('startTyping', () => {
  it('POSTs a signed action body with only the fields that are set', async () => {
    await adapter().startTyping!(bridge, { externalRoomId: 'r-1' })
    await adapter().startTyping!(bridge, { externalRoomId: 'r-1', externalThreadId: 't-1' })
    const [plain, threaded] = posted
    expect(plain!.body).toEqual({ action: 'typing', room: 'r-1' })
    expect(threaded!.body).toEqual({ action: 'typing', room: 'r-1', thread: 't-1' })
    expect(verifyWebhookSignature(secret, plain!.rawBody, plain!.headers)).toBe(true)
    expect(verifyWebhookSignature(secret, threaded!.rawBody, threaded!.headers)).toBe(true)
    expect(receiver.typing.map(({ at: _at, ...typing }) => typing)).toEqual([{ room: 'r-1' }, { room: 'r-1', thread: 't-1' }])
    expect(receiver.deliveries).toHaveLength(0)
  })

  it('maps receiver answers to retry semantics', async () => {
    receiver.failNext(1, { status: 503, retryAfterSeconds: 1 })
    await expectAdapterError(adapter().startTyping!(bridge, { externalRoomId: 'r-1' }), { retryable: true, retryAfterMs: 1000, status: 503 })
    receiver.failNext(1, { status: 403 })
    await expectAdapterError(adapter().startTyping!(bridge, { externalRoomId: 'r-1' }), { retryable: false, status: 403 })
    expect(receiver.typing).toHaveLength(0)
  })
})
