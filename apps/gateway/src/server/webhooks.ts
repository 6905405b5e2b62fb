// POST /webhooks/:bridgeId: the platform's request goes to core's routeWebhookRequest with its raw body
// (signatures are over the bytes as sent); the answer, 200 included, is sent only once core has committed.
import type { IncomingMessage } from 'node:http'
import type { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { GatewayContext } from './context.js'
import { HttpError, toHttpError } from './errors.js'

export function mountWebhooks(app: Hono, gw: GatewayContext): void {
  const limit = gw.config.webhooks.bodyLimitBytes
  const tooLarge = () => new HttpError(413, 'PAYLOAD_TOO_LARGE', `a webhook body may be at most ${limit} bytes`)
  const streamedLimit = bodyLimit({ maxSize: limit, onError: () => { throw tooLarge() } })
  app.post(
    '/webhooks/:bridgeId',
    // A declared length is checked from the header (node's parser holds the body to it), as bodyLimit
    // would, but without bodyLimit's read of `c.req.raw.body`: that makes @hono/node-server build a
    // whole web Request and stream for every webhook (about a fifth of the gateway's CPU under load).
    // Only bodies without a length (chunked) are counted by bodyLimit as they stream.
    (c, next) => {
      const declared = c.req.header('content-length')
      if (declared === undefined || c.req.header('transfer-encoding') !== undefined) return streamedLimit(c, next)
      if (Number.parseInt(declared, 10) > limit) throw tooLarge()
      return next()
    },
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
        // node's own request, when served by @hono/node-server: its headers and path as received, without
        // copying them into a web Headers object and parsing a URL per webhook
        const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
        const { response, outcome } = await gw.messaging.routeWebhookRequest(bridgeId, {
          method: c.req.method,
          path: incoming?.url ?? c.req.path,
          headers: incoming?.headers ?? c.req.header(),
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
