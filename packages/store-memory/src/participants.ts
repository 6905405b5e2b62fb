import { ConflictError, type MessagingStore, type Participant, type RoomMember } from '@jido-messaging/core'
import { appendPrepared, journalNow, prepareJournal } from './journal.js'
import { clone, compositeKey, requireRoom, type MemoryState } from './state.js'
import { directoryPutParticipant } from './directory.js'

type ParticipantMethods = Pick<
  MessagingStore,
  | 'createParticipant'
  | 'getParticipant'
  | 'getParticipantByExternalId'
  | 'getOrCreateParticipantByExternalId'
  | 'updateParticipant'
  | 'addRoomMember'
  | 'removeRoomMember'
  | 'listRoomMembers'
>

const externalKeys = (p: Participant) =>
  Object.entries(p.externalIds).map(([channel, userId]) => compositeKey(channel, userId))

/** Throws CONFLICT if one of the participant's external ids belongs to another participant. */
function checkExternalIds(state: MemoryState, participant: Participant): void {
  for (const key of externalKeys(participant)) {
    const owner = state.participantByExternalId.get(key)
    if (owner !== undefined && owner !== participant.id) {
      throw new ConflictError(`[store-memory] external id ${key.replace('\u0000', '/')} belongs to participant ${owner}`, {
        participantId: owner,
      })
    }
  }
}

function putParticipant(state: MemoryState, next: Participant, previous?: Participant): void {
  if (previous !== undefined) for (const key of externalKeys(previous)) state.participantByExternalId.delete(key)
  state.participants.set(next.id, next)
  for (const key of externalKeys(next)) state.participantByExternalId.set(key, next.id)
  directoryPutParticipant(state, next)
}

function insertParticipant(state: MemoryState, participant: Participant): Participant {
  if (state.participants.has(participant.id)) {
    throw new ConflictError(`[store-memory] participant ${participant.id} exists`, { id: participant.id })
  }
  checkExternalIds(state, participant)
  const stored = clone(participant)
  putParticipant(state, stored)
  return clone(stored)
}

/** Records `member` (a private copy) unless present; true only when it was added. The room must exist. */
export function putMember(state: MemoryState, member: RoomMember): boolean {
  let members = state.members.get(member.roomId)
  if (members === undefined) state.members.set(member.roomId, (members = new Map()))
  if (members.has(member.participantId)) return false
  members.set(member.participantId, member)
  return true
}

export function participantMethods(state: MemoryState): ParticipantMethods {
  const byExternalId = (channel: string, externalUserId: string) => {
    const id = state.participantByExternalId.get(compositeKey(channel, externalUserId))
    return id === undefined ? undefined : state.participants.get(id)
  }

  return {
    async createParticipant(participant) {
      return insertParticipant(state, participant)
    },

    async getParticipant(id) {
      const p = state.participants.get(id)
      return p === undefined ? null : clone(p)
    },

    async getParticipantByExternalId(channel, externalUserId) {
      const p = byExternalId(channel, externalUserId)
      return p === undefined ? null : clone(p)
    },

    async getOrCreateParticipantByExternalId(channel, externalUserId, candidate) {
      const existing = byExternalId(channel, externalUserId)
      if (existing !== undefined) return { participant: clone(existing), created: false }
      const withKey = { ...candidate, externalIds: { ...candidate.externalIds, [channel]: externalUserId } }
      return { participant: insertParticipant(state, withKey), created: true }
    },

    // Each journaled write: checks, the journal hook with the result, then the changes, in one run.
    async updateParticipant(id, updater, journal) {
      const current = state.participants.get(id)
      if (current === undefined) {
        journalNow(state, journal, null)
        return null
      }
      const next = updater(clone(current))
      if (next === undefined) {
        const unchanged = { record: clone(current), changed: false }
        journalNow(state, journal, unchanged)
        return unchanged
      }
      // The id is the record's identity; an updater cannot move it.
      const stored = { ...clone(next), id }
      checkExternalIds(state, stored)
      const result = { record: clone(stored), changed: true }
      const prepared = prepareJournal(journal, result)
      putParticipant(state, stored, current)
      appendPrepared(state, prepared, journal)
      return result
    },

    async addRoomMember(member, journal) {
      requireRoom(state, member.roomId)
      const added = state.members.get(member.roomId)?.has(member.participantId) !== true
      const prepared = prepareJournal(journal, added)
      if (added) putMember(state, clone(member))
      appendPrepared(state, prepared, journal)
      return added
    },

    async removeRoomMember(roomId, participantId, journal) {
      const members = state.members.get(roomId)
      const removed = members?.has(participantId) === true
      const prepared = prepareJournal(journal, removed)
      if (removed) {
        members!.delete(participantId)
        if (members!.size === 0) state.members.delete(roomId)
      }
      appendPrepared(state, prepared, journal)
      return removed
    },

    async listRoomMembers(roomId) {
      const members = [...(state.members.get(roomId)?.values() ?? [])]
      members.sort((a, b) =>
        a.joinedAt !== b.joinedAt ? (a.joinedAt < b.joinedAt ? -1 : 1) : a.participantId < b.participantId ? -1 : 1)
      return clone(members)
    },
  }
}
