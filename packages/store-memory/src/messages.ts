import { ConflictError, InvalidCursorError, messageExternalKey, type Message, type MessagingStore } from '@jido-messaging/core'
import { appendPrepared, journalNow, prepareJournal } from './journal.js'
import { RoomMessageIndex } from './message-index.js'
import { clone, compositeKey, requireRoom, type MemoryState } from './state.js'

type MessageMethods = Pick<
  MessagingStore,
  | 'insertMessage'
  | 'saveMessage'
  | 'getMessage'
  | 'getMessageByExternalId'
  | 'updateMessage'
  | 'deleteMessage'
  | 'listMessages'
  | 'countMessages'
>

function externalKeyOf(message: Message): string | null {
  const key = messageExternalKey(message)
  return key === null ? null : compositeKey(key.channel, key.bridgeId, key.externalId)
}

/** Throws CONFLICT if the message's external key belongs to another message. */
function checkExternalKey(state: MemoryState, message: Message): void {
  const key = externalKeyOf(message)
  const owner = key === null ? undefined : state.messageByExternalKey.get(key)
  if (owner !== undefined && owner !== message.id) {
    throw new ConflictError(`[store-memory] external id ${message.externalId} belongs to message ${owner}`, {
      messageId: owner,
    })
  }
}

function unindex(state: MemoryState, message: Message): void {
  const key = externalKeyOf(message)
  if (key !== null) state.messageByExternalKey.delete(key)
  state.messageIndexes.get(message.roomId)?.remove(message)
}

/** Throws what insertMessage rejects with (NOT_FOUND room, CONFLICT id or external key), writing nothing. */
export function checkInsertMessage(state: MemoryState, message: Message): void {
  requireRoom(state, message.roomId)
  if (state.messages.has(message.id)) {
    throw new ConflictError(`[store-memory] message ${message.id} exists`, { id: message.id })
  }
  checkExternalKey(state, message)
}

/** Stores `next` (a private copy), replacing `previous` in every index. */
export function putMessage(state: MemoryState, next: Message, previous?: Message): void {
  if (previous !== undefined) unindex(state, previous)
  state.messages.set(next.id, next)
  const key = externalKeyOf(next)
  if (key !== null) state.messageByExternalKey.set(key, next.id)
  let index = state.messageIndexes.get(next.roomId)
  if (index === undefined) state.messageIndexes.set(next.roomId, (index = new RoomMessageIndex()))
  index.add(next)
}

/** Deletes every message of a room (deleteRoom's cascade). */
export function removeRoomMessages(state: MemoryState, roomId: string): void {
  const index = state.messageIndexes.get(roomId)
  if (index === undefined) return
  for (const id of index.allIds()) {
    const message = state.messages.get(id)
    if (message === undefined) continue
    const key = externalKeyOf(message)
    if (key !== null) state.messageByExternalKey.delete(key)
    state.messages.delete(id)
  }
  state.messageIndexes.delete(roomId)
}

export function messageMethods(state: MemoryState): MessageMethods {
  const read = (id: string) => {
    const m = state.messages.get(id)
    return m === undefined ? null : clone(m)
  }

  return {
    // Each journaled write: checks, the journal hook with the result, then the changes, in one run.
    async insertMessage(message, journal) {
      checkInsertMessage(state, message)
      const stored = clone(message)
      const result = clone(stored)
      const prepared = prepareJournal(journal, result)
      putMessage(state, stored)
      appendPrepared(state, prepared, journal)
      return result
    },

    async saveMessage(message) {
      requireRoom(state, message.roomId)
      checkExternalKey(state, message)
      putMessage(state, clone(message), state.messages.get(message.id))
      return read(message.id)!
    },

    async getMessage(id) {
      return read(id)
    },

    async getMessageByExternalId(channel, bridgeId, externalId) {
      const id = state.messageByExternalKey.get(compositeKey(channel, bridgeId, externalId))
      return id === undefined ? null : read(id)
    },

    async updateMessage(id, updater, journal) {
      const current = state.messages.get(id)
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
      // id and roomId are the record's identity; an updater cannot move the message.
      const stored = { ...clone(next), id, roomId: current.roomId }
      checkExternalKey(state, stored)
      const result = { record: clone(stored), changed: true }
      const prepared = prepareJournal(journal, result)
      putMessage(state, stored, current)
      appendPrepared(state, prepared, journal)
      return result
    },

    async deleteMessage(id, journal) {
      const message = state.messages.get(id)
      const prepared = prepareJournal(journal, message !== undefined)
      if (message !== undefined) {
        unindex(state, message)
        state.messages.delete(id)
      }
      appendPrepared(state, prepared, journal)
      return message !== undefined
    },

    async listMessages(query) {
      if (query.before !== undefined && query.after !== undefined) {
        throw new InvalidCursorError('[store-memory] listMessages takes before or after, not both')
      }
      const index = state.messageIndexes.get(query.roomId)
      if (index === undefined) return { messages: [], hasMoreBefore: false, hasMoreAfter: false }
      const { ids, hasMoreBefore, hasMoreAfter } = index.window(query)
      return { messages: ids.map((id) => read(id)!), hasMoreBefore, hasMoreAfter }
    },

    async countMessages(roomId, threadId) {
      return state.messageIndexes.get(roomId)?.count(threadId) ?? 0
    },
  }
}
