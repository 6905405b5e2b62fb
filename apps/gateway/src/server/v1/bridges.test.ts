import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../../test/harness.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any

const SECRET = 'wh-secret-6f1c2a9e8d7b'

describe('/v1 bridges', () => {
  let gw: TestGateway
  /** Every response body the gateway sent in this file, to prove the secret never left. */
  const bodies: string[] = []
  const send = async (path: string, init: Parameters<TestGateway['call']>[1] = {}) => {
    const res = await gw.call(path, init)
    const text = await res.text()
    bodies.push(text)
    return { status: res.status, body: JSON.parse(text) as Json }
  }
  const hook = { adapter: 'webhook', credentials: { secret: SECRET }, options: { outboundUrl: 'http://127.0.0.1:9/in' } }

  beforeAll(async () => {
    gw = await startTestGateway()
  })
  afterAll(async () => gw?.close())

  it('puts a webhook bridge and never returns its secret; the store keeps it', async () => {
    const put = await send('/v1/bridges/hook', { method: 'PUT', json: hook })
    expect(put).toMatchObject({ status: 200, body: { id: 'hook', adapter: 'webhook', credentials: { secret: '[redacted]' }, options: hook.options, enabled: true, revision: 1 } })
    expect((await gw.messaging.getBridgeConfig('hook'))?.credentials).toEqual({ secret: SECRET })

    expect((await send('/v1/bridges/hook', { key: 'read' })).body.credentials).toEqual({ secret: '[redacted]' })
    expect((await send('/v1/bridges', { key: 'read' })).body.bridges).toEqual([expect.objectContaining({ id: 'hook', credentials: { secret: '[redacted]' } })])
    expect((await send('/v1/bridges?enabled=false', { key: 'read' })).body.bridges).toEqual([])
    expect((await send('/v1/bridges?enabled=maybe', { key: 'read' })).status).toBe(400)

    const ref = await send('/v1/bridges/by-ref', { method: 'PUT', json: { ...hook, credentials: { secret: 'env:HOOK_SECRET' }, enabled: false } })
    expect(ref.body.credentials).toEqual({ secret: 'env:HOOK_SECRET' })
    expect((await send('/v1/bridges?enabled=false', { key: 'read' })).body.bridges.map((b: Json) => b.id)).toEqual(['by-ref'])
    expect((await send('/v1/bridges/by-ref', { method: 'DELETE' })).body).toEqual({ deleted: true })
  })

  it('takes a config as read back (credentials "[redacted]" keep their value) with the revision rule', async () => {
    const read = (await send('/v1/bridges/hook', { key: 'read' })).body
    const updated = await send('/v1/bridges/hook', { method: 'PUT', json: { ...read, options: { outboundUrl: 'http://127.0.0.1:9/v2' } } })
    expect(updated.body).toMatchObject({ revision: read.revision + 1, options: { outboundUrl: 'http://127.0.0.1:9/v2' } })
    expect((await gw.messaging.getBridgeConfig('hook'))?.credentials).toEqual({ secret: SECRET })

    const stale = await send('/v1/bridges/hook', { method: 'PUT', json: { ...read, enabled: false } })
    expect(stale).toMatchObject({ status: 409, body: { error: { code: 'REVISION_CONFLICT', message: expect.any(String) } } })
    expect(await gw.messaging.getBridgeConfig('hook')).toMatchObject({ enabled: true, revision: read.revision + 1 })
  })

  it('refuses bad configs, read keys and missing keys, changing nothing', async () => {
    const before = await gw.messaging.getBridgeConfig('hook')
    const bad: Array<[string, unknown, string]> = [
      ['/v1/bridges/hook', { ...hook, adapter: 'carrier-pigeon' }, 'VALIDATION'],
      ['/v1/bridges/hook', { ...hook, token: 'x' }, 'VALIDATION'],
      ['/v1/bridges/hook', { ...hook, credentials: { secret: 5 } }, 'VALIDATION'],
      ['/v1/bridges/hook', { ...hook, id: 'other' }, 'VALIDATION'],
      ['/v1/bridges/hook', { ...hook, credentials: { secret: '[redacted]', apiKey: '[redacted]' } }, 'VALIDATION'],
      ['/v1/bridges/fresh', { ...hook, credentials: { secret: '[redacted]' } }, 'VALIDATION'],
      ['/v1/bridges/hook', { ...hook, deliveryPolicy: { maxAttempts: 0 } }, 'VALIDATION'],
    ]
    for (const [path, json, code] of bad) {
      const res = await send(path, { method: 'PUT', json })
      expect(res, JSON.stringify(json)).toMatchObject({ status: 400, body: { error: { code, message: expect.any(String) } } })
    }
    expect((await send('/v1/bridges/hook', { method: 'PUT', body: '{', headers: { 'content-type': 'application/json' } })).body.error.code).toBe('INVALID_JSON')
    expect((await send('/v1/bridges/hook', { key: 'read', method: 'PUT', json: hook })).body.error.code).toBe('FORBIDDEN')
    expect((await send('/v1/bridges/hook', { key: 'read', method: 'DELETE' })).body.error.code).toBe('FORBIDDEN')
    expect((await send('/v1/bridges/hook', { key: 'none' })).body.error.code).toBe('UNAUTHORIZED')
    expect(await gw.messaging.getBridgeConfig('hook')).toEqual(before)
    expect(await gw.messaging.getBridgeConfig('fresh')).toBeNull()
  })

  it('reports worker statuses with their last error', async () => {
    const status = await send('/v1/bridges/hook/status', { key: 'read' })
    expect(status).toMatchObject({ status: 200, body: { bridgeId: 'hook', adapter: 'webhook', enabled: true, state: expect.any(String), restarts: expect.any(Number) } })
    expect(status.body).toHaveProperty('lastError')
    const all = await send('/v1/bridge-statuses', { key: 'read' })
    expect(all.body.statuses.map((s: Json) => s.bridgeId)).toContain('hook')
    expect(await send('/v1/bridges/nope/status', { key: 'read' })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } })
  })

  it('ensures, lists and deletes ingress subscriptions', async () => {
    const url = 'https://gw.example.com/webhooks/hook'
    const ensured = await send('/v1/bridges/hook/ingress-subscriptions', { method: 'POST', json: { url } })
    expect(ensured).toMatchObject({ status: 200, body: { bridgeId: 'hook', adapter: 'webhook', status: 'manual_action_required', url } })
    expect((await send('/v1/bridges/hook/ingress-subscriptions', { method: 'POST', json: { url } })).body.id).toBe(ensured.body.id)
    const list = await send('/v1/bridges/hook/ingress-subscriptions', { key: 'read' })
    expect(list.body.subscriptions.map((s: Json) => s.id)).toEqual([ensured.body.id])
    expect((await send('/v1/bridges/hook/ingress-subscriptions', { method: 'POST', json: { url: 'not a url' } })).status).toBe(400)
    expect((await send('/v1/bridges/hook/ingress-subscriptions', { key: 'read', method: 'POST', json: { url } })).status).toBe(403)
    expect((await send('/v1/bridges/nope/ingress-subscriptions', { key: 'read' })).body.error.code).toBe('BRIDGE_NOT_FOUND')

    const sub = encodeURIComponent(ensured.body.id)
    expect((await send(`/v1/bridges/hook/ingress-subscriptions/${sub}`, { method: 'DELETE' })).body).toEqual({ deleted: true })
    expect((await send('/v1/bridges/hook/ingress-subscriptions', { key: 'read' })).body.subscriptions).toEqual([])
  })

  it('deletes a bridge', async () => {
    await send('/v1/bridges/gone', { method: 'PUT', json: hook })
    expect((await send('/v1/bridges/gone', { method: 'DELETE' })).body).toEqual({ deleted: true })
    expect(await gw.messaging.getBridgeConfig('gone')).toBeNull()
    expect(await send('/v1/bridges/gone', { key: 'read' })).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } })
    expect((await send('/v1/bridges/gone', { method: 'DELETE' })).body).toEqual({ deleted: false })
  })

  it('never sent the secret in any response body, nor logged it (runs last)', async () => {
    expect(bodies.length).toBeGreaterThan(30)
    for (const body of bodies) expect(body).not.toContain(SECRET)
    expect(gw.logs.filter((l) => l['msg'] === 'request').length).toBeGreaterThan(30)
    expect(JSON.stringify(gw.logs)).not.toContain(SECRET)
  })
})
