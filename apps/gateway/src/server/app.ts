// The HTTP surface: webhooks, /v1 REST and live API, the console, health and metrics. Thin: every
// decision about messages is core's; this maps HTTP to the API and errors to `{error: {code, message}}`.
import { randomUUID } from 'node:crypto'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { GatewayContext } from './context.js'
import { HttpError, toHttpError } from './errors.js'
import { mountHealth } from './health.js'
import { mountRoutes, openApiDocument } from './route.js'
import { v1Routes } from './v1/index.js'
import { mountSignals, signalsOpenApi } from './sse.js'
import { mountWebhooks } from './webhooks.js'
import { mountConsole } from './console.js'

export function createApp(gw: GatewayContext): Hono {
  const app = new Hono()

  app.use('*', async (c, next) => {
    const requestId = c.req.header('x-request-id')?.slice(0, 100) || randomUUID()
    c.header('x-request-id', requestId)
    const started = performance.now()
    await next()
    gw.logger.info({ requestId, method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round((performance.now() - started) * 10) / 10 }, 'request')
  })

  app.onError((error, c) => {
    const { status, body, internal } = toHttpError(error, gw.secrets())
    if (internal) gw.logger.error({ err: error, path: c.req.path, requestId: c.res.headers.get('x-request-id') }, 'request failed')
    return c.json(body, status)
  })
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `no route ${c.req.method} ${c.req.path}` } }, 404))

  mountHealth(app, gw)
  mountWebhooks(app, gw)

  const limit = gw.config.api.bodyLimitBytes
  app.use('/v1/*', bodyLimit({ maxSize: limit, onError: () => { throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `a request body may be at most ${limit} bytes`) } }))
  const routes = v1Routes()
  const document = openApiDocument(routes, { version: gw.version }, signalsOpenApi())
  app.get('/v1/openapi.json', (c) => c.json(document))
  mountSignals(app, gw)
  mountRoutes(app, routes, gw)
  if (gw.config.console.enabled) mountConsole(app, gw)
  return app
}
