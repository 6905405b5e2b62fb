import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../../test/harness.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

describe('/v1 threads and timeline', () => {
  let gw: TestGateway
  let roomId: string
  const send = async (path: string, init: Parameters<TestGateway['call']>[1] = {}) => {
    const res = await gw.call(path, init)
    return { status: res.status, body: (await res.json()) as Json }
  }
  const post = async (json: unknown) => (await send(`/v1/rooms/${roomId}/messages`, { method: 'POST', json })).body

  beforeAll(async () => {
    gw = await startTestGateway()
    roomId = (await gw.messaging.createRoom({ name: 'threads' })).id
  })
  afterAll(async () => gw?.close())

  it('opens threads, lists them by status with a cursor, and gets one', async () => {
    const root = await post({ text: 'root' })
    const a = await send(`/v1/rooms/${roomId}/threads`, { method: 'POST', json: { rootMessageId: root.id, metadata: { topic: 'a' } } })
    expect(a).toMatchObject({ status: 201, body: { roomId, rootMessageId: root.id, status: 'active', metadata: { topic: 'a' } } })
    const b = await send(`/v1/rooms/${roomId}/threads`, { method: 'POST', json: { status: 'archived', externalThreadId: 'ext-b' } })
    expect(b.status).toBe(201)
    expect(await gw.messaging.getThread(b.body.id)).toMatchObject({ externalThreadId: 'ext-b' })

    const first = await send(`/v1/rooms/${roomId}/threads?limit=1`, { key: 'read' })
    expect(first.body.threads.map((t: Json) => t.id)).toEqual([a.body.id])
    const second = await send(`/v1/rooms/${roomId}/threads?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`, { key: 'read' })
    expect(second.body.threads.map((t: Json) => t.id)).toEqual([b.body.id])
    const archived = await send(`/v1/rooms/${roomId}/threads?status=archived`, { key: 'read' })
    expect(archived.body).toEqual({ threads: [expect.objectContaining({ id: b.body.id })], nextCursor: null })

    expect(await send(`/v1/threads/${a.body.id}`, { key: 'read' })).toMatchObject({ status: 200, body: { id: a.body.id } })
    expect(await send('/v1/threads/thread_nope', { key: 'read' })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } })
  })

  it('gives the timeline: top-level messages with their threads\' replies and counts', async () => {
    const room = (await gw.messaging.createRoom({ name: 'timeline' })).id
    const say = async (json: unknown) => (await send(`/v1/rooms/${room}/messages`, { method: 'POST', json })).body
    const root = await say({ text: 'question' })
    const thread = (await send(`/v1/rooms/${room}/threads`, { method: 'POST', json: { rootMessageId: root.id } })).body
    const replies = [await say({ text: 'r1', threadId: thread.id }), await say({ text: 'r2', threadId: thread.id })]
    const top = await say({ text: 'next topic' })

    const timeline = await send(`/v1/rooms/${room}/timeline?repliesLimit=1`, { key: 'read' })
    expect(timeline.status).toBe(200)
    expect(timeline.body.timeline.map((m: Json) => m.id)).toEqual([root.id, top.id])
    expect(timeline.body.threads[root.id].map((m: Json) => m.id)).toEqual([replies[1].id])
    expect(timeline.body.replyCounts).toEqual({ [root.id]: 2 })
    expect(timeline.body).toMatchObject({ hasMoreBefore: false, hasMoreAfter: false })
    const older = await send(`/v1/rooms/${room}/timeline?before=${top.id}`, { key: 'read' })
    expect(older.body.timeline.map((m: Json) => m.id)).toEqual([root.id])
    expect((await send('/v1/rooms/room_nope/timeline', { key: 'read' })).status).toBe(404)
  })

  it('refuses bad input, an unknown room or root, and a read key, creating nothing', async () => {
    const count = async () => (await gw.messaging.listThreads(roomId, { limit: 1000 })).threads.length
    const before = await count()
    for (const json of [{ status: 'open' }, { rootMessageId: 5 }, { roomId: 'x' }, { assignedAgentId: 'a' }]) {
      const res = await send(`/v1/rooms/${roomId}/threads`, { method: 'POST', json })
      expect(res, JSON.stringify(json)).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION', message: expect.any(String) } } })
    }
    expect((await send(`/v1/rooms/${roomId}/threads`, { method: 'POST', json: { rootMessageId: 'msg_nope' } })).body.error.code).toBe('NOT_FOUND')
    expect((await send('/v1/rooms/room_nope/threads', { method: 'POST', json: {} })).body.error.code).toBe('NOT_FOUND')
    expect((await send(`/v1/rooms/${roomId}/threads`, { key: 'read', method: 'POST', json: {} })).body.error.code).toBe('FORBIDDEN')
    expect((await send(`/v1/rooms/${roomId}/threads`, { key: 'none' })).status).toBe(401)
    expect((await send(`/v1/rooms/${roomId}/threads?status=open`, { key: 'read' })).status).toBe(400)
    expect((await send('/v1/rooms/room_nope/threads', { key: 'read' })).status).toBe(404)
    expect(await count()).toBe(before)
  })
})
