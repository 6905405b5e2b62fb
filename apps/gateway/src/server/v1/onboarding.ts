import { OnboardingTransitions, allowedOnboardingTransitions, type OnboardingAdvanceResult, type OnboardingFlow } from '@jido-messaging/core'
import { z } from 'zod'
import { defineRoute } from '../route.js'
import { Id, Metadata } from './schemas.js'
import { found } from './support.js'

const tag = 'onboarding'
const FlowParams = z.object({ onboardingId: Id })
const IdempotencyKey = z.string().min(1).max(255).optional().describe('a repeated key returns the first call\'s result with idempotent: true and changes nothing')

const FlowSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  attrs: Metadata,
  directoryMatch: Metadata.optional(),
  pairing: Metadata.optional(),
  completionMetadata: Metadata.optional(),
  transitions: z.array(z.looseObject({ transition: z.string(), from: z.string(), to: z.string(), metadata: Metadata, at: z.string() })),
  allowedTransitions: z.array(z.enum(OnboardingTransitions)).describe('what the flow\'s status allows next'),
  insertedAt: z.string(),
  updatedAt: z.string(),
})
const AdvanceSchema = z.object({
  flow: FlowSchema,
  transition: z.object({ onboardingId: z.string(), transition: z.string(), previousStatus: z.string(), status: z.string(), idempotent: z.boolean() }),
})

const withAllowed = (flow: OnboardingFlow) => ({ ...flow, allowedTransitions: allowedOnboardingTransitions(flow.status) })
const advanced = (r: OnboardingAdvanceResult) => ({ flow: withAllowed(r.flow), transition: r.transition })
const CloseBody = z.strictObject({ metadata: Metadata.optional(), idempotencyKey: IdempotencyKey }).optional()

export const onboardingRoutes = [
  defineRoute({
    method: 'post', path: '/v1/onboarding', operationId: 'startOnboarding', tag, scope: 'admin', status: 201,
    summary: 'Start a flow, or return the one with this onboardingId unchanged (start or resume); other keys are kept as its attrs',
    body: z.looseObject({ onboardingId: Id.optional() }),
    response: FlowSchema,
    handler: async ({ body }, gw) => withAllowed(await gw.messaging.startOnboarding(body)),
  }),
  defineRoute({
    method: 'get', path: '/v1/onboarding/:onboardingId', operationId: 'getOnboarding', summary: 'One flow with its transition log', tag, scope: 'read',
    params: FlowParams,
    response: FlowSchema,
    handler: async ({ params }, gw) => withAllowed(found(await gw.messaging.getOnboarding(params.onboardingId), `onboarding flow ${params.onboardingId}`)),
  }),
  defineRoute({
    method: 'post', path: '/v1/onboarding/:onboardingId/advance', operationId: 'advanceOnboarding', tag, scope: 'admin',
    summary: 'Apply a transition (INVALID_TRANSITION, 409, with details {from, transition, allowed} when the status does not allow it)',
    params: FlowParams,
    body: z.strictObject({ transition: z.enum(OnboardingTransitions), metadata: Metadata.optional(), idempotencyKey: IdempotencyKey }),
    response: AdvanceSchema,
    handler: async ({ params, body }, gw) => advanced(await gw.messaging.advanceOnboarding(params.onboardingId, body.transition, body.metadata, options(body.idempotencyKey))),
  }),
  defineRoute({
    method: 'post', path: '/v1/onboarding/:onboardingId/cancel', operationId: 'cancelOnboarding', summary: 'Cancel a flow that is not finished', tag, scope: 'admin',
    params: FlowParams,
    body: CloseBody,
    response: AdvanceSchema,
    handler: async ({ params, body }, gw) => advanced(await gw.messaging.cancelOnboarding(params.onboardingId, body?.metadata, options(body?.idempotencyKey))),
  }),
  defineRoute({
    method: 'post', path: '/v1/onboarding/:onboardingId/complete', operationId: 'completeOnboarding', summary: 'Complete a paired flow', tag, scope: 'admin',
    params: FlowParams,
    body: CloseBody,
    response: AdvanceSchema,
    handler: async ({ params, body }, gw) => advanced(await gw.messaging.completeOnboarding(params.onboardingId, body?.metadata, options(body?.idempotencyKey))),
  }),
]

function options(idempotencyKey: string | undefined) {
  return idempotencyKey === undefined ? {} : { idempotencyKey }
}
