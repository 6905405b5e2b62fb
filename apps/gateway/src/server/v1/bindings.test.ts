import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../../test/harness.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

const SECRET = 'topology-secret-91b3f'
const hook = (id: string) => ({ id, adapter: 'webhook', credentials: { secret: SECRET }, options: { outboundUrl: 'http://127.0.0.1:9/in' } })

describe('/v1 room bindings and bridge rooms', () => {
  let gw: TestGateway
  const send = async (path: string, init: Parameters<TestGateway['call']>[1] = {}) => {
    const res = await gw.call(path, init)
    const text = await res.text()
    expect(text).not.toContain(SECRET)
    return { status: res.status, body: JSON.parse(text) as Json }
  }

  beforeAll(async () => {
    gw = await startTestGateway()
    await gw.messaging.putBridgeConfig(hook('hook'))
  })
  afterAll(async () => gw?.close())

  it('binds a room (channel taken from the bridge), lists and unbinds', async () => {
    const room = (await gw.messaging.createRoom({ name: 'bound' })).id
    const created = await send(`/v1/rooms/${room}/bindings`, { method: 'POST', json: { bridgeId: 'hook', externalRoomId: 'ext-1', direction: 'outbound' } })
    expect(created).toMatchObject({ status: 201, body: { roomId: room, channel: 'webhook', bridgeId: 'hook', externalRoomId: 'ext-1', direction: 'outbound', enabled: true } })
    expect((await gw.messaging.getRoomByExternalBinding('webhook', 'hook', 'ext-1'))?.id).toBe(room)
    expect((await send(`/v1/rooms/${room}/bindings`, { key: 'read' })).body.bindings.map((b: Json) => b.id)).toEqual([created.body.id])

    const other = (await gw.messaging.createRoom({ name: 'other' })).id
    const taken = await send(`/v1/rooms/${other}/bindings`, { method: 'POST', json: { channel: 'webhook', bridgeId: 'hook', externalRoomId: 'ext-1' } })
    expect(taken).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT' } } })
    expect((await send(`/v1/rooms/${other}/bindings/${created.body.id}`, { method: 'DELETE' })).body).toEqual({ deleted: false })
    expect(await gw.messaging.listRoomBindings(room)).toHaveLength(1)

    expect((await send(`/v1/rooms/${room}/bindings/${created.body.id}`, { method: 'DELETE' })).body).toEqual({ deleted: true })
    expect(await gw.messaging.listRoomBindings(room)).toEqual([])
  })

  it('refuses bad bindings, unknown rooms and bridges, and read keys, binding nothing', async () => {
    const room = (await gw.messaging.createRoom({ name: 'strict' })).id
    for (const json of [{ bridgeId: 'hook' }, { bridgeId: 'hook', externalRoomId: 'x', direction: 'sideways' }, { bridgeId: 'hook', externalRoomId: 'x', colour: 1 }, { bridgeId: 7, externalRoomId: 'x' }]) {
      expect(await send(`/v1/rooms/${room}/bindings`, { method: 'POST', json }), JSON.stringify(json)).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION', message: expect.any(String) } } })
    }
    expect((await send(`/v1/rooms/${room}/bindings`, { method: 'POST', json: { bridgeId: 'nope', externalRoomId: 'x' } })).body.error.code).toBe('BRIDGE_NOT_FOUND')
    expect((await send('/v1/rooms/room_nope/bindings', { method: 'POST', json: { bridgeId: 'hook', externalRoomId: 'x' } })).body.error.code).toBe('NOT_FOUND')
    expect((await send('/v1/rooms/room_nope/bindings', { key: 'read' })).status).toBe(404)
    expect((await send(`/v1/rooms/${room}/bindings`, { key: 'read', method: 'POST', json: { bridgeId: 'hook', externalRoomId: 'x' } })).body.error.code).toBe('FORBIDDEN')
    expect((await send(`/v1/rooms/${room}/bindings`, { key: 'none' })).status).toBe(401)
    expect(await gw.messaging.listRoomBindings(room)).toEqual([])
  })

  it('ensures a bridge room with its configs, bindings and policy, idempotently', async () => {
    const spec = {
      roomName: 'Ops', roomType: 'channel',
      bridgeConfigs: [hook('hook-2')],
      bindings: [{ channel: 'webhook', bridgeId: 'hook-2', externalRoomId: 'ops' }, { channel: 'webhook', bridgeId: 'hook', externalRoomId: 'ops' }],
      routingPolicy: { deliveryMode: 'broadcast' },
    }
    const first = await send('/v1/bridge-rooms', { method: 'POST', json: spec })
    expect(first).toMatchObject({ status: 200, body: { name: 'Ops', type: 'channel' } })
    const room = first.body.id
    expect((await send(`/v1/rooms/${room}/bindings`, { key: 'read' })).body.bindings).toHaveLength(2)
    expect((await send(`/v1/rooms/${room}/routing-policy`, { key: 'read' })).body).toMatchObject({ roomId: room, deliveryMode: 'broadcast' })
    expect((await send('/v1/bridges/hook-2', { key: 'read' })).body.credentials).toEqual({ secret: '[redacted]' })
    expect((await send('/v1/bridge-rooms', { method: 'POST', json: spec })).body.id).toBe(room)
    expect(await gw.messaging.listRoomBindings(room)).toHaveLength(2)
  })

  it('answers a bad topology with TOPOLOGY listing every problem, changing nothing', async () => {
    const spec = {
      roomId: 'topo-room',
      bindings: [{ channel: 'webhook', bridgeId: 'missing', externalRoomId: 'a' }, { channel: 'webhook', bridgeId: 'hook', externalRoomId: 'ops' }],
    }
    const res = await send('/v1/bridge-rooms', { method: 'POST', json: spec })
    expect(res).toMatchObject({ status: 409, body: { error: { code: 'TOPOLOGY', message: expect.any(String) } } })
    expect(res.body.error.details.issues.map((i: Json) => i.kind).sort()).toEqual(['binding_conflict', 'unknown_bridge'])
    expect(await gw.messaging.getRoom('topo-room')).toBeNull()
    expect((await send('/v1/bridge-rooms', { method: 'POST', json: { bindings: [] } })).body.error.code).toBe('VALIDATION')
    expect((await send('/v1/bridge-rooms', { key: 'read', method: 'POST', json: spec })).status).toBe(403)
  })
})
