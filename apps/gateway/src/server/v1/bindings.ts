import { BindingDirections, BridgeConfigInputSchema, RoomTypes, RoutingPolicyInputSchema } from '@jido-messaging/core'
import { z } from 'zod'
import type { GatewayContext } from '../context.js'
import { HttpError } from '../errors.js'
import { defineRoute } from '../route.js'
import { DeletedSchema, Id, Metadata, RoomBindingSchema, RoomParams, RoomSchema } from './schemas.js'
import { requireRoom } from './support.js'

const tag = 'bindings'
const ExternalRoomId = z.string().min(1).max(1000)

const BindingSpec = z.strictObject({
  channel: Id,
  bridgeId: Id,
  externalRoomId: ExternalRoomId,
  direction: z.enum(BindingDirections).default('both'),
  enabled: z.boolean().default(true),
})

export const bindingRoutes = [
  defineRoute({
    method: 'get', path: '/v1/rooms/:roomId/bindings', operationId: 'listRoomBindings', summary: 'The platform rooms a room is bound to', tag, scope: 'read',
    params: RoomParams,
    response: z.object({ bindings: z.array(RoomBindingSchema) }),
    handler: async ({ params }, gw) => {
      await requireRoom(gw, params.roomId)
      return { bindings: await gw.messaging.listRoomBindings(params.roomId) }
    },
  }),
  defineRoute({
    method: 'post', path: '/v1/rooms/:roomId/bindings', operationId: 'createRoomBinding', tag, scope: 'admin', status: 201,
    summary: 'Bind a room to a platform room (CONFLICT when that platform room is bound already)',
    params: RoomParams,
    body: BindingSpec.extend({
      id: Id.optional(),
      channel: Id.optional().describe('default: the channel of the bridge\'s adapter'),
    }),
    response: RoomBindingSchema,
    handler: async ({ params, body }, gw) => {
      const { channel, bridgeId, externalRoomId, ...attrs } = body
      return gw.messaging.createRoomBinding(params.roomId, channel ?? await channelOf(gw, bridgeId), bridgeId, externalRoomId, attrs)
    },
  }),
  defineRoute({
    method: 'delete', path: '/v1/rooms/:roomId/bindings/:bindingId', operationId: 'deleteRoomBinding', summary: 'Unbind (a binding of another room is left alone)', tag, scope: 'admin',
    params: RoomParams.extend({ bindingId: Id }),
    response: DeletedSchema,
    handler: async ({ params }, gw) => {
      const bindings = await gw.messaging.listRoomBindings(params.roomId)
      if (!bindings.some((b) => b.id === params.bindingId)) return { deleted: false }
      return { deleted: await gw.messaging.deleteRoomBinding(params.bindingId) }
    },
  }),
  defineRoute({
    method: 'post', path: '/v1/bridge-rooms', operationId: 'ensureBridgeRoom', tag, scope: 'admin',
    summary: 'Upsert a room with its bridge configs, bindings and routing policy in one idempotent call; TOPOLOGY (409) lists every problem and changes nothing',
    body: z.strictObject({
      roomId: Id.optional(),
      roomType: z.enum(RoomTypes).default('group'),
      roomName: z.string().max(1000).optional(),
      roomMetadata: Metadata.default({}),
      bridgeConfigs: z.array(BridgeConfigInputSchema).max(100).default([]),
      bindings: z.array(BindingSpec).min(1).max(100),
      routingPolicy: RoutingPolicyInputSchema.optional(),
    }),
    response: RoomSchema,
    handler: async ({ body }, gw) => gw.messaging.ensureBridgeRoom(body),
  }),
]

/** Each adapter's channel is its name (SPEC 6.2). */
async function channelOf(gw: GatewayContext, bridgeId: string): Promise<string> {
  const config = await gw.messaging.getBridgeConfig(bridgeId)
  if (!config) throw new HttpError(404, 'BRIDGE_NOT_FOUND', `bridge ${bridgeId} not found; create it first or give the binding's channel`)
  return config.adapter
}
