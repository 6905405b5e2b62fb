// REST routes declared once with zod schemas: the same declaration validates each request and response
// and generates the OpenAPI document (`openApiDocument`), so the two cannot drift apart.
import type { Context as HonoContext, Hono } from 'hono'
import { z } from 'zod'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { Principal, Scope } from './auth.js'
import { HttpError } from './errors.js'
import type { GatewayContext } from './context.js'

type Schema = z.ZodType
type Out<S> = S extends Schema ? z.output<S> : undefined

export interface RouteInput<P, Q, B> {
  params: Out<P>
  query: Out<Q>
  body: Out<B>
  principal: Principal
  /** The Hono context, for headers; routes should not need it. */
  c: HonoContext
}

export interface RouteSpec<P extends Schema | undefined = undefined, Q extends Schema | undefined = undefined, B extends Schema | undefined = undefined, R extends Schema = Schema> {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete'
  /** Hono path syntax: `/v1/rooms/:roomId`. */
  path: string
  operationId: string
  summary: string
  tag: string
  /** `read` routes take a read-only or admin key; `admin` routes only an admin key. */
  scope: Scope
  params?: P
  query?: Q
  body?: B
  response: R
  /** Status of a success (default 200). */
  status?: ContentfulStatusCode
  /** Returns what `response` describes; it is checked against it before it is sent. */
  handler: (input: RouteInput<P, Q, B>, gw: GatewayContext) => Promise<unknown>
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRoute = RouteSpec<any, any, any, any>

export function defineRoute<P extends Schema | undefined = undefined, Q extends Schema | undefined = undefined, B extends Schema | undefined = undefined, R extends Schema = Schema>(
  spec: RouteSpec<P, Q, B, R>,
): AnyRoute {
  return spec as AnyRoute
}

const issuesOf = (error: z.ZodError) =>
  error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))

function parsePart<S extends Schema | undefined>(schema: S, value: unknown, where: string): Out<S> {
  if (schema === undefined) return undefined as Out<S>
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    const issues = issuesOf(parsed.error)
    throw new HttpError(400, 'VALIDATION', `invalid ${where}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, { issues })
  }
  return parsed.data as Out<S>
}

async function readJson(c: HonoContext): Promise<unknown> {
  const text = await c.req.text()
  if (text.trim() === '') return undefined
  const type = c.req.header('content-type') ?? ''
  if (!/^application\/(.+\+)?json\b/i.test(type)) throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json')
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new HttpError(400, 'INVALID_JSON', `the body is not valid JSON: ${(error as Error).message}`)
  }
}

/** Mounts routes on a Hono app; errors thrown here reach the app's onError. */
export function mountRoutes(app: Hono, routes: AnyRoute[], gw: GatewayContext): void {
  for (const route of routes) {
    app.on(route.method.toUpperCase(), route.path, async (c) => {
      const principal = gw.keys.authenticate(c.req.header('authorization'), undefined, route.scope)
      const params = parsePart(route.params, c.req.param(), 'path parameters')
      const query = parsePart(route.query, c.req.query(), 'query')
      const body = route.body === undefined ? undefined : parsePart(route.body, await readJson(c), 'body')
      const result = await route.handler({ params, query, body, principal, c }, gw)
      const checked = route.response.safeParse(result)
      if (!checked.success) {
        gw.logger.error({ route: route.operationId, issues: issuesOf(checked.error) }, 'response does not match its schema')
        throw new HttpError(500, 'INTERNAL', 'the response did not match its documented schema; see the gateway log')
      }
      return c.json(checked.data as object, route.status ?? 200)
    })
  }
}

const ErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) })

function jsonSchema(schema: Schema, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'openapi-3.0' }) as Record<string, unknown>
  return rest
}

function parametersOf(schema: Schema | undefined, location: 'path' | 'query') {
  if (schema === undefined) return []
  const js = jsonSchema(schema, 'input') as { properties?: Record<string, Record<string, unknown>>; required?: string[] }
  return Object.entries(js.properties ?? {}).map(([name, s]) => ({
    name,
    in: location,
    required: location === 'path' || (js.required ?? []).includes(name),
    ...(typeof s['description'] === 'string' ? { description: s['description'] } : {}),
    schema: s,
  }))
}

/** The OpenAPI 3 document of the given routes (plus hand-mounted ones described by `extraPaths`). */
export function openApiDocument(routes: AnyRoute[], info: { version: string }, extraPaths: Record<string, unknown> = {}): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const r of routes) {
    const path = r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')
    const errors = Object.fromEntries(['400', '401', '403', '404', '409', '503'].map((s) => [s, { description: 'error', content: { 'application/json': { schema: jsonSchema(ErrorSchema, 'output') } } }]))
    paths[path] ??= {}
    paths[path][r.method] = {
      operationId: r.operationId,
      summary: r.summary,
      tags: [r.tag],
      security: [{ bearer: [] }],
      'x-scope': r.scope,
      parameters: [...parametersOf(r.params, 'path'), ...parametersOf(r.query, 'query')],
      ...(r.body === undefined ? {} : { requestBody: { required: !r.body.safeParse(undefined).success, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } } }),
      responses: { [String(r.status ?? 200)]: { description: 'success', content: { 'application/json': { schema: jsonSchema(r.response, 'output') } } }, ...errors },
    }
  }
  return {
    openapi: '3.0.3',
    info: { title: 'Jido Messaging gateway', version: info.version, description: 'REST and live API over the Jido Messaging model. Every error is {error: {code, message}}.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'an API key from the gateway config (read or admin scope)' } } },
    paths: { ...paths, ...extraPaths },
  }
}
