import { DeadLetterStatuses } from '@jido-messaging/core'
import { z } from 'zod'
import { defineRoute } from '../route.js'
import { Cursor, DeadLetterSchema, Id, Limit } from './schemas.js'
import { found } from './support.js'

const tag = 'dead-letters'
const DeadLetterParams = z.object({ deadLetterId: Id })

export const deadLetterRoutes = [
  defineRoute({
    method: 'get', path: '/v1/dead-letters', operationId: 'listDeadLetters', summary: 'Deliveries that failed for good, newest first, paged by cursor', tag, scope: 'read',
    query: z.object({ status: z.enum(DeadLetterStatuses).optional(), limit: Limit, cursor: Cursor }),
    response: z.object({ deadLetters: z.array(DeadLetterSchema), nextCursor: z.string().nullable() }),
    handler: async ({ query }, gw) => {
      const result = await gw.messaging.listDeadLetters(query)
      return { deadLetters: result.deadLetters, nextCursor: result.nextCursor ?? null }
    },
  }),
  defineRoute({
    method: 'get', path: '/v1/dead-letters/:deadLetterId', operationId: 'getDeadLetter', summary: 'One dead letter', tag, scope: 'read',
    params: DeadLetterParams,
    response: DeadLetterSchema,
    handler: async ({ params }, gw) => found(await gw.messaging.getDeadLetter(params.deadLetterId), `dead letter ${params.deadLetterId}`),
  }),
  defineRoute({
    method: 'post', path: '/v1/dead-letters/:deadLetterId/replay', operationId: 'replayDeadLetter', tag, scope: 'admin',
    summary: 'Send an active dead letter\'s delivery again, with the same delivery id (INVALID_TRANSITION, 409, when it is not active)',
    params: DeadLetterParams,
    response: z.object({
      deadLetter: DeadLetterSchema,
      delivery: z.looseObject({ id: z.string(), status: z.string(), attempts: z.number(), bridgeId: z.string(), externalRoomId: z.string() }),
    }),
    handler: async ({ params }, gw) => {
      const { deadLetter, delivery } = await gw.messaging.replayDeadLetter(params.deadLetterId)
      // the delivery's text and media stay inside: the message itself is at /v1/messages/:messageId
      const { text: _text, media: _media, leaseOwner: _owner, leaseUntil: _until, ...summary } = delivery
      return { deadLetter, delivery: summary }
    },
  }),
  defineRoute({
    method: 'post', path: '/v1/dead-letters/:deadLetterId/archive', operationId: 'archiveDeadLetter', summary: 'Keep a dead letter for the record, out of the active list (idempotent)', tag, scope: 'admin',
    params: DeadLetterParams,
    response: DeadLetterSchema,
    handler: async ({ params }, gw) => gw.messaging.archiveDeadLetter(params.deadLetterId),
  }),
  defineRoute({
    method: 'post', path: '/v1/dead-letters/purge', operationId: 'purgeDeadLetters', summary: 'Delete dead letters, optionally of one status and older than olderThanMs', tag, scope: 'admin',
    body: z.strictObject({ status: z.enum(DeadLetterStatuses).optional(), olderThanMs: z.number().int().min(0).optional() }).optional(),
    response: z.object({ purged: z.number().int().describe('how many were deleted') }),
    handler: async ({ body }, gw) => ({ purged: await gw.messaging.purgeDeadLetters(body ?? {}) }),
  }),
]
