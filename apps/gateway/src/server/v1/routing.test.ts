import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../../test/harness.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

/** A webhook receiver on 127.0.0.1 that records what it got and answers 200 with an external id. */
async function startReceiver() {
  const received: Array<{ headers: IncomingHttpHeaders; body: Json }> = []
  const server = createServer((req, res) => {
    let raw = ''
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()))
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(raw) })
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `ext-${received.length}` }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/in`
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

describe('/v1 routing policies and outbound', () => {
  let gw: TestGateway
  let receiver: Awaited<ReturnType<typeof startReceiver>>
  let roomId: string
  const send = async (path: string, init: Parameters<TestGateway['call']>[1] = {}) => {
    const res = await gw.call(path, init)
    return { status: res.status, body: (await res.json()) as Json }
  }

  beforeAll(async () => {
    receiver = await startReceiver()
    gw = await startTestGateway()
    await gw.messaging.putBridgeConfig({ id: 'hook', adapter: 'webhook', credentials: { secret: 'routing-secret-x1' }, options: { outboundUrl: receiver.url } })
    roomId = (await gw.messaging.createRoom({ name: 'routed' })).id
    await gw.messaging.createRoomBinding(roomId, 'webhook', 'hook', 'ext-room')
  })
  afterAll(async () => {
    await gw?.close()
    await receiver?.close()
  })

  it('gets, puts (with the revision rule), and deletes a routing policy', async () => {
    const path = `/v1/rooms/${roomId}/routing-policy`
    expect(await send(path, { key: 'read' })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } })
    const put = await send(path, { method: 'PUT', json: { deliveryMode: 'primary', fallbackOrder: ['hook'], revision: 0 } })
    expect(put).toMatchObject({ status: 200, body: { roomId, deliveryMode: 'primary', fallbackOrder: ['hook'], revision: 1 } })
    const read = (await send(path, { key: 'read' })).body
    expect(read).toMatchObject({ deliveryMode: 'primary', revision: 1 })
    expect((await send(path, { method: 'PUT', json: { ...read, mirror: true } })).body).toMatchObject({ mirror: true, revision: 2 })
    expect(await send(path, { method: 'PUT', json: { ...read, mirror: false } })).toMatchObject({ status: 409, body: { error: { code: 'REVISION_CONFLICT' } } })

    for (const json of [{ deliveryMode: 'shout' }, { roomId: 'another' }, { mirror: 'yes' }, { colour: 'red' }]) {
      expect((await send(path, { method: 'PUT', json })).body.error.code, JSON.stringify(json)).toBe('VALIDATION')
    }
    expect((await send('/v1/rooms/room_nope/routing-policy', { method: 'PUT', json: {} })).body.error.code).toBe('NOT_FOUND')
    expect((await send(path, { key: 'read', method: 'PUT', json: {} })).body.error.code).toBe('FORBIDDEN')
    expect((await send(path, { key: 'read', method: 'DELETE' })).body.error.code).toBe('FORBIDDEN')
    expect(await gw.messaging.getRoutingPolicy(roomId)).toMatchObject({ mirror: true, revision: 2 })

    expect((await send(path, { method: 'DELETE' })).body).toEqual({ deleted: true })
    expect(await gw.messaging.getRoutingPolicy(roomId)).toBeNull()
    expect((await send(path, { method: 'DELETE' })).body).toEqual({ deleted: false })
  })

  it('routes a message outbound, signed, once per idempotency key', async () => {
    const before = receiver.received.length
    const res = await send(`/v1/rooms/${roomId}/outbound`, { method: 'POST', json: { text: 'Deploy done', idempotencyKey: 'deploy-1' } })
    expect(res.status).toBe(201)
    expect(res.body.message).toMatchObject({ roomId, role: 'assistant', content: [{ type: 'text', text: 'Deploy done' }] })
    expect(res.body.deliveries).toEqual([expect.objectContaining({ bridgeId: 'hook', externalRoomId: 'ext-room', status: 'sent', externalIds: [expect.any(String)] })])
    expect(receiver.received.length).toBe(before + 1)
    const got = receiver.received.at(-1)!
    expect(got.body).toMatchObject({ room: 'ext-room', text: 'Deploy done', deliveryId: res.body.deliveries[0].id })
    expect(got.headers['x-jido-signature']).toMatch(/^v1=[0-9a-f]{64}$/)

    const again = await send(`/v1/rooms/${roomId}/outbound`, { method: 'POST', json: { text: 'Deploy done', idempotencyKey: 'deploy-1' } })
    expect(again.body.message.id).toBe(res.body.message.id)
    expect(receiver.received.length).toBe(before + 1)
  })

  it('delivers a message posted into a bound room by its routing policy', async () => {
    const before = receiver.received.length
    const posted = await send(`/v1/rooms/${roomId}/messages`, { method: 'POST', json: { text: 'via post' } })
    expect(posted.status).toBe(201)
    await expect.poll(() => receiver.received.length, { timeout: 10_000 }).toBe(before + 1)
    expect(receiver.received.at(-1)!.body).toMatchObject({ text: 'via post' })
    const quiet = await send(`/v1/rooms/${roomId}/messages`, { method: 'POST', json: { text: 'not sent', deliver: false } })
    expect(quiet.status).toBe(201)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(receiver.received.map((r) => r.body.text)).not.toContain('not sent')
  })

  it('says NO_ROUTES for a room without platforms and refuses bad outbound input', async () => {
    const lonely = (await gw.messaging.createRoom({ name: 'lonely' })).id
    expect(await send(`/v1/rooms/${lonely}/outbound`, { method: 'POST', json: { text: 'hi' } })).toMatchObject({ status: 422, body: { error: { code: 'NO_ROUTES' } } })
    const before = (await gw.messaging.listMessages(roomId, { limit: 1000 })).messages.length
    for (const json of [{}, { text: 'a', content: [{ type: 'text', text: 'a' }] }, { text: 'a', waitMs: -1 }, { text: 'a', via: 'x' }]) {
      expect((await send(`/v1/rooms/${roomId}/outbound`, { method: 'POST', json })).body.error.code, JSON.stringify(json)).toBe('VALIDATION')
    }
    expect((await send('/v1/rooms/room_nope/outbound', { method: 'POST', json: { text: 'a' } })).body.error.code).toBe('NOT_FOUND')
    expect((await send(`/v1/rooms/${roomId}/outbound`, { key: 'read', method: 'POST', json: { text: 'a' } })).body.error.code).toBe('FORBIDDEN')
    expect((await send(`/v1/rooms/${roomId}/outbound`, { key: 'none', method: 'POST', json: { text: 'a' } })).status).toBe(401)
    expect((await gw.messaging.listMessages(roomId, { limit: 1000 })).messages.length).toBe(before)
  })
})
