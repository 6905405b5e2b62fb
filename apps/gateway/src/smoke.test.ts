import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from './test/harness.js'

describe('gateway smoke', () => {
  let gw: TestGateway
  beforeAll(async () => {
    gw = await startTestGateway('rooms:\n  - id: demo\n    name: Demo\n')
  })
  afterAll(async () => gw?.close())

  it('lists the configured room with a read key and refuses a call without a key', async () => {
    const ok = await gw.call('/v1/rooms', { key: 'read' })
    expect(ok.status).toBe(200)
    expect(((await ok.json()) as { rooms: Array<{ id: string }> }).rooms.map((r) => r.id)).toEqual(['demo'])
    const none = await gw.call('/v1/rooms', { key: 'none' })
    expect(none.status).toBe(401)
    expect(await none.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } })
  })
})
