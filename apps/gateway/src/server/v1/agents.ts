// Agents are registered from the config file (their handlers are code); the API lists them and moves
// threads between them.
import { z } from 'zod'
import { defineRoute } from '../route.js'
import { Id, RoomParams } from './schemas.js'
import { found, requireRoom } from './support.js'

const tag = 'agents'
const ThreadInRoom = RoomParams.extend({ threadId: Id })

const AgentSchema = z.looseObject({
  agentId: z.string(),
  roomId: z.string(),
  participantId: z.string(),
  name: z.string().optional(),
  trigger: z.string(),
  mentionHandles: z.array(z.string()).optional(),
  running: z.boolean().describe('whether this gateway process runs the agent\'s handler now'),
})
const AssignmentSchema = z.object({ roomId: z.string(), threadId: z.string(), agentId: z.string() })

export const agentRoutes = [
  defineRoute({
    method: 'get', path: '/v1/rooms/:roomId/agents', operationId: 'listAgents', summary: 'The agents registered in a room', tag, scope: 'read',
    params: RoomParams,
    response: z.object({ agents: z.array(AgentSchema) }),
    handler: async ({ params }, gw) => {
      await requireRoom(gw, params.roomId)
      return { agents: await gw.messaging.listAgents(params.roomId) }
    },
  }),
  defineRoute({
    method: 'get', path: '/v1/rooms/:roomId/threads/:threadId/assignment', operationId: 'getThreadAssignment', summary: 'The agent a thread is assigned to (404 when none is)', tag, scope: 'read',
    params: ThreadInRoom,
    response: AssignmentSchema,
    handler: async ({ params }, gw) => found(await gw.messaging.getThreadAssignment(params.roomId, params.threadId), `assignment of thread ${params.threadId}`),
  }),
  defineRoute({
    method: 'put', path: '/v1/rooms/:roomId/threads/:threadId/assignment', operationId: 'assignThread', tag, scope: 'admin',
    summary: 'Assign a thread to an agent registered in the room (signal thread.assigned)',
    params: ThreadInRoom,
    body: z.strictObject({ agentId: Id }),
    response: AssignmentSchema,
    handler: async ({ params, body }, gw) => {
      const { roomId, threadId, agentId } = await gw.messaging.assignThread(params.roomId, params.threadId, body.agentId)
      return { roomId, threadId, agentId }
    },
  }),
  defineRoute({
    method: 'delete', path: '/v1/rooms/:roomId/threads/:threadId/assignment', operationId: 'unassignThread', summary: 'Clear a thread\'s assignment (signal thread.unassigned when there was one)', tag, scope: 'admin',
    params: ThreadInRoom,
    response: z.object({ deleted: z.boolean().describe('false when the thread was not assigned') }),
    handler: async ({ params }, gw) => ({ deleted: (await gw.messaging.unassignThread(params.roomId, params.threadId)).signals.length > 0 }),
  }),
]
