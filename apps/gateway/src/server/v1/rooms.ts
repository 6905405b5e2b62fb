import { RoomInputSchema, signalToJson } from '@jido-messaging/core'
import { z } from 'zod'
import { defineRoute } from '../route.js'
import { Cursor, DeletedSchema, Limit, Metadata, RoomParams, RoomSchema, SignalSchema, page } from './schemas.js'
import { found } from './support.js'

const tag = 'rooms'

export const roomRoutes = [
  defineRoute({
    method: 'get', path: '/v1/rooms', operationId: 'listRooms', summary: 'Rooms, oldest first, paged by cursor', tag, scope: 'read',
    query: z.object({ limit: Limit, cursor: Cursor }),
    response: page('rooms', RoomSchema),
    handler: async ({ query }, gw) => {
      const result = await gw.messaging.listRooms({ limit: query.limit, ...(query.cursor === undefined ? {} : { cursor: query.cursor }) })
      return { rooms: result.rooms, nextCursor: result.nextCursor ?? null }
    },
  }),
  defineRoute({
    method: 'post', path: '/v1/rooms', operationId: 'createRoom', summary: 'Create a room (bind it to platforms with /bindings)', tag, scope: 'admin', status: 201,
    body: RoomInputSchema.omit({ externalBindings: true, insertedAt: true }),
    response: RoomSchema,
    handler: async ({ body }, gw) => gw.messaging.createRoom(body),
  }),
  defineRoute({
    method: 'get', path: '/v1/rooms/:roomId', operationId: 'getRoom', summary: 'One room', tag, scope: 'read',
    params: RoomParams,
    response: RoomSchema,
    handler: async ({ params }, gw) => found(await gw.messaging.getRoom(params.roomId), `room ${params.roomId}`),
  }),
  defineRoute({
    method: 'delete', path: '/v1/rooms/:roomId', operationId: 'deleteRoom', summary: 'Delete a room with its messages, threads, bindings and routing policy', tag, scope: 'admin',
    params: RoomParams,
    response: DeletedSchema,
    handler: async ({ params }, gw) => ({ deleted: await gw.messaging.deleteRoom(params.roomId) }),
  }),
  defineRoute({
    method: 'post', path: '/v1/rooms/:roomId/events', operationId: 'dispatchRoomEvent', summary: 'Emit a custom signal jido.messaging.room.<event>', tag, scope: 'admin',
    params: RoomParams,
    body: z.strictObject({
      event: z.string().min(1).max(200).describe('lowercase words of a-z, 0-9 and _, separated by dots; not a runtime event name'),
      data: Metadata.default({}),
    }),
    response: z.object({ signal: SignalSchema }),
    handler: async ({ params, body }, gw) => {
      const { signal } = await gw.messaging.dispatchRoomEvent(params.roomId, body.event, body.data)
      return { signal: signalToJson(signal) }
    },
  }),
]
