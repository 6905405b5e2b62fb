import type { AnyRoute } from '../route.js'
import { agentRoutes } from './agents.js'
import { bindingRoutes } from './bindings.js'
import { bridgeRoutes } from './bridges.js'
import { deadLetterRoutes } from './dead-letters.js'
import { directoryRoutes } from './directory.js'
import { messageRoutes } from './messages.js'
import { onboardingRoutes } from './onboarding.js'
import { participantRoutes } from './participants.js'
import { roomRoutes } from './rooms.js'
import { routingRoutes } from './routing.js'
import { threadRoutes } from './threads.js'

/** Every /v1 REST route (the live stream, /v1/signals, is mounted by sse.ts). */
export function v1Routes(): AnyRoute[] {
  return [
    ...roomRoutes,
    ...messageRoutes,
    ...threadRoutes,
    ...participantRoutes,
    ...bindingRoutes,
    ...routingRoutes,
    ...bridgeRoutes,
    ...deadLetterRoutes,
    ...agentRoutes,
    ...onboardingRoutes,
    ...directoryRoutes,
  ]
}
