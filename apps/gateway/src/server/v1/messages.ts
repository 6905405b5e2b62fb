import { MessageRoles } from '@jido-messaging/core'
import { z } from 'zod'
import { defineRoute } from '../route.js'
import { DeletedSchema, Id, Limit, MessagePageSchema, MessageParams, MessageSchema, Metadata, RoomParams, contentFields, oneContent, oneContentError } from './schemas.js'
import { actor, blocksOf, found, requireRoom } from './support.js'

const tag = 'messages'
const ParticipantBody = z.strictObject({ participantId: Id.optional().describe('default: the participant of the API key') })

export const messageRoutes = [
  defineRoute({
    method: 'get', path: '/v1/rooms/:roomId/messages', operationId: 'listMessages', tag, scope: 'read',
    summary: 'A page of messages, ascending: the newest `limit`, or the `limit` just before or after a message id',
    params: RoomParams,
    query: z.object({
      limit: Limit,
      before: Id.optional().describe('a message id: the messages just older than it'),
      after: Id.optional().describe('a message id: the messages just newer than it'),
      threadId: Id.optional().describe('only the replies of this thread'),
    }),
    response: MessagePageSchema,
    handler: async ({ params, query }, gw) => {
      await requireRoom(gw, params.roomId)
      return gw.messaging.listMessages(params.roomId, query)
    },
  }),
  defineRoute({
    method: 'post', path: '/v1/rooms/:roomId/messages', operationId: 'postMessage', tag, scope: 'admin', status: 201,
    summary: 'Post a message (signals room.message_added; delivered to the room\'s platforms by its routing policy)',
    params: RoomParams,
    body: z.strictObject({
      ...contentFields,
      senderId: Id.optional().describe('default: the participant of the API key'),
      role: z.enum(MessageRoles).default('user'),
      threadId: Id.optional(),
      replyToId: Id.optional(),
      metadata: Metadata.optional(),
      deliver: z.boolean().optional().describe('false: store and announce only, without sending it to the platforms'),
    }).refine(oneContent, oneContentError),
    response: MessageSchema,
    handler: async ({ params, body, principal }, gw) => {
      const { text: _text, content: _content, deliver, senderId, ...rest } = body
      const { message } = await gw.messaging.postMessage(
        { ...rest, roomId: params.roomId, senderId: await actor(gw, principal, senderId), content: blocksOf(body) },
        deliver === undefined ? {} : { deliver },
      )
      return message
    },
  }),
  defineRoute({
    method: 'get', path: '/v1/messages/:messageId', operationId: 'getMessage', summary: 'One message', tag, scope: 'read',
    params: MessageParams,
    response: MessageSchema,
    handler: async ({ params }, gw) => found(await gw.messaging.getMessage(params.messageId), `message ${params.messageId}`),
  }),
  defineRoute({
    method: 'patch', path: '/v1/messages/:messageId', operationId: 'editMessage', tag, scope: 'admin',
    summary: 'Replace a message\'s content (signal message.edited; every platform copy is edited)',
    params: MessageParams,
    body: z.strictObject(contentFields).refine(oneContent, oneContentError),
    response: MessageSchema,
    handler: async ({ params, body }, gw) => (await gw.messaging.editMessage(params.messageId, blocksOf(body))).message,
  }),
  defineRoute({
    method: 'delete', path: '/v1/messages/:messageId', operationId: 'removeMessage', tag, scope: 'admin',
    summary: 'Delete a message (signal message.deleted; every platform copy is deleted where the platform can)',
    params: MessageParams,
    response: DeletedSchema,
    handler: async ({ params }, gw) => ({ deleted: (await gw.messaging.removeMessage(params.messageId)).deleted }),
  }),
  defineRoute({
    method: 'post', path: '/v1/messages/:messageId/reactions', operationId: 'addReaction', summary: 'Add a reaction (idempotent)', tag, scope: 'admin',
    params: MessageParams,
    body: ParticipantBody.extend({ reaction: z.string().min(1).max(100) }),
    response: MessageSchema,
    handler: async ({ params, body, principal }, gw) =>
      (await gw.messaging.addReaction(params.messageId, await actor(gw, principal, body.participantId), body.reaction)).message,
  }),
  defineRoute({
    method: 'delete', path: '/v1/messages/:messageId/reactions/:reaction', operationId: 'removeReaction', summary: 'Remove a reaction (idempotent)', tag, scope: 'admin',
    params: MessageParams.extend({ reaction: z.string().min(1).max(100) }),
    query: z.object({ participantId: Id.optional().describe('default: the participant of the API key') }),
    response: MessageSchema,
    handler: async ({ params, query, principal }, gw) =>
      (await gw.messaging.removeReaction(params.messageId, await actor(gw, principal, query.participantId), params.reaction)).message,
  }),
  defineRoute({
    method: 'post', path: '/v1/messages/:messageId/read', operationId: 'markMessageRead', summary: 'Record that a participant read the message', tag, scope: 'admin',
    params: MessageParams,
    body: ParticipantBody.optional(),
    response: MessageSchema,
    handler: async ({ params, body, principal }, gw) =>
      (await gw.messaging.markMessageRead(params.messageId, await actor(gw, principal, body?.participantId))).message,
  }),
  defineRoute({
    method: 'post', path: '/v1/messages/:messageId/delivered', operationId: 'markMessageDelivered', summary: 'Record that a participant received the message', tag, scope: 'admin',
    params: MessageParams,
    body: ParticipantBody.optional(),
    response: MessageSchema,
    handler: async ({ params, body, principal }, gw) =>
      (await gw.messaging.markMessageDelivered(params.messageId, await actor(gw, principal, body?.participantId))).message,
  }),
]
