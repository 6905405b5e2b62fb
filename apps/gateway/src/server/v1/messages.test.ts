import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../../test/harness.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

describe('/v1 messages', () => {
  let gw: TestGateway
  let roomId: string
  const send = async (path: string, init: Parameters<TestGateway['call']>[1] = {}) => {
    const res = await gw.call(path, init)
    return { status: res.status, body: (await res.json()) as Json }
  }
  const post = (json: unknown, key: 'admin' | 'read' = 'admin') => send(`/v1/rooms/${roomId}/messages`, { key, method: 'POST', json })
  const stored = async () => (await gw.messaging.listMessages(roomId, { limit: 1000 })).messages

  beforeAll(async () => {
    gw = await startTestGateway()
    roomId = (await gw.messaging.createRoom({ name: 'chat' })).id
  })
  afterAll(async () => gw?.close())

  it('posts text as the API key\'s participant, and content blocks as a given sender; the list shows both', async () => {
    const first = await post({ text: 'Hello!' })
    expect(first.status).toBe(201)
    expect(first.body).toMatchObject({ roomId, role: 'user', status: 'sent', content: [{ type: 'text', text: 'Hello!' }] })
    const sender = await send(`/v1/participants/${first.body.senderId}`, { key: 'read' })
    expect(sender.body).toMatchObject({ type: 'system', externalIds: { api: 'admin' } })
    expect((await post({ text: 'again' })).body.senderId).toBe(first.body.senderId)

    const blocks = [{ type: 'text', text: 'see' }, { type: 'image', url: 'https://example.com/a.png', altText: 'a' }]
    const second = await post({ content: blocks, senderId: 'bot_1', role: 'assistant', metadata: { k: 1 } })
    expect(second.body).toMatchObject({ senderId: 'bot_1', role: 'assistant', content: blocks, metadata: { k: 1 } })
    const signals = await gw.messaging.readSignals({ pattern: 'jido.messaging.room.message_added', roomId })
    expect(signals.signals.map((s) => (s.data as Json).messageId)).toContain(second.body.id)

    const list = await send(`/v1/rooms/${roomId}/messages`, { key: 'read' })
    expect(list.status).toBe(200)
    expect(list.body.messages.map((m: Json) => m.id)).toEqual((await stored()).map((m) => m.id))
    expect(list.body.messages.at(-1).id).toBe(second.body.id)
    expect(await send(`/v1/messages/${second.body.id}`, { key: 'read' })).toMatchObject({ status: 200, body: { id: second.body.id } })
    expect(await send('/v1/messages/msg_nope', { key: 'read' })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } })
  })

  it('pages with before/after and says whether there is more on each side', async () => {
    const room = (await gw.messaging.createRoom({ name: 'paging' })).id
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await send(`/v1/rooms/${room}/messages`, { method: 'POST', json: { text: `m${i}` } })).body.id)
    const page = async (q: string) => (await send(`/v1/rooms/${room}/messages?${q}`, { key: 'read' })).body
    const ofPage = (p: Json) => ({ ids: p.messages.map((m: Json) => m.id), before: p.hasMoreBefore, after: p.hasMoreAfter })

    expect(ofPage(await page('limit=2'))).toEqual({ ids: ids.slice(3), before: true, after: false })
    expect(ofPage(await page(`limit=2&before=${ids[3]}`))).toEqual({ ids: ids.slice(1, 3), before: true, after: true })
    expect(ofPage(await page(`limit=2&before=${ids[1]}`))).toEqual({ ids: ids.slice(0, 1), before: false, after: true })
    expect(ofPage(await page(`limit=2&after=${ids[0]}`))).toEqual({ ids: ids.slice(1, 3), before: true, after: true })
    expect(ofPage(await page(`limit=10&after=${ids[2]}`))).toEqual({ ids: ids.slice(3), before: true, after: false })
    expect((await page(`before=${ids[1]}&after=${ids[0]}`)).error.code).toBe('INVALID_CURSOR')
    expect((await page('before=msg_unknown')).error.code).toBe('INVALID_CURSOR')
    expect((await page(`before=${ids[0]}`)).messages).toEqual([])
    expect(await send('/v1/rooms/room_unknown/messages', { key: 'read' })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } })
  })

  it('posts into a thread and as a reply; threadId filters the list', async () => {
    const root = (await post({ text: 'root' })).body
    const thread = await send(`/v1/rooms/${roomId}/threads`, { method: 'POST', json: { rootMessageId: root.id } })
    expect(thread.status).toBe(201)
    const reply = await post({ text: 'in thread', threadId: thread.body.id, replyToId: root.id })
    expect(reply.body).toMatchObject({ threadId: thread.body.id, replyToId: root.id })
    const list = await send(`/v1/rooms/${roomId}/messages?threadId=${thread.body.id}`, { key: 'read' })
    expect(list.body.messages.map((m: Json) => m.id)).toEqual([reply.body.id])
    expect((await post({ text: 'x', threadId: 'thread_nope' })).body.error.code).toBe('NOT_FOUND')
    expect((await post({ text: 'x', replyToId: 'msg_nope' })).body.error.code).toBe('NOT_FOUND')
  })

  it('edits, reacts, marks read and delivered, and deletes through the eventful commands', async () => {
    const message = (await post({ text: 'draft' })).body
    const edited = await send(`/v1/messages/${message.id}`, { method: 'PATCH', json: { text: 'final' } })
    expect(edited.body).toMatchObject({ content: [{ type: 'text', text: 'final' }], metadata: { editedAt: expect.any(String) } })
    expect((await gw.messaging.getMessage(message.id))?.content).toEqual([{ type: 'text', text: 'final' }])
    const editSignals = await gw.messaging.readSignals({ pattern: 'jido.messaging.message.edited', roomId })
    expect(editSignals.signals.map((s) => (s.data as Json).messageId)).toEqual([message.id])

    const reacted = await send(`/v1/messages/${message.id}/reactions`, { method: 'POST', json: { reaction: '👍' } })
    expect(reacted.body.reactions).toEqual({ '👍': [message.senderId] })
    const other = await send(`/v1/messages/${message.id}/reactions`, { method: 'POST', json: { reaction: '👍', participantId: 'p_other' } })
    expect(other.body.reactions['👍']).toEqual([message.senderId, 'p_other'].sort())
    const removed = await send(`/v1/messages/${message.id}/reactions/${encodeURIComponent('👍')}`, { method: 'DELETE' })
    expect(removed.body.reactions).toEqual({ '👍': ['p_other'] })

    const delivered = await send(`/v1/messages/${message.id}/delivered`, { method: 'POST', json: { participantId: 'p_other' } })
    expect(delivered.body).toMatchObject({ status: 'delivered', receipts: { p_other: { deliveredAt: expect.any(String) } } })
    const read = await send(`/v1/messages/${message.id}/read`, { method: 'POST' })
    expect(read.body).toMatchObject({ status: 'read', receipts: { [message.senderId]: { readAt: expect.any(String) } } })

    expect(await send(`/v1/messages/${message.id}`, { method: 'DELETE' })).toEqual({ status: 200, body: { deleted: true } })
    expect(await gw.messaging.getMessage(message.id)).toBeNull()
    expect((await gw.messaging.readSignals({ pattern: 'jido.messaging.message.deleted', roomId })).signals).toHaveLength(1)
    expect(await send(`/v1/messages/${message.id}`, { method: 'DELETE' })).toEqual({ status: 200, body: { deleted: false } })
    expect((await send(`/v1/messages/${message.id}`, { method: 'PATCH', json: { text: 'x' } })).status).toBe(404)
    expect((await send(`/v1/messages/${message.id}/reactions`, { method: 'POST', json: { reaction: 'x' } })).status).toBe(404)
  })

  it('refuses bad input, read keys and missing keys, storing nothing', async () => {
    const count = (await stored()).length
    const bad: Array<[unknown, string]> = [
      [{}, 'VALIDATION'],
      [{ text: 'a', content: [{ type: 'text', text: 'a' }] }, 'VALIDATION'],
      [{ text: 5 }, 'VALIDATION'],
      [{ text: '' }, 'VALIDATION'],
      [{ text: 'a', role: 'boss' }, 'VALIDATION'],
      [{ content: [{ type: 'image' }] }, 'VALIDATION'],
      [{ content: [{ type: 'sticker', id: 1 }] }, 'VALIDATION'],
      [{ text: 'a', roomId: 'other' }, 'VALIDATION'],
      [{ text: 'a', status: 'sending' }, 'VALIDATION'],
    ]
    for (const [json, code] of bad) {
      const res = await post(json)
      expect(res.status, JSON.stringify(json)).toBe(400)
      expect(res.body, JSON.stringify(json)).toMatchObject({ error: { code, message: expect.any(String) } })
    }
    const malformed = await send(`/v1/rooms/${roomId}/messages`, { method: 'POST', body: '{"text":', headers: { 'content-type': 'application/json' } })
    expect(malformed).toMatchObject({ status: 400, body: { error: { code: 'INVALID_JSON' } } })
    expect(await send('/v1/rooms/room_unknown/messages', { method: 'POST', json: { text: 'a' } })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } })
    expect(await post({ text: 'a' }, 'read')).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } })
    expect((await send(`/v1/rooms/${roomId}/messages`, { key: 'none', method: 'POST', json: { text: 'a' } })).status).toBe(401)
    expect((await send(`/v1/rooms/${roomId}/messages`, { key: 'none' })).status).toBe(401)
    expect((await stored()).length).toBe(count)

    const message = (await stored())[0]!
    expect((await send(`/v1/messages/${message.id}`, { method: 'PATCH', json: { text: 'x', extra: 1 } })).status).toBe(400)
    expect((await send(`/v1/messages/${message.id}`, { key: 'read', method: 'PATCH', json: { text: 'x' } })).status).toBe(403)
    expect((await send(`/v1/messages/${message.id}`, { key: 'read', method: 'DELETE' })).status).toBe(403)
    expect((await send(`/v1/messages/${message.id}/reactions`, { method: 'POST', json: { reaction: '' } })).status).toBe(400)
    expect(await gw.messaging.getMessage(message.id)).toEqual(message)
  })
})
