// The fake receiver's own contract: sends, edits and typing notices as adapter-webhook's tests rely on them.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js'
import { jidoSignature } from './webhook-signing.js'

const secret = 'receiver-test'
let receiver: WebhookReceiver

beforeEach(async () => {
  receiver = await startWebhookReceiver({ secret })
})
afterEach(async () => {
  await receiver.close()
})

async function post(body: unknown): Promise<{ status: number; body: unknown }> {
  const rawBody = JSON.stringify(body)
  const ts = Math.floor(Date.now() / 1000)
  const headers = { 'content-type': 'application/json', 'x-jido-timestamp': String(ts), 'x-jido-signature': jidoSignature(secret, ts, rawBody) }
  const response = await fetch(receiver.url, { method: 'POST', headers, body: rawBody })
  return { status: response.status, body: await response.json() }
}

async function send(deliveryId: string, text: string): Promise<string> {
  const { body } = await post({ deliveryId, room: 'r-1', text })
  return (body as { id: string }).id
}

describe('webhook receiver', () => {
  it('applies edits to the messages it assigned and records them in order', async () => {
    const before = Date.now()
    const id = await send('d-1', 'one')
    expect(await post({ action: 'edit', room: 'r-1', messageId: id, text: 'one, two' })).toMatchObject({ status: 200 })
    expect(await post({ action: 'edit', room: 'r-1', messageId: id, text: 'done', thread: 't-1' })).toMatchObject({ status: 200 })
    expect(receiver.edits).toEqual([
      { room: 'r-1', messageId: id, text: 'one, two', at: expect.any(Number) },
      { room: 'r-1', messageId: id, text: 'done', thread: 't-1', at: expect.any(Number) },
    ])
    expect(receiver.edits[0]!.at).toBeGreaterThanOrEqual(before)
    expect(receiver.textOf(id)).toBe('done')
    // A retried send of the same delivery does not bring back the original text.
    expect(await send('d-1', 'one')).toBe(id)
    expect(receiver.textOf(id)).toBe('done')
    expect(receiver.deliveries).toHaveLength(1)
    expect(receiver.textOf('wh_999')).toBeUndefined()
  })

  it('answers 404 to an edit of an id it never assigned, and records nothing', async () => {
    const answer = await post({ action: 'edit', room: 'r-1', messageId: 'wh_999', text: 'x' })
    expect(answer).toEqual({ status: 404, body: { error: { code: 'NOT_FOUND', message: expect.any(String) } } })
    expect(receiver.edits).toEqual([])
    expect(receiver.textOf('wh_999')).toBeUndefined()
  })

  it('records typing notices and keeps them out of deliveries', async () => {
    await post({ action: 'typing', room: 'r-1' })
    await post({ action: 'typing', room: 'r-2', thread: 't-1' })
    expect(receiver.typing).toEqual([
      { room: 'r-1', at: expect.any(Number) },
      { room: 'r-2', thread: 't-1', at: expect.any(Number) },
    ])
    expect(receiver.deliveries).toEqual([])
  })

  it('applies scripted failures to any action', async () => {
    const id = await send('d-1', 'one')
    receiver.failNext(2, { status: 503 })
    expect((await post({ action: 'edit', room: 'r-1', messageId: id, text: 'two' })).status).toBe(503)
    expect((await post({ action: 'typing', room: 'r-1' })).status).toBe(503)
    expect([receiver.edits, receiver.typing, receiver.textOf(id)]).toEqual([[], [], 'one'])
  })

  it.each([
    [{ action: 'edit', messageId: 'wh_1', text: 'x' }, /room/],
    [{ action: 'edit', room: 'r-1', text: 'x' }, /messageId/],
    [{ action: 'edit', room: 'r-1', messageId: 'wh_1' }, /text/],
    [{ action: 'edit', room: 'r-1', messageId: 'wh_1', text: 'x', thread: 3 }, /thread/],
    [{ action: 'typing' }, /room/],
    [{ action: 'typing', room: 'r-1', thread: false }, /thread/],
    [{ action: 'delete', room: 'r-1', messageId: 'wh_1' }, /action/],
    [{ room: 'r-1', text: 'x' }, /deliveryId/],
  ])('answers 400 VALIDATION to %j', async (body, message) => {
    await send('d-1', 'one')
    const answer = await post(body)
    expect(answer.status).toBe(400)
    expect(answer.body).toEqual({ error: { code: 'VALIDATION', message: expect.stringMatching(message) } })
    expect([receiver.edits, receiver.typing, receiver.deliveries.length, receiver.textOf('wh_1')]).toEqual([[], [], 1, 'one'])
  })
})
