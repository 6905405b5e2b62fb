import type { AgentRegistration, AgentStore, AgentTrigger } from '@jido-messaging/core'
import { fromJson, nullable, toJson } from './codec.js'
import type { SqlContext } from './context.js'
import { mapErrors } from './db-errors.js'
import type { AgentRegistrationsTable } from './schema.js'

function rowOf(r: AgentRegistration, bool: (v: boolean) => boolean | number): AgentRegistrationsTable {
  return {
    room_id: r.roomId, agent_id: r.agentId, participant_id: r.participantId, name: nullable(r.name), trigger: r.trigger,
    mention_handles: r.mentionHandles === undefined ? null : toJson(r.mentionHandles), respond_to_agents: bool(r.respondToAgents === true),
    inserted_at: r.insertedAt, updated_at: r.updatedAt,
  }
}

function registrationOf(row: AgentRegistrationsTable): AgentRegistration {
  const r: AgentRegistration = {
    roomId: row.room_id, agentId: row.agent_id, participantId: row.participant_id, trigger: row.trigger as AgentTrigger,
    insertedAt: row.inserted_at, updatedAt: row.updated_at,
  }
  if (row.name !== null) r.name = row.name
  if (row.mention_handles !== null) r.mentionHandles = fromJson<string[]>(row.mention_handles)
  if (Boolean(row.respond_to_agents)) r.respondToAgents = true
  return r
}

/** The columns a put replaces on a (room_id, agent_id) conflict. */
const replaceable = ['participant_id', 'name', 'trigger', 'mention_handles', 'respond_to_agents', 'updated_at'] as const

export function agentOps(ctx: SqlContext): AgentStore {
  return {
    putAgentRegistration: (registration, journal) => {
      const row = rowOf(registration, ctx.bool)
      return mapErrors(ctx.name, { notFound: `room ${registration.roomId} not found` }, () =>
        ctx.write(async (tx) => {
          await tx.insertInto('agent_registrations').values(row)
            .onConflict((oc) => oc.columns(['room_id', 'agent_id']).doUpdateSet((eb) =>
              Object.fromEntries(replaceable.map((c) => [c, eb.ref(`excluded.${c}`)]))))
            .execute()
          const stored = await tx.selectFrom('agent_registrations').selectAll()
            .where('room_id', '=', registration.roomId).where('agent_id', '=', registration.agentId).executeTakeFirstOrThrow()
          return registrationOf(stored)
        }, undefined, journal))
    },

    getAgentRegistration: async (roomId, agentId) => {
      const row = await ctx.db.selectFrom('agent_registrations').selectAll().where('room_id', '=', roomId).where('agent_id', '=', agentId).executeTakeFirst()
      return row === undefined ? null : registrationOf(row)
    },

    listAgentRegistrations: async (roomId) => {
      const rows = await ctx.db.selectFrom('agent_registrations').selectAll().where('room_id', '=', roomId).orderBy('agent_id').execute()
      return rows.map(registrationOf)
    },

    deleteAgentRegistration: (roomId, agentId, journal) =>
      ctx.write(async (tx) =>
        (await tx.deleteFrom('agent_registrations').where('room_id', '=', roomId).where('agent_id', '=', agentId).executeTakeFirst()).numDeletedRows > 0n,
      undefined, journal),
  }
}
