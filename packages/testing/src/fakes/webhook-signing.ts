import { createHmac, timingSafeEqual } from 'node:crypto'
import type { WebhookRequest } from '@jido-messaging/core'

// The adapter-webhook signature scheme (SPEC 6.1), written again here on purpose: the fakes must not
// import the adapter they test, so a mistake in the adapter's signing cannot hide in both places.

export const WEBHOOK_TOLERANCE_SECONDS = 300

/** `v1=<hex HMAC-SHA256(secret, "<timestamp>.<rawBody>")>`. */
export function jidoSignature(secret: string, timestampSeconds: number | string, rawBody: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestampSeconds}.${rawBody}`).digest('hex')}`
}

/** True when the headers sign `rawBody` under `secret` within the 300 s window around `nowMs`. */
export function checkJidoSignature(secret: string, rawBody: string, timestamp: string | undefined, signature: string | undefined, nowMs = Date.now()): boolean {
  if (timestamp === undefined || signature === undefined || !/^\d+$/.test(timestamp)) return false
  if (Math.abs(Math.floor(nowMs / 1000) - Number(timestamp)) > WEBHOOK_TOLERANCE_SECONDS) return false
  const expected = Buffer.from(jidoSignature(secret, timestamp, rawBody))
  const actual = Buffer.from(signature)
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}

export interface SignedRequestOptions {
  /** Unix seconds to sign with (default now). */
  timestampSeconds?: number
  path?: string
  /** Send these bytes instead of `JSON.stringify(payload)` (e.g. to test invalid JSON). */
  rawBody?: string
}

/** A `WebhookRequest` carrying `payload` as adapter-webhook expects it, signed with `secret`. */
export function signedWebhookRequest(secret: string, payload: unknown, options: SignedRequestOptions = {}): WebhookRequest {
  const rawBody = options.rawBody ?? JSON.stringify(payload)
  const timestamp = String(options.timestampSeconds ?? Math.floor(Date.now() / 1000))
  return {
    method: 'POST',
    path: options.path ?? '/webhooks/webhook',
    headers: {
      'content-type': 'application/json',
      'x-jido-timestamp': timestamp,
      'x-jido-signature': jidoSignature(secret, timestamp, rawBody),
    },
    rawBody,
    ...(options.rawBody === undefined ? { body: JSON.parse(rawBody) as unknown } : {}),
  }
}

/** The same request without the signature headers. */
export function unsignedWebhookRequest(payload: unknown, path = '/webhooks/webhook'): WebhookRequest {
  const rawBody = JSON.stringify(payload)
  return { method: 'POST', path, headers: { 'content-type': 'application/json' }, rawBody, body: JSON.parse(rawBody) as unknown }
}
