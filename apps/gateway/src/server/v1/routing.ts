import { MessageRoles, RoutingPolicyInputSchema } from '@jido-messaging/core'
import { z } from 'zod'
import { defineRoute } from '../route.js'
import { DeletedSchema, Id, MessageSchema, Metadata, RoomParams, RoutingPolicySchema, contentFields, oneContent, oneContentError } from './schemas.js'
import { actor, blocksOf, found } from './support.js'

const tag = 'routing'
const timestamp = z.string().max(100).optional().describe('accepted and ignored (set by the store), so a policy as read can be put back')

const DeliverySummarySchema = z.looseObject({
  id: z.string().describe('the first chunk\'s delivery id, the idempotency key the platform sees'),
  deliveryIds: z.array(z.string()),
  bridgeId: z.string(),
  channel: z.string(),
  externalRoomId: z.string(),
  status: z.enum(['sent', 'retrying', 'failed', 'dead_lettered']),
  externalIds: z.array(z.string()),
  lastError: z.string().optional(),
})

export const routingRoutes = [
  defineRoute({
    method: 'get', path: '/v1/rooms/:roomId/routing-policy', operationId: 'getRoutingPolicy', summary: 'A room\'s routing policy', tag, scope: 'read',
    params: RoomParams,
    response: RoutingPolicySchema,
    handler: async ({ params }, gw) => found(await gw.messaging.getRoutingPolicy(params.roomId), `routing policy of room ${params.roomId}`),
  }),
  defineRoute({
    method: 'put', path: '/v1/rooms/:roomId/routing-policy', operationId: 'putRoutingPolicy', tag, scope: 'admin',
    summary: 'Create or replace a room\'s routing policy; with `revision` it must equal the stored one (0 to create) or REVISION_CONFLICT (409)',
    params: RoomParams,
    body: RoutingPolicyInputSchema.extend({ roomId: Id.optional().describe('if given, the room of the path'), insertedAt: timestamp, updatedAt: timestamp }),
    response: RoutingPolicySchema,
    handler: async ({ params, body }, gw) => gw.messaging.putRoutingPolicy(params.roomId, body),
  }),
  defineRoute({
    method: 'delete', path: '/v1/rooms/:roomId/routing-policy', operationId: 'deleteRoutingPolicy', summary: 'Delete a room\'s routing policy (the defaults apply again)', tag, scope: 'admin',
    params: RoomParams,
    response: DeletedSchema,
    handler: async ({ params }, gw) => ({ deleted: await gw.messaging.deleteRoutingPolicy(params.roomId) }),
  }),
  defineRoute({
    method: 'post', path: '/v1/rooms/:roomId/outbound', operationId: 'routeOutbound', tag, scope: 'admin', status: 201,
    summary: 'Send a message to the room\'s platforms and wait for each route\'s first attempt; NO_ROUTES (422) when there is none, DELIVERY_FAILED (502) when every route failed',
    params: RoomParams,
    body: z.strictObject({
      ...contentFields,
      threadId: Id.optional(),
      replyToId: Id.optional(),
      bridgeId: Id.optional().describe('only the routes of this bridge'),
      senderId: Id.optional().describe('default: the participant of the API key'),
      role: z.enum(MessageRoles).default('assistant'),
      idempotencyKey: z.string().min(1).max(255).optional().describe('a repeated key returns the first call\'s message and deliveries'),
      allowMassMentions: z.boolean().optional(),
      metadata: Metadata.optional(),
      waitMs: z.number().int().min(0).max(120_000).optional().describe('how long to wait for the first attempts (default 30000); deliveries go on after it'),
    }).refine(oneContent, oneContentError),
    response: z.object({ message: MessageSchema, deliveries: z.array(DeliverySummarySchema) }),
    handler: async ({ params, body, principal }, gw) => {
      const { text: _text, content: _content, senderId, ...options } = body
      return gw.messaging.routeOutbound(params.roomId, blocksOf(body), { ...options, senderId: await actor(gw, principal, senderId) })
    },
  }),
]
