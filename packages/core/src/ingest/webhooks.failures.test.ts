// Regression: an error thrown by the store inside the pipeline that carried CONFLICT or NOT_FOUND was
// answered 409/404, which platforms take as final: the message was lost while looking acknowledged.
import { describe, expect, it } from 'vitest'
import { AdapterRegistry } from '../bridge/registry.js'
import type { InboundEvent, PlatformAdapter } from '../contracts/platform-adapter.js'
import { ConflictError, NotFoundError, StoreUnavailableError, ValidationError } from '../errors.js'
import type { BridgeConfig } from '../model.js'
import type { IngestOutcome } from './types.js'
import { webhookApi } from './webhooks.js'

const SECRET = 'whsec-do-not-print-me'

const event = (overrides: Partial<InboundEvent> = {}): InboundEvent => ({
  kind: 'message', externalRoomId: 'r', externalUserId: 'u', externalMessageId: 'm', text: 'hi', media: [],
  chatType: 'group', isSelf: false, timestamp: new Date().toISOString(), raw: {}, ...overrides,
})

function api(ingest: () => Promise<IngestOutcome>, adapterOverrides: Partial<PlatformAdapter> = {}) {
  const adapter = {
    name: 'x', channel: 'x', capabilities: {},
    verifyWebhook: () => true,
    parseWebhook: () => ({ events: [event()] }),
    transformPayload: () => [event()],
    ...adapterOverrides,
  } as unknown as PlatformAdapter
  const config = { id: 'b', adapter: 'x', credentials: { secret: SECRET }, options: {}, enabled: true } as unknown as BridgeConfig
  return webhookApi(async (id) => (id === 'b' ? config : null), new AdapterRegistry([adapter], () => undefined), { ingest }, 1 << 20)
}

const post = (a: ReturnType<typeof api>, bridgeId = 'b') => a.routeWebhookRequest(bridgeId, { rawBody: '{}' })

describe('routeWebhookRequest: failures after the request was accepted are 5xx', () => {
  const thrown: Array<[string, () => Error, number]> = [
    ['CONFLICT', () => new ConflictError('[store-x] message m exists already'), 500],
    ['NOT_FOUND', () => new NotFoundError('[store-x] room r not found'), 500],
    ['VALIDATION', () => new ValidationError('[store-x] an argument cannot be stored'), 500],
    ['a plain Error', () => new Error('disk I/O error'), 500],
    ['STORE_UNAVAILABLE', () => new StoreUnavailableError('[store-x] connection terminated'), 503],
  ]
  for (const [what, make, status] of thrown) {
    it(`a store error carrying ${what} answers ${status} with outcome error`, async () => {
      const { response, outcome } = await post(api(() => Promise.reject(make())))
      expect(response.status).toBe(status)
      expect(response.body).toMatchObject({ error: { code: 'STORE_UNAVAILABLE', message: expect.stringContaining('ingest failed after the request was accepted') } })
      expect(outcome).toMatchObject({ status: 'error' })
    })
  }

  it('routeWebhook and routeDirectPayload reject with STORE_UNAVAILABLE, the cause kept', async () => {
    const a = api(() => Promise.reject(new ConflictError('[store-x] taken')))
    await expect(a.routeWebhook('b', {})).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', cause: { code: 'CONFLICT' } })
    await expect(a.routeDirectPayload('b', {})).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', cause: { code: 'CONFLICT' } })
  })

  it('errors about the request itself keep their 4xx, and an invalid event is refused before ingest', async () => {
    let ingested = 0
    const count = async (): Promise<IngestOutcome> => (ingested++, { status: 'message' })
    expect((await post(api(count), 'nope')).response.status).toBe(404)
    expect((await post(api(count, { verifyWebhook: () => false }))).response.status).toBe(401)
    expect((await api(count).routeWebhookRequest('b', { rawBody: '{"a":' })).response.status).toBe(400)
    const bad = await post(api(count, { parseWebhook: () => ({ events: [event(), event({ externalUserId: '' })] }) }))
    expect(bad.response).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION' } } })
    expect(ingested).toBe(0)
    expect((await post(api(count))).response.status).toBe(200)
    expect(ingested).toBe(1)
  })
})

describe('routeWebhookRequest: no credential in an error response', () => {
  it('redacts the bridge credentials from errors thrown before and after acceptance', async () => {
    const before = await post(api(async () => ({ status: 'message' }), { parseWebhook: () => { throw new Error(`bad body for secret ${SECRET}`) } }))
    const after = await post(api(() => Promise.reject(new ConflictError(`[store-x] key ${SECRET} taken`))))
    for (const r of [before, after]) {
      expect(r.response.status).toBe(500)
      expect(JSON.stringify(r)).not.toContain(SECRET)
      expect(JSON.stringify(r.response.body)).toContain('[redacted]')
    }
  })
})
