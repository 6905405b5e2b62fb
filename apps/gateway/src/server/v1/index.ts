import type { AnyRoute } from '../route.js'
import { roomRoutes } from './rooms.js'

/** Every /v1 REST route (the live stream, /v1/signals, is mounted by sse.ts). */
export function v1Routes(): AnyRoute[] {
  return [...roomRoutes]
}
