import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../../test/harness.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

describe('/v1 participants and their room events', () => {
  let gw: TestGateway
  let roomId: string
  const send = async (path: string, init: Parameters<TestGateway['call']>[1] = {}) => {
    const res = await gw.call(path, init)
    return { status: res.status, body: (await res.json()) as Json }
  }
  const types = (body: Json) => body.signals.map((s: Json) => s.type)

  beforeAll(async () => {
    gw = await startTestGateway()
    roomId = (await gw.messaging.createRoom({ name: 'people' })).id
  })
  afterAll(async () => gw?.close())

  it('creates and gets a participant', async () => {
    const created = await send('/v1/participants', { method: 'POST', json: { identity: { name: 'Ada', username: 'ada' }, externalIds: { webhook: 'u-ada' } } })
    expect(created).toMatchObject({ status: 201, body: { type: 'human', presence: 'offline', identity: { name: 'Ada' }, externalIds: { webhook: 'u-ada' } } })
    expect(await gw.messaging.getParticipant(created.body.id)).toMatchObject({ identity: { name: 'Ada' } })
    expect(await send(`/v1/participants/${created.body.id}`, { key: 'read' })).toMatchObject({ status: 200, body: { id: created.body.id } })
    expect(await send('/v1/participants/p_nope', { key: 'read' })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } })
    const taken = await send('/v1/participants', { method: 'POST', json: { externalIds: { webhook: 'u-ada' } } })
    expect(taken).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT' } } })
  })

  it('announces joined (once), presence, typing and left', async () => {
    const p = (await send('/v1/participants', { method: 'POST', json: { identity: { name: 'Bo' } } })).body
    const base = `/v1/rooms/${roomId}/participants/${p.id}`
    const joined = await send(`${base}/joined`, { method: 'POST', json: { metadata: { via: 'api' } } })
    expect(joined.status).toBe(200)
    expect(types(joined.body)).toEqual(['jido.messaging.room.participant_joined'])
    expect(types((await send(`${base}/joined`, { method: 'POST' })).body)).toEqual([])

    const online = await send(`${base}/presence`, { method: 'POST', json: { presence: 'online' } })
    expect(online.body.signals[0]).toMatchObject({ type: 'jido.messaging.participant.presence_changed', data: { from: 'offline', to: 'online' } })
    expect((await gw.messaging.getParticipant(p.id))?.presence).toBe('online')
    expect(types((await send(`${base}/presence`, { method: 'POST', json: { presence: 'online' } })).body)).toEqual([])

    const typing = await send(`${base}/typing`, { method: 'POST', json: { isTyping: true } })
    expect(typing.body.signals[0]).toMatchObject({ type: 'jido.messaging.participant.typing', data: { isTyping: true, participantId: p.id } })
    expect(types((await send(`${base}/left`, { method: 'POST', json: {} })).body)).toEqual(['jido.messaging.room.participant_left'])

    const journal = await gw.messaging.readSignals({ roomId })
    expect(journal.signals.map((s) => s.type)).toEqual([
      'jido.messaging.room.participant_joined', 'jido.messaging.participant.presence_changed', 'jido.messaging.room.participant_left',
    ])
  })

  it('refuses bad input, unknown rooms and read keys, changing nothing', async () => {
    const p = await gw.messaging.createParticipant({ identity: { name: 'Cy' } })
    const base = `/v1/rooms/${roomId}/participants/${p.id}`
    const bad: Array<[string, unknown]> = [
      [`${base}/presence`, { presence: 'sleeping' }],
      [`${base}/presence`, {}],
      [`${base}/typing`, { isTyping: 'yes' }],
      [`${base}/joined`, { metadata: 'x' }],
      [`${base}/joined`, { extra: true }],
    ]
    for (const [path, json] of bad) {
      expect(await send(path, { method: 'POST', json }), `${path} ${JSON.stringify(json)}`).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION', message: expect.any(String) } } })
    }
    expect((await send(`/v1/rooms/room_nope/participants/${p.id}/joined`, { method: 'POST' })).body.error.code).toBe('NOT_FOUND')
    expect((await send(`${base}/presence`, { key: 'read', method: 'POST', json: { presence: 'busy' } })).body.error.code).toBe('FORBIDDEN')
    expect((await send('/v1/participants', { key: 'read', method: 'POST', json: {} })).status).toBe(403)
    expect((await send(`/v1/participants/${p.id}`, { key: 'none' })).status).toBe(401)
    for (const json of [{ type: 'robot' }, { identity: 'x' }, { nickname: 'x' }]) {
      expect((await send('/v1/participants', { method: 'POST', json })).status, JSON.stringify(json)).toBe(400)
    }
    expect((await gw.messaging.getParticipant(p.id))?.presence).toBe('offline')
    expect((await gw.messaging.readSignals({ roomId, pattern: 'jido.messaging.**' })).signals.filter((s) => (s.data as Json).participantId === p.id)).toEqual([])
  })
})
