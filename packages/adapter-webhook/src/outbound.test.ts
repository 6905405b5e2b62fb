import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { BridgeContext, OutboundMessage } from '@jido-messaging/core'
import { expectAdapterError, startWebhookReceiver, type WebhookReceiver } from '@jido-messaging/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createWebhookAdapter, verifyWebhookSignature } from './index.js'
import { parseRetryAfter } from './outbound.js'

const secret = 'out-secret'
let receiver: WebhookReceiver
let bridge: BridgeContext

beforeEach(async () => {
  receiver = await startWebhookReceiver({ secret })
  bridge = { bridgeId: 'b-out', credentials: { secret }, options: { outboundUrl: receiver.url } }
})
afterEach(async () => {
  await receiver.close()
})

const message = (extra: Partial<OutboundMessage> = {}): OutboundMessage => ({ deliveryId: 'dlv-1', externalRoomId: 'r-1', text: 'hello', ...extra })

describe('send', () => {
  it('POSTs a signed JSON body with only the fields that are set', async () => {
    const adapter = createWebhookAdapter()
    await adapter.send!(bridge, message())
    await adapter.send!(bridge, message({ deliveryId: 'dlv-2', externalThreadId: 't-1', externalReplyToId: 'm-9' }))
    const [plain, threaded] = receiver.deliveries
    expect(JSON.parse(plain!.rawBody)).toEqual({ deliveryId: 'dlv-1', room: 'r-1', text: 'hello' })
    expect(JSON.parse(threaded!.rawBody)).toEqual({ deliveryId: 'dlv-2', room: 'r-1', text: 'hello', thread: 't-1', replyTo: 'm-9' })
    expect(plain!.headers['content-type']).toBe('application/json')
    // The exported verifier accepts what the adapter signs (both directions use one scheme).
    expect(verifyWebhookSignature(secret, plain!.rawBody, plain!.headers)).toBe(true)
  })

  it('signs with its injected clock', async () => {
    const adapter = createWebhookAdapter({ now: () => Date.now() - 400_000 })
    await expectAdapterError(adapter.send!(bridge, message()), { retryable: false, status: 401 })
    expect(receiver.rejectedSignatures).toBe(1)
  })

  it('lets the receiver deduplicate a retried delivery by deliveryId', async () => {
    const adapter = createWebhookAdapter()
    const first = await adapter.send!(bridge, message())
    const again = await adapter.send!(bridge, message())
    expect(again).toEqual(first)
    expect(receiver.deliveries).toHaveLength(1)
    expect(receiver.duplicates).toBe(1)
  })

  it('times out as a retryable error, and the retry gets the id the receiver already assigned', async () => {
    const adapter = createWebhookAdapter({ timeoutMs: 100 })
    receiver.delayNext(60_000)
    const started = Date.now()
    const error = await expectAdapterError(adapter.send!(bridge, message()), { retryable: true })
    expect(error.message).toMatch(/timed out after 100 ms/)
    // Well before the receiver's 60 s answer (with room for a loaded machine's event-loop lag).
    expect(Date.now() - started).toBeLessThan(30_000)
    // The retry with a timeout a loaded CI machine cannot trip, so only the receiver's answer is tested.
    const retried = await createWebhookAdapter({ timeoutMs: 10_000 }).send!(bridge, message())
    expect(retried).toEqual({ externalMessageId: receiver.deliveries[0]!.id })
    expect(receiver.deliveries).toHaveLength(1)
  })

  it('maps receiver answers to retry semantics', async () => {
    const adapter = createWebhookAdapter()
    receiver.failNext(1, { status: 429 })
    await expectAdapterError(adapter.send!(bridge, message()), { retryable: true, retryAfterMs: undefined, status: 429 })
    receiver.failNext(1, { status: 500 })
    await expectAdapterError(adapter.send!(bridge, message()), { retryable: true, status: 500 })
    receiver.failNext(1, { status: 503, retryAfterSeconds: 2 })
    await expectAdapterError(adapter.send!(bridge, message()), { retryable: true, retryAfterMs: 2000, status: 503 })
    receiver.failNext(1, { status: 404 })
    await expectAdapterError(adapter.send!(bridge, message()), { retryable: false, status: 404 })
    receiver.failNext(1, { status: 413 })
    await expectAdapterError(adapter.send!(bridge, message()), { retryable: false, status: 413 })
    expect(receiver.deliveries).toHaveLength(0)
  })

  it('refuses a 2xx without a string id as terminal', async () => {
    const adapter = createWebhookAdapter()
    for (const body of [{}, { id: 42 }, { id: '' }, 'ok']) {
      receiver.failNext(1, { status: 200, body })
      await expectAdapterError(adapter.send!(bridge, message()), { retryable: false, status: 200 })
    }
  })

  it('treats a refused connection as retryable', async () => {
    await receiver.close()
    await expectAdapterError(createWebhookAdapter().send!(bridge, message()), { retryable: true })
  })

  it('does not follow redirects', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(307, { location: receiver.url }).end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
      const moved = { ...bridge, options: { outboundUrl: url } }
      await expectAdapterError(createWebhookAdapter().send!(moved, message()), { retryable: false, status: 307 })
      expect(receiver.attempts).toBe(0)
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('uses an injected fetch', async () => {
    const calls: string[] = []
    const fetchStub: typeof fetch = async (input) => {
      calls.push(String(input))
      return new Response(JSON.stringify({ id: 'stubbed' }), { status: 201 })
    }
    expect(await createWebhookAdapter({ fetch: fetchStub }).send!(bridge, message())).toEqual({ externalMessageId: 'stubbed' })
    expect(calls).toEqual([receiver.url])
  })

  it('reports a misconfigured bridge as terminal, without calling out', async () => {
    const adapter = createWebhookAdapter()
    const cases: BridgeContext[] = [
      { ...bridge, credentials: {} },
      { ...bridge, options: {} },
      { ...bridge, options: { outboundUrl: 'ftp://127.0.0.1/x' } },
      { ...bridge, options: { outboundUrl: 'http://' } },
    ]
    for (const misconfigured of cases) {
      const error = await expectAdapterError(adapter.send!(misconfigured, message()), { retryable: false })
      expect(error.message).toMatch(/bridge b-out/)
    }
    expect(receiver.attempts).toBe(0)
  })
})

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP-dates', () => {
    const now = Date.UTC(2024, 0, 1)
    expect(parseRetryAfter('7', now)).toBe(7000)
    expect(parseRetryAfter(' 1.5 ', now)).toBe(1500)
    expect(parseRetryAfter(new Date(now + 30_000).toUTCString(), now)).toBe(30_000)
    expect(parseRetryAfter(new Date(now - 30_000).toUTCString(), now)).toBe(0)
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter(null, now)).toBeUndefined()
  })
})
