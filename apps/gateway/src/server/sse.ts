// GET /v1/signals: the live stream over Server-Sent Events (owned by the SSE work; placeholder).
import type { Hono } from 'hono'
import type { GatewayContext } from './context.js'

export function mountSignals(_app: Hono, _gw: GatewayContext): void {}

export function signalsOpenApi(): Record<string, unknown> {
  return {}
}
