import { ThreadInputSchema, ThreadStatuses } from '@jido-messaging/core'
import { z } from 'zod'
import { defineRoute } from '../route.js'
import { Cursor, Id, Limit, MessageSchema, RoomParams, ThreadSchema, page } from './schemas.js'
import { found, requireRoom } from './support.js'

const tag = 'threads'

export const threadRoutes = [
  defineRoute({
    method: 'get', path: '/v1/rooms/:roomId/threads', operationId: 'listThreads', summary: 'A room\'s threads in creation order, paged by cursor', tag, scope: 'read',
    params: RoomParams,
    query: z.object({ limit: Limit, cursor: Cursor, status: z.enum(ThreadStatuses).optional() }),
    response: page('threads', ThreadSchema),
    handler: async ({ params, query }, gw) => {
      await requireRoom(gw, params.roomId)
      const result = await gw.messaging.listThreads(params.roomId, query)
      return { threads: result.threads, nextCursor: result.nextCursor ?? null }
    },
  }),
  defineRoute({
    method: 'post', path: '/v1/rooms/:roomId/threads', operationId: 'createThread', tag, scope: 'admin', status: 201,
    summary: 'Open a thread in a room, optionally rooted at one of its messages; post replies with its id as threadId',
    params: RoomParams,
    body: ThreadInputSchema.pick({ id: true, rootMessageId: true, externalThreadId: true, status: true, metadata: true }),
    response: ThreadSchema,
    handler: async ({ params, body }, gw) => gw.messaging.saveThread({ ...body, roomId: params.roomId }),
  }),
  defineRoute({
    method: 'get', path: '/v1/threads/:threadId', operationId: 'getThread', summary: 'One thread', tag, scope: 'read',
    params: z.object({ threadId: Id }),
    response: ThreadSchema,
    handler: async ({ params }, gw) => found(await gw.messaging.getThread(params.threadId), `thread ${params.threadId}`),
  }),
  defineRoute({
    method: 'get', path: '/v1/rooms/:roomId/timeline', operationId: 'roomTimeline', tag, scope: 'read',
    summary: 'Top-level messages (paged like listMessages) with the replies of the threads rooted in them and their reply counts',
    params: RoomParams,
    query: z.object({
      limit: Limit,
      before: Id.optional(),
      after: Id.optional(),
      repliesLimit: z.coerce.number().int().min(0).max(500).default(50).describe('newest replies returned per thread'),
    }),
    response: z.object({
      timeline: z.array(MessageSchema),
      threads: z.record(z.string(), z.array(MessageSchema)).describe('replies by root message id, ascending'),
      replyCounts: z.record(z.string(), z.number()),
      hasMoreBefore: z.boolean(),
      hasMoreAfter: z.boolean(),
    }),
    handler: async ({ params, query }, gw) => {
      await requireRoom(gw, params.roomId)
      return gw.messaging.roomTimeline(params.roomId, query)
    },
  }),
]
