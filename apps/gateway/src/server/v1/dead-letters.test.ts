import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../../test/harness.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

/** A webhook receiver that refuses every send with a 400 (terminal: a dead letter) until told to accept. */
async function startReceiver() {
  const state = { accept: false, received: [] as Json[] }
  const server = createServer((req, res) => {
    let raw = ''
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()))
    req.on('end', () => {
      state.received.push(JSON.parse(raw))
      if (state.accept) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: `ext-${state.received.length}` }))
      else res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"no such room"}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/in`
  return { url, state, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

describe('/v1/dead-letters', () => {
  let gw: TestGateway
  let receiver: Awaited<ReturnType<typeof startReceiver>>
  let roomId: string
  const send = async (path: string, init: Parameters<TestGateway['call']>[1] = {}) => {
    const res = await gw.call(path, init)
    return { status: res.status, body: (await res.json()) as Json }
  }
  const active = async () => (await gw.messaging.listDeadLetters({ status: 'active' })).deadLetters

  beforeAll(async () => {
    receiver = await startReceiver()
    gw = await startTestGateway()
  })
  afterAll(async () => {
    await gw?.close()
    await receiver?.close()
  })

  it('turns sends the receiver refuses (400) into dead letters', async () => {
    expect((await send('/v1/bridges/hook', { method: 'PUT', json: { adapter: 'webhook', credentials: { secret: 'dead-letter-secret-1' }, options: { outboundUrl: receiver.url } } })).status).toBe(200)
    roomId = (await send('/v1/rooms', { method: 'POST', json: { name: 'refused' } })).body.id
    expect((await send(`/v1/rooms/${roomId}/bindings`, { method: 'POST', json: { bridgeId: 'hook', externalRoomId: 'nowhere' } })).status).toBe(201)
    for (const text of ['one', 'two', 'three']) expect((await send(`/v1/rooms/${roomId}/messages`, { method: 'POST', json: { text } })).status).toBe(201)
    await expect.poll(async () => (await active()).length, { timeout: 20_000, interval: 100 }).toBe(3)
    expect(receiver.state.received.map((r: Json) => r.text)).toEqual(['one', 'two', 'three'])
  })

  it('lists dead letters newest first, paged by cursor and filtered by status', async () => {
    const first = await send('/v1/dead-letters?limit=2', { key: 'read' })
    expect(first.status).toBe(200)
    expect(first.body.deadLetters).toHaveLength(2)
    expect(first.body.deadLetters[0]).toMatchObject({ roomId, bridgeId: 'hook', externalRoomId: 'nowhere', status: 'active', reason: expect.any(String) })
    expect(first.body.nextCursor).toEqual(expect.any(String))
    const second = await send(`/v1/dead-letters?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`, { key: 'read' })
    expect(second.body).toMatchObject({ deadLetters: [expect.any(Object)], nextCursor: null })
    const ids = [...first.body.deadLetters, ...second.body.deadLetters].map((d: Json) => d.id)
    expect(new Set(ids).size).toBe(3)
    const messages = (await gw.messaging.listMessages(roomId)).messages.map((m) => m.id)
    expect([...first.body.deadLetters, ...second.body.deadLetters].map((d: Json) => d.messageId)).toEqual([...messages].reverse())
    expect((await send('/v1/dead-letters?status=archived', { key: 'read' })).body).toEqual({ deadLetters: [], nextCursor: null })
    const one = await send(`/v1/dead-letters/${ids[0]}`, { key: 'read' })
    expect(one).toMatchObject({ status: 200, body: { id: ids[0] } })
  })

  it('refuses bad input, read keys and missing keys, changing nothing', async () => {
    const [dl] = await active()
    for (const q of ['status=bogus', 'limit=0', 'limit=x']) {
      expect(await send(`/v1/dead-letters?${q}`, { key: 'read' }), q).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION', message: expect.any(String) } } })
    }
    expect((await send('/v1/dead-letters?cursor=not-a-cursor', { key: 'read' })).status).toBe(400)
    for (const json of [{ status: 'gone' }, { olderThanMs: -1 }, { olderThanMs: '1' }, { everything: true }]) {
      expect((await send('/v1/dead-letters/purge', { method: 'POST', json })).body.error.code, JSON.stringify(json)).toBe('VALIDATION')
    }
    for (const action of ['replay', 'archive']) {
      expect((await send(`/v1/dead-letters/${dl!.id}/${action}`, { key: 'read', method: 'POST' })).body.error.code).toBe('FORBIDDEN')
      expect((await send(`/v1/dead-letters/dl_nope/${action}`, { method: 'POST' })).body.error.code).toBe('NOT_FOUND')
    }
    expect((await send('/v1/dead-letters/purge', { key: 'read', method: 'POST', json: {} })).body.error.code).toBe('FORBIDDEN')
    expect((await send('/v1/dead-letters', { key: 'none' })).status).toBe(401)
    expect(await send('/v1/dead-letters/dl_nope', { key: 'read' })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } })
    expect(await active()).toHaveLength(3)
  })

  it('archives, replays with the same delivery id, and purges', async () => {
    const [a, b] = await active()
    const archived = await send(`/v1/dead-letters/${a!.id}/archive`, { method: 'POST' })
    expect(archived).toMatchObject({ status: 200, body: { id: a!.id, status: 'archived' } })
    expect((await send('/v1/dead-letters?status=archived', { key: 'read' })).body.deadLetters.map((d: Json) => d.id)).toEqual([a!.id])
    expect(await send(`/v1/dead-letters/${a!.id}/replay`, { method: 'POST' })).toMatchObject({ status: 409, body: { error: { code: 'INVALID_TRANSITION' } } })

    receiver.state.accept = true
    const replayed = await send(`/v1/dead-letters/${b!.id}/replay`, { method: 'POST' })
    expect(replayed).toMatchObject({ status: 200, body: { deadLetter: { id: b!.id, status: 'replayed' }, delivery: { id: b!.deliveryId } } })
    expect(replayed.body.delivery).not.toHaveProperty('text')
    // the refused first attempt and the replay carry one delivery id, so the receiver can deduplicate
    await expect.poll(() => receiver.state.received.filter((r: Json) => r.deliveryId === b!.deliveryId).length, { timeout: 10_000 }).toBe(2)
    await expect.poll(async () => (await gw.messaging.getMessage(b!.messageId))?.status, { timeout: 10_000 }).toBe('sent')

    expect((await send('/v1/dead-letters/purge', { method: 'POST', json: { status: 'archived' } })).body).toEqual({ purged: 1 })
    expect(await gw.messaging.getDeadLetter(a!.id)).toBeNull()
    expect(await gw.messaging.getDeadLetter(b!.id)).toMatchObject({ status: 'replayed' })
    expect((await send('/v1/dead-letters/purge', { method: 'POST', json: { status: 'archived' } })).body).toEqual({ purged: 0 })
  })
})
