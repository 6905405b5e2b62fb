import { createHmac } from 'node:crypto'
import type { WebhookRequest } from '@jido-messaging/core'

// Slack's request signing (https://api.slack.com/authentication/verifying-requests-from-slack), written
// here independently of adapter-slack so a mistake in the adapter cannot hide in the fake as well.

/** `v0=` + hex HMAC-SHA256(signing secret, `v0:<timestamp>:<raw body>`). */
export function slackSignature(signingSecret: string, timestampSeconds: number | string, rawBody: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${rawBody}`).digest('hex')}`
}

export interface SlackRequestOptions {
  /** Unix seconds to sign with (default now). */
  timestampSeconds?: number
  /** Slack's delivery retry headers: `X-Slack-Retry-Num` and `X-Slack-Retry-Reason` (default `http_timeout`). */
  retryNum?: number
  retryReason?: string
  path?: string
  /** Send these bytes instead of `JSON.stringify(payload)`. */
  rawBody?: string
}

/** An Events API request carrying `payload` as Slack sends it: JSON body, signed with the app's signing secret. */
export function signedSlackRequest(signingSecret: string, payload: unknown, options: SlackRequestOptions = {}): WebhookRequest {
  const rawBody = options.rawBody ?? JSON.stringify(payload)
  const timestamp = String(options.timestampSeconds ?? Math.floor(Date.now() / 1000))
  return {
    method: 'POST',
    path: options.path ?? '/webhooks/slack',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': slackSignature(signingSecret, timestamp, rawBody),
      ...(options.retryNum === undefined
        ? {}
        : { 'x-slack-retry-num': String(options.retryNum), 'x-slack-retry-reason': options.retryReason ?? 'http_timeout' }),
    },
    rawBody,
    ...(options.rawBody === undefined ? { body: JSON.parse(rawBody) as unknown } : {}),
  }
}

/** Requests carrying `payload` that a correct verifier MUST refuse. */
export function badlySignedSlackRequests(signingSecret: string, payload: unknown, nowSeconds = Math.floor(Date.now() / 1000)): Array<{ name: string; request: WebhookRequest }> {
  const good = signedSlackRequest(signingSecret, payload, { timestampSeconds: nowSeconds })
  const rawBody = good.rawBody
  const withHeaders = (headers: Record<string, string>): WebhookRequest => ({ ...good, headers: { 'content-type': 'application/json', ...headers } })
  const sig = (ts: number | string, body = rawBody, secret = signingSecret) => slackSignature(secret, ts, body)
  return [
    { name: 'signed with another secret', request: signedSlackRequest('not-the-signing-secret', payload, { timestampSeconds: nowSeconds }) },
    { name: 'body changed after signing', request: { ...good, rawBody: `${rawBody} ` } },
    { name: 'no signature headers', request: withHeaders({}) },
    { name: 'timestamp without signature', request: withHeaders({ 'x-slack-request-timestamp': String(nowSeconds) }) },
    { name: 'signature without timestamp', request: withHeaders({ 'x-slack-signature': sig(nowSeconds) }) },
    { name: 'signature of another timestamp', request: withHeaders({ 'x-slack-request-timestamp': String(nowSeconds), 'x-slack-signature': sig(nowSeconds - 1) }) },
    { name: 'stale by 330 s', request: signedSlackRequest(signingSecret, payload, { timestampSeconds: nowSeconds - 330 }) },
    { name: 'from 330 s in the future', request: signedSlackRequest(signingSecret, payload, { timestampSeconds: nowSeconds + 330 }) },
    { name: 'a v1 signature', request: withHeaders({ 'x-slack-request-timestamp': String(nowSeconds), 'x-slack-signature': sig(nowSeconds).replace(/^v0=/, 'v1=') }) },
    { name: 'a signature without its version', request: withHeaders({ 'x-slack-request-timestamp': String(nowSeconds), 'x-slack-signature': sig(nowSeconds).slice(3) }) },
    { name: 'a non-numeric timestamp', request: withHeaders({ 'x-slack-request-timestamp': 'now', 'x-slack-signature': sig('now') }) },
  ]
}
