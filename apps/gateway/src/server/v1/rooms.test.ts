import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../../test/harness.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

describe('/v1/rooms', () => {
  let gw: TestGateway
  const send = async (path: string, init: Parameters<TestGateway['call']>[1] = {}) => {
    const res = await gw.call(path, init)
    return { status: res.status, body: (await res.json()) as Json }
  }
  const roomCount = async () => (await gw.messaging.listRooms({ limit: 1000 })).rooms.length

  beforeAll(async () => {
    gw = await startTestGateway()
  })
  afterAll(async () => gw?.close())

  it('creates, gets, lists and deletes a room', async () => {
    const created = await send('/v1/rooms', { method: 'POST', json: { name: 'Support', type: 'channel', metadata: { team: 'a' } } })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ id: expect.any(String), name: 'Support', type: 'channel', metadata: { team: 'a' } })
    const id = created.body.id as string
    expect(await gw.messaging.getRoom(id)).toMatchObject({ name: 'Support' })

    expect(await send(`/v1/rooms/${id}`, { key: 'read' })).toMatchObject({ status: 200, body: { id, name: 'Support' } })
    const list = await send('/v1/rooms', { key: 'read' })
    expect(list.body.rooms.map((r: Json) => r.id)).toContain(id)

    expect(await send(`/v1/rooms/${id}`, { method: 'DELETE' })).toEqual({ status: 200, body: { deleted: true } })
    expect(await gw.messaging.getRoom(id)).toBeNull()
    expect(await send(`/v1/rooms/${id}`, { key: 'read' })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND', message: expect.any(String) } } })
    expect(await send(`/v1/rooms/${id}`, { method: 'DELETE' })).toEqual({ status: 200, body: { deleted: false } })
  })

  it('pages rooms by cursor, oldest first', async () => {
    const ids: string[] = []
    for (const name of ['p1', 'p2', 'p3']) ids.push((await send('/v1/rooms', { method: 'POST', json: { name } })).body.id)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: { status: number; body: Json } = await send(`/v1/rooms?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { key: 'read' })
      expect(page.status).toBe(200)
      expect(page.body.rooms.length).toBeLessThanOrEqual(2)
      seen.push(...page.body.rooms.map((r: Json) => r.id))
      cursor = page.body.nextCursor
    } while (cursor !== null)
    expect(seen.filter((id) => ids.includes(id))).toEqual(ids)
    expect(new Set(seen).size).toBe(seen.length)
  })

  it('refuses writes with a read key (403) and calls without a key (401), changing nothing', async () => {
    const before = await roomCount()
    expect(await send('/v1/rooms', { key: 'read', method: 'POST', json: { name: 'nope' } })).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN', message: expect.any(String) } } })
    expect(await send('/v1/rooms', { key: 'none', method: 'POST', json: { name: 'nope' } })).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } })
    expect(await send('/v1/rooms', { key: 'none' })).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } })
    const room = await gw.messaging.createRoom({ name: 'keep' })
    expect((await send(`/v1/rooms/${room.id}`, { key: 'read', method: 'DELETE' })).status).toBe(403)
    expect(await gw.messaging.getRoom(room.id)).not.toBeNull()
    expect(await roomCount()).toBe(before + 1)
  })

  it('answers bad input with a 4xx {error: {code, message}} and stores nothing', async () => {
    const before = await roomCount()
    const bad: Array<[Parameters<TestGateway['call']>[1], number, string]> = [
      [{ method: 'POST', json: { name: 5 } }, 400, 'VALIDATION'],
      [{ method: 'POST', json: { type: 'lobby' } }, 400, 'VALIDATION'],
      [{ method: 'POST', json: { name: 'x', colour: 'red' } }, 400, 'VALIDATION'],
      [{ method: 'POST', json: { name: 'x', externalBindings: { webhook: { b: 'r' } } } }, 400, 'VALIDATION'],
      [{ method: 'POST', json: [1, 2] }, 400, 'VALIDATION'],
      [{ method: 'POST', body: '{"name": "x"', headers: { 'content-type': 'application/json' } }, 400, 'INVALID_JSON'],
      [{ method: 'POST', body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ]
    for (const [init, status, code] of bad) {
      const res = await send('/v1/rooms', init)
      expect(res.status, JSON.stringify(init)).toBe(status)
      expect(res.body, JSON.stringify(init)).toMatchObject({ error: { code, message: expect.any(String) } })
    }
    expect(await roomCount()).toBe(before)
    expect((await send('/v1/rooms?limit=0', { key: 'read' })).body.error.code).toBe('VALIDATION')
    expect((await send('/v1/rooms?limit=abc', { key: 'read' })).status).toBe(400)
    expect((await send(`/v1/rooms/${'r'.repeat(300)}`, { key: 'read' })).body.error.code).toBe('VALIDATION')
  })

  it('dispatches a custom room event as a committed signal', async () => {
    const room = await gw.messaging.createRoom({ name: 'events' })
    const res = await send(`/v1/rooms/${room.id}/events`, { method: 'POST', json: { event: 'order.shipped', data: { orderId: 7 } } })
    expect(res.status).toBe(200)
    expect(res.body.signal).toMatchObject({ type: 'jido.messaging.room.order.shipped', subject: room.id, data: { orderId: 7, roomId: room.id } })
    const journal = await gw.messaging.readSignals({ pattern: 'jido.messaging.room.order.shipped', roomId: room.id })
    expect(journal.signals.map((s) => s.id)).toEqual([res.body.signal.id])

    expect((await send(`/v1/rooms/${room.id}/events`, { method: 'POST', json: { event: 'message_added' } })).body.error.code).toBe('VALIDATION')
    expect((await send(`/v1/rooms/${room.id}/events`, { method: 'POST', json: { event: 'Bad Name!' } })).status).toBe(400)
    expect((await send(`/v1/rooms/${room.id}/events`, { method: 'POST', json: { event: 'x', data: 'str' } })).status).toBe(400)
    expect(await send('/v1/rooms/no_such_room/events', { method: 'POST', json: { event: 'x' } })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } })
    expect((await send(`/v1/rooms/${room.id}/events`, { key: 'read', method: 'POST', json: { event: 'x' } })).status).toBe(403)
    expect((await gw.messaging.readSignals({ pattern: 'jido.messaging.room.x', roomId: room.id })).signals).toEqual([])
  })
})
