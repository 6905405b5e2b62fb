import { ParticipantInputSchema, Presences } from '@jido-messaging/core'
import { z } from 'zod'
import { defineRoute } from '../route.js'
import { Id, Metadata, ParticipantSchema, SignalsSchema } from './schemas.js'
import { found, signalsJson } from './support.js'

const tag = 'participants'
const InRoom = z.object({ roomId: Id, participantId: Id })
const MetaBody = z.strictObject({ metadata: Metadata.default({}) }).optional()

export const participantRoutes = [
  defineRoute({
    method: 'post', path: '/v1/participants', operationId: 'createParticipant', summary: 'Create a participant (CONFLICT when one of its external ids is taken)', tag, scope: 'admin', status: 201,
    body: ParticipantInputSchema.omit({ insertedAt: true }),
    response: ParticipantSchema,
    handler: async ({ body }, gw) => gw.messaging.createParticipant(body),
  }),
  defineRoute({
    method: 'get', path: '/v1/participants/:participantId', operationId: 'getParticipant', summary: 'One participant', tag, scope: 'read',
    params: z.object({ participantId: Id }),
    response: ParticipantSchema,
    handler: async ({ params }, gw) => found(await gw.messaging.getParticipant(params.participantId), `participant ${params.participantId}`),
  }),
  defineRoute({
    method: 'post', path: '/v1/rooms/:roomId/participants/:participantId/joined', operationId: 'participantJoined', tag, scope: 'admin',
    summary: 'Record membership (signal room.participant_joined, once per participant and room)',
    params: InRoom,
    body: MetaBody,
    response: SignalsSchema,
    handler: async ({ params, body }, gw) => signalsJson((await gw.messaging.participantJoined(params.roomId, params.participantId, body?.metadata ?? {})).signals),
  }),
  defineRoute({
    method: 'post', path: '/v1/rooms/:roomId/participants/:participantId/left', operationId: 'participantLeft', summary: 'End membership (signal room.participant_left)', tag, scope: 'admin',
    params: InRoom,
    body: MetaBody,
    response: SignalsSchema,
    handler: async ({ params, body }, gw) => signalsJson((await gw.messaging.participantLeft(params.roomId, params.participantId, body?.metadata ?? {})).signals),
  }),
  defineRoute({
    method: 'post', path: '/v1/rooms/:roomId/participants/:participantId/presence', operationId: 'participantPresenceChanged', tag, scope: 'admin',
    summary: 'Change presence (signal participant.presence_changed; none when unchanged)',
    params: InRoom,
    body: z.strictObject({ presence: z.enum(Presences) }),
    response: SignalsSchema,
    handler: async ({ params, body }, gw) => signalsJson((await gw.messaging.participantPresenceChanged(params.roomId, params.participantId, body.presence)).signals),
  }),
  defineRoute({
    method: 'post', path: '/v1/rooms/:roomId/participants/:participantId/typing', operationId: 'participantTyping', summary: 'Typing started or stopped (live signal participant.typing, not stored)', tag, scope: 'admin',
    params: InRoom,
    body: z.strictObject({ isTyping: z.boolean(), threadId: Id.optional() }),
    response: SignalsSchema,
    handler: async ({ params, body }, gw) => signalsJson((await gw.messaging.participantTyping(params.roomId, params.participantId, body)).signals),
  }),
]
