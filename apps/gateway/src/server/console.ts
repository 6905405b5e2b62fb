// The web console (placeholder until the console work lands).
import type { Hono } from 'hono'
import type { GatewayContext } from './context.js'

export function mountConsole(_app: Hono, _gw: GatewayContext): void {}
