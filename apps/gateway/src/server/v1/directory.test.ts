import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../../test/harness.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

describe('/v1/directory', () => {
  let gw: TestGateway
  const ids: Record<string, string> = {}
  const send = async (path: string, init: Parameters<TestGateway['call']>[1] = {}) => {
    const res = await gw.call(path, { key: 'read', ...init })
    return { status: res.status, body: (await res.json()) as Json }
  }

  beforeAll(async () => {
    gw = await startTestGateway()
    for (const [name, ext] of [['Alice Smith', 'u-alice'], ['Alicia Keys', 'u-alicia'], ['Bob', 'u-bob']] as const) {
      ids[name] = (await send('/v1/participants', { key: 'admin', method: 'POST', json: { identity: { name }, externalIds: { webhook: ext } } })).body.id
    }
    const room = (await send('/v1/rooms', { key: 'admin', method: 'POST', json: { name: 'Sales floor' } })).body.id
    ids['room'] = room
    await gw.messaging.createRoomBinding(room, 'webhook', 'hook', 'ext-sales')
  })
  afterAll(async () => gw?.close())

  it('searches participants by name, paged by cursor, ordered by id', async () => {
    const all = await send('/v1/directory/participant?name=ali')
    expect(all.status).toBe(200)
    expect(all.body.items.map((p: Json) => p.id)).toEqual([ids['Alice Smith'], ids['Alicia Keys']].sort())
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page: { body: Json } = await send(`/v1/directory/participant?name=ali&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      seen.push(...page.body.items.map((p: Json) => p.id))
      cursor = page.body.nextCursor
    } while (cursor !== null)
    expect(seen).toEqual(all.body.items.map((p: Json) => p.id))
  })

  it('looks up exactly one entry, or says NOT_FOUND or AMBIGUOUS', async () => {
    expect((await send('/v1/directory/participant/lookup?name=alice')).body.id).toBe(ids['Alice Smith'])
    expect((await send('/v1/directory/participant/lookup?channel=webhook&externalId=u-bob')).body.id).toBe(ids['Bob'])
    expect((await send('/v1/directory/room/lookup?channel=webhook&bridgeId=hook&externalId=ext-sales')).body).toMatchObject({ id: ids['room'], name: 'Sales floor' })
    expect((await send('/v1/directory/room?name=sales')).body.items.map((r: Json) => r.id)).toEqual([ids['room']])
    expect(await send('/v1/directory/participant/lookup?name=zed')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } })
    const ambiguous = await send('/v1/directory/participant/lookup?name=ali')
    expect(ambiguous).toMatchObject({ status: 409, body: { error: { code: 'AMBIGUOUS', details: { matches: [expect.any(Object), expect.any(Object)] } } } })
  })

  it('refuses bad queries and calls without a key', async () => {
    for (const q of ['participant', 'participant?channel=webhook', 'room?channel=webhook&externalId=x', 'people?name=a', 'participant?name=a&limit=0', 'participant?name=a&cursor=junk']) {
      const res = await send(`/v1/directory/${q}`)
      expect(res.status, q).toBe(400)
      expect(res.body, q).toMatchObject({ error: { code: expect.stringMatching(/^(VALIDATION|INVALID_CURSOR)$/), message: expect.any(String) } })
    }
    expect((await send('/v1/directory/participant?name=a', { key: 'none' })).status).toBe(401)
  })
})
