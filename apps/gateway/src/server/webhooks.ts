// POST /webhooks/:bridgeId: the platform's request goes to core's routeWebhookRequest with its raw body
// (signatures are over the bytes as sent); the answer, 200 included, is sent only once core has committed.
import type { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { GatewayContext } from './context.js'
import { HttpError, toHttpError } from './errors.js'

export function mountWebhooks(app: Hono, gw: GatewayContext): void {
  const limit = gw.config.webhooks.bodyLimitBytes
  app.post(
    '/webhooks/:bridgeId',
    bodyLimit({ maxSize: limit, onError: () => { throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `a webhook body may be at most ${limit} bytes`) } }),
    async (c) => {
      const started = performance.now()
      const bridgeId = c.req.param('bridgeId')
      if (!gw.accepting()) {
        gw.metrics.webhook(bridgeId, 'unavailable', (performance.now() - started) / 1000)
        c.header('retry-after', '5')
        throw new HttpError(503, 'STORE_UNAVAILABLE', 'the gateway is shutting down; retry')
      }
      let result = 'error'
      try {
        const rawBody = Buffer.from(await c.req.arrayBuffer())
        const url = new URL(c.req.url)
        const { response, outcome } = await gw.messaging.routeWebhookRequest(bridgeId, {
          method: c.req.method,
          path: url.pathname + url.search,
          headers: c.req.header(),
          rawBody,
        })
        result = outcome?.status ?? (response.status < 300 ? 'ok' : `http_${response.status}`)
        if (response.status >= 400 && outcome === undefined) result = `http_${response.status}`
        const body = response.body
        const headers = { ...response.headers }
        if (body === undefined || body === null) return c.body(null, response.status as ContentfulStatusCode, headers)
        if (typeof body === 'string') return c.body(body, response.status as ContentfulStatusCode, headers)
        return c.json(body as object, response.status as ContentfulStatusCode, headers)
      } catch (error) {
        const { status } = toHttpError(error)
        result = `http_${status}`
        throw error
      } finally {
        gw.metrics.webhook(bridgeId, result, (performance.now() - started) / 1000)
      }
    },
  )
}
