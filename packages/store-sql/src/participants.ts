import { ConflictError, type MessagingStore, type Participant } from '@jido-messaging/core'
import type { Kysely } from 'kysely'
import { participantOf, participantRowOf } from './codec.js'
import type { SqlContext } from './context.js'
import { mapErrors } from './db-errors.js'
import { indexNewDirectoryName, reindexDirectoryName } from './directory.js'
import { fastPathAnswers } from './journal.js'
import type { Database } from './schema.js'

type ParticipantOps = Pick<MessagingStore,
  'createParticipant' | 'getParticipant' | 'getParticipantByExternalId' | 'getOrCreateParticipantByExternalId' |
  'updateParticipant' | 'addRoomMember' | 'removeRoomMember' | 'listRoomMembers'>

/** Inserts the unique `(channel, externalUserId)` rows of a participant. */
async function insertExternalIds(tx: Kysely<Database>, p: Participant, skipChannel?: string): Promise<void> {
  const rows = Object.entries(p.externalIds)
    .filter(([channel]) => channel !== skipChannel)
    .map(([channel, externalUserId]) => ({ channel, external_user_id: externalUserId, participant_id: p.id }))
  if (rows.length > 0) await tx.insertInto('participant_external_ids').values(rows).execute()
}

export function participantOps(ctx: SqlContext): ParticipantOps {
  const st = ctx.statements
  const loadParticipant = async (db: Kysely<Database>, id: string): Promise<Participant | null> => {
    const row = await st.participantById(db, id)
    return row === undefined ? null : participantOf(row)
  }
  const ownerOf = (db: Kysely<Database>, channel: string, externalUserId: string) => st.externalIdOwner(db, channel, externalUserId)
  const lock = ctx.kind === 'postgres'

  return {
    createParticipant: (participant) =>
      mapErrors(ctx.name, { conflict: `participant ${participant.id} or one of its external ids exists already` }, () =>
        ctx.write(async (tx) => {
          const row = participantRowOf(participant)
          await ctx.inserts.insert(tx, 'participants', row)
          await insertExternalIds(tx, participant)
          await indexNewDirectoryName(ctx, tx, 'p', participant.id, participant.identity.name)
          return participantOf(row)
        })),

    getParticipant: (id) => loadParticipant(ctx.db, id),

    getParticipantByExternalId: async (channel, externalUserId) => {
      const row = await st.participantByExternalId(ctx.db, channel, externalUserId)
      return row === undefined ? null : participantOf(row)
    },

    getOrCreateParticipantByExternalId: async (channel, externalUserId, candidate) => {
      // Fast path outside the write queue: a committed owner is the answer.
      const committed = await st.participantByExternalId(ctx.db, channel, externalUserId)
      if (committed !== undefined) return { participant: participantOf(committed), created: false }
      return mapErrors(ctx.name, { conflict: `participant ${candidate.id} or one of its external ids exists already` }, () =>
        ctx.write(async (tx) => {
          const found = async () => {
            const owner = await ownerOf(tx, channel, externalUserId)
            return owner === undefined ? undefined : { participant: (await loadParticipant(tx, owner))!, created: false }
          }
          const before = await found()
          if (before !== undefined) return before
          const participant: Participant = { ...candidate, externalIds: { ...candidate.externalIds, [channel]: externalUserId } }
          const row = participantRowOf(participant)
          await tx.insertInto('participants').values(row).execute()
          const claimed = await tx.insertInto('participant_external_ids')
            .values({ channel, external_user_id: externalUserId, participant_id: participant.id })
            .onConflict((oc) => oc.columns(['channel', 'external_user_id']).doNothing())
            .returning('participant_id').executeTakeFirst()
          if (claimed === undefined) {
            // Lost the race: drop our candidate and return the winner.
            await tx.deleteFrom('participants').where('id', '=', participant.id).execute()
            const winner = await found()
            if (winner === undefined) throw new ConflictError(`[${ctx.name}] external id ${channel}/${externalUserId} is contended`)
            return winner
          }
          await insertExternalIds(tx, participant, channel)
          await indexNewDirectoryName(ctx, tx, 'p', participant.id, participant.identity.name)
          return { participant: participantOf(row), created: true }
        }))
    },

    updateParticipant: (id, updater, journal) =>
      mapErrors(ctx.name, { conflict: `an external id of participant ${id} belongs to another participant` }, () =>
        ctx.write(async (tx) => {
          const currentRow = await tx.selectFrom('participants').selectAll().where('id', '=', id)
            .$if(lock, (qb) => qb.forUpdate()).executeTakeFirst()
          if (currentRow === undefined) return null
          const next = updater(participantOf(currentRow))
          if (next === undefined) return { record: participantOf(currentRow), changed: false }
          const row = participantRowOf({ ...next, id })
          const { id: _id, ...fields } = row
          await tx.updateTable('participants').set(fields).where('id', '=', id).execute()
          if (row.external_ids !== JSON.stringify(participantOf(currentRow).externalIds)) {
            await tx.deleteFrom('participant_external_ids').where('participant_id', '=', id).execute()
            await insertExternalIds(tx, { ...next, id })
          }
          if (next.identity?.name !== participantOf(currentRow).identity?.name) await reindexDirectoryName(tx, 'p', id, next.identity?.name)
          return { record: participantOf(row), changed: true }
        }, undefined, journal)),

    addRoomMember: async (member, journal) => {
      const known = await ctx.db.selectFrom('room_members').select('room_id')
        .where('room_id', '=', member.roomId).where('participant_id', '=', member.participantId).executeTakeFirst()
      if (known !== undefined && await fastPathAnswers(journal, false)) return false
      return ctx.write(async (tx) => {
        const added = await tx.insertInto('room_members')
          .values({ room_id: member.roomId, participant_id: member.participantId, joined_at: member.joinedAt })
          .onConflict((oc) => oc.columns(['room_id', 'participant_id']).doNothing())
          .returning('room_id').executeTakeFirst()
        return added !== undefined
      }, undefined, journal)
    },

    removeRoomMember: (roomId, participantId, journal) =>
      ctx.write(async (tx) => {
        const result = await tx.deleteFrom('room_members')
          .where('room_id', '=', roomId).where('participant_id', '=', participantId).executeTakeFirst()
        return result.numDeletedRows > 0n
      }, undefined, journal),

    listRoomMembers: async (roomId) => {
      const rows = await ctx.db.selectFrom('room_members').selectAll().where('room_id', '=', roomId)
        .orderBy('joined_at').orderBy('participant_id').execute()
      return rows.map((r) => ({ roomId: r.room_id, participantId: r.participant_id, joinedAt: r.joined_at }))
    },
  }
}
