import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../../test/harness.js'
import { v1Routes } from './index.js'

type Operation = {
  operationId: string
  'x-scope': 'read' | 'admin'
  parameters: Array<{ name: string; in: string; required: boolean; schema: unknown }>
  requestBody?: { content: { 'application/json': { schema: Record<string, unknown> } } }
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>
}
type Document = { openapi: string; info: { title: string; version: string }; paths: Record<string, Record<string, Operation>> }

const METHODS = ['get', 'post', 'put', 'patch', 'delete']
const operations = (doc: Document) =>
  Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).filter(([m]) => METHODS.includes(m)).map(([method, op]) => ({ path, method, op })))
/** A concrete URL for a templated path: every `{param}` becomes a placeholder id. */
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, 'x_placeholder')

describe('GET /v1/openapi.json', () => {
  let gw: TestGateway
  let doc: Document
  beforeAll(async () => {
    gw = await startTestGateway()
    const res = await gw.call('/v1/openapi.json', { key: 'none' })
    expect(res.status).toBe(200)
    doc = (await res.json()) as Document
  })
  afterAll(async () => gw?.close())

  it('is an OpenAPI 3 document with every registered route under its operationId', () => {
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/)
    expect(doc.info.title).toBeTruthy()
    const routes = v1Routes()
    const ids = routes.map((r) => r.operationId)
    expect(new Set(ids).size).toBe(ids.length)
    for (const r of routes) {
      const op = doc.paths[r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')]?.[r.method]
      expect(op?.operationId, `${r.method} ${r.path}`).toBe(r.operationId)
      expect(op?.['x-scope']).toBe(r.method === 'get' ? 'read' : 'admin')
    }
    expect(operations(doc).filter((o) => o.path.startsWith('/v1/') && o.op.operationId !== undefined).length).toBeGreaterThanOrEqual(routes.length)
  })

  it('declares every path parameter and gives every request body and success response a schema', () => {
    const byId = new Map(v1Routes().map((r) => [r.operationId, r]))
    for (const { path, method, op } of operations(doc)) {
      const where = `${method} ${path}`
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1])
      const declared = op.parameters.filter((p) => p.in === 'path')
      expect(declared.map((p) => p.name).sort(), where).toEqual([...inPath].sort())
      for (const p of declared) expect(p.required && typeof p.schema === 'object', where).toBe(true)
      const route = byId.get(op.operationId)
      if (route?.body !== undefined) {
        const schema = op.requestBody?.content['application/json'].schema
        expect(schema && (schema['type'] === 'object' || 'anyOf' in schema || 'properties' in schema), `${where} body schema`).toBe(true)
      } else expect(op.requestBody, where).toBeUndefined()
      const success = Object.entries(op.responses).find(([s]) => s.startsWith('2'))
      // JSON for the REST routes; the live stream (documented by sse.ts) is text/event-stream
      expect(Object.values(success?.[1].content ?? {})[0]?.schema, `${where} success schema`).toBeTruthy()
      expect(op.responses['401'], where).toBeTruthy()
    }
  })

  it('documents bridge credentials as redacted, never as free text', () => {
    const op = doc.paths['/v1/bridges/{bridgeId}']?.['get']
    expect(JSON.stringify(op?.responses['200'])).toContain('[redacted]')
  })

  it('refuses every documented route without a key (401), and every write with a read key (403)', async () => {
    const ops = operations(doc)
    expect(ops.length).toBeGreaterThan(50)
    for (const { path, method, op } of ops) {
      const where = `${method} ${path}`
      const none = await gw.call(concrete(path), { key: 'none', method: method.toUpperCase(), json: method === 'get' || method === 'delete' ? undefined : {} })
      expect(none.status, where).toBe(401)
      expect(await none.json(), where).toMatchObject({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } })
      const read = await gw.call(concrete(path), { key: 'read', method: method.toUpperCase(), json: method === 'get' || method === 'delete' ? undefined : {} })
      if (op['x-scope'] === 'admin') {
        expect(read.status, where).toBe(403)
        expect(await read.json(), where).toMatchObject({ error: { code: 'FORBIDDEN' } })
      } else {
        expect([401, 403], where).not.toContain(read.status)
        await read.body?.cancel()
      }
    }
  })

  it('refuses a wrong key and a malformed Authorization header', async () => {
    for (const authorization of ['Bearer not-a-key', 'Basic abc', 'Bearer']) {
      const res = await gw.call('/v1/rooms', { key: 'none', headers: { authorization } })
      expect(res.status, authorization).toBe(401)
    }
  })
})
