import { RoomTypes } from '@jido-messaging/core'
import { z } from 'zod'
import { defineRoute } from '../route.js'
import { HttpError } from '../errors.js'
import { Id, Limit, RoomSchema, page } from './schemas.js'

export const roomRoutes = [
  defineRoute({
    method: 'get', path: '/v1/rooms', operationId: 'listRooms', summary: 'Rooms, oldest first, paged by cursor', tag: 'rooms', scope: 'read',
    query: z.object({ limit: Limit, cursor: z.string().min(1).optional() }),
    response: page('rooms', RoomSchema),
    handler: async ({ query }, gw) => {
      const result = await gw.messaging.listRooms({ limit: query.limit, ...(query.cursor === undefined ? {} : { cursor: query.cursor }) })
      return { rooms: result.rooms, nextCursor: result.nextCursor ?? null }
    },
  }),
  defineRoute({
    method: 'post', path: '/v1/rooms', operationId: 'createRoom', summary: 'Create a room', tag: 'rooms', scope: 'admin', status: 201,
    body: z.strictObject({ id: Id.optional(), type: z.enum(RoomTypes).default('group'), name: z.string().max(1000).optional(), metadata: z.record(z.string(), z.unknown()).optional() }),
    response: RoomSchema,
    handler: async ({ body }, gw) => gw.messaging.createRoom(body),
  }),
  defineRoute({
    method: 'get', path: '/v1/rooms/:roomId', operationId: 'getRoom', summary: 'One room', tag: 'rooms', scope: 'read',
    params: z.object({ roomId: Id }),
    response: RoomSchema,
    handler: async ({ params }, gw) => {
      const room = await gw.messaging.getRoom(params.roomId)
      if (!room) throw new HttpError(404, 'NOT_FOUND', `room ${params.roomId} not found`)
      return room
    },
  }),
]
