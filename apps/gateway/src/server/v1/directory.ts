import { z } from 'zod'
import { defineRoute } from '../route.js'
import { Cursor, Id, Limit, ParticipantSchema, RoomSchema } from './schemas.js'

const tag = 'directory'
const TargetParams = z.object({ target: z.enum(['participant', 'room']).describe('what to find') })
const Query = {
  id: Id.optional().describe('exact id'),
  name: z.string().min(1).max(1000).optional().describe('case-insensitive part of the participant\'s identity.name or the room\'s name'),
  channel: Id.optional().describe('with externalId (participants), or with bridgeId and externalId (rooms)'),
  bridgeId: Id.optional().describe('rooms only: with channel and externalId'),
  externalId: z.string().min(1).max(1000).optional().describe('the platform\'s user id (participants) or room id (rooms)'),
}
const Entry = z.union([ParticipantSchema, RoomSchema])

/** Only the keys that were given: core's query schema counts which ones are there. */
function queryOf(q: Partial<Record<keyof typeof Query, string | undefined>>) {
  return Object.fromEntries(Object.entries(q).filter(([k, v]) => k in Query && v !== undefined)) as Record<string, string>
}

export const directoryRoutes = [
  defineRoute({
    method: 'get', path: '/v1/directory/:target/lookup', operationId: 'directoryLookup', tag, scope: 'read',
    summary: 'The one participant or room that matches: NOT_FOUND (404) when none does, AMBIGUOUS (409, details.matches) when several do',
    params: TargetParams,
    query: z.object(Query),
    response: Entry,
    handler: async ({ params, query }, gw) => gw.messaging.directoryLookup(params.target, queryOf(query)),
  }),
  defineRoute({
    method: 'get', path: '/v1/directory/:target', operationId: 'directorySearch', tag, scope: 'read',
    summary: 'Participants or rooms that match, by id, paged by cursor (a page may be short and still have a next one)',
    params: TargetParams,
    query: z.object({ ...Query, limit: Limit, cursor: Cursor }),
    response: z.object({ items: z.array(Entry), nextCursor: z.string().nullable() }),
    handler: async ({ params, query }, gw) => {
      const { limit, cursor, ...rest } = query
      const result = await gw.messaging.directorySearch(params.target, queryOf(rest), { limit, ...(cursor === undefined ? {} : { cursor }) })
      return { items: result.items, nextCursor: result.nextCursor ?? null }
    },
  }),
]
