import { ConflictError, type MessagingStore, type Thread } from '@jido-messaging/core'
import { appendPrepared, journalNow, prepareJournal } from './journal.js'
import { keysetPage } from './paging.js'
import { SortedKeys } from './sorted-keys.js'
import { clone, compositeKey, requireRoom, type MemoryState } from './state.js'

type ThreadMethods = Pick<
  MessagingStore,
  | 'insertThread'
  | 'saveThread'
  | 'getThread'
  | 'getThreadByExternalId'
  | 'getThreadByRootMessageId'
  | 'getOrCreateThread'
  | 'updateThread'
  | 'listThreads'
>

/** The thread's unique keys: [index, key] pairs for (roomId, externalThreadId) and (roomId, rootMessageId). */
function uniqueKeys(state: MemoryState, thread: Thread): Array<[Map<string, string>, string]> {
  const keys: Array<[Map<string, string>, string]> = []
  if (thread.externalThreadId !== undefined) {
    keys.push([state.threadByExternalId, compositeKey(thread.roomId, thread.externalThreadId)])
  }
  if (thread.rootMessageId !== undefined) {
    keys.push([state.threadByRootMessageId, compositeKey(thread.roomId, thread.rootMessageId)])
  }
  return keys
}

function checkUniqueKeys(state: MemoryState, thread: Thread): void {
  for (const [index, key] of uniqueKeys(state, thread)) {
    const owner = index.get(key)
    if (owner !== undefined && owner !== thread.id) {
      throw new ConflictError(`[store-memory] thread ${owner} already holds ${key.split('\u0000')[1]} in its room`, {
        threadId: owner,
      })
    }
  }
}

function unindex(state: MemoryState, thread: Thread): void {
  for (const [index, key] of uniqueKeys(state, thread)) index.delete(key)
  state.threadOrder.get(thread.roomId)?.remove(thread)
}

function putThread(state: MemoryState, next: Thread, previous?: Thread): void {
  if (previous !== undefined) unindex(state, previous)
  state.threads.set(next.id, next)
  for (const [index, key] of uniqueKeys(state, next)) index.set(key, next.id)
  let order = state.threadOrder.get(next.roomId)
  if (order === undefined) state.threadOrder.set(next.roomId, (order = new SortedKeys()))
  order.insert(next)
}

/** Checks a thread insert (NOT_FOUND room, CONFLICT id or unique key) and returns the copy to store; writes nothing. */
function checkInsertThread(state: MemoryState, thread: Thread): Thread {
  requireRoom(state, thread.roomId)
  if (state.threads.has(thread.id)) throw new ConflictError(`[store-memory] thread ${thread.id} exists`, { id: thread.id })
  checkUniqueKeys(state, thread)
  return clone(thread)
}

/** Deletes every thread of a room (deleteRoom's cascade). */
export function removeRoomThreads(state: MemoryState, roomId: string): void {
  for (const key of state.threadOrder.get(roomId)?.keys ?? []) {
    const thread = state.threads.get(key.id)
    if (thread === undefined) continue
    for (const [index, k] of uniqueKeys(state, thread)) index.delete(k)
    state.threads.delete(key.id)
  }
  state.threadOrder.delete(roomId)
}

export function threadMethods(state: MemoryState): ThreadMethods {
  const lookup = (index: Map<string, string>, roomId: string, value: string) => {
    const id = index.get(compositeKey(roomId, value))
    return id === undefined ? undefined : state.threads.get(id)
  }
  const copy = (thread: Thread | undefined) => (thread === undefined ? null : clone(thread))

  return {
    async insertThread(thread) {
      const stored = checkInsertThread(state, thread)
      putThread(state, stored)
      return clone(stored)
    },

    async saveThread(thread) {
      requireRoom(state, thread.roomId)
      checkUniqueKeys(state, thread)
      const stored = clone(thread)
      putThread(state, stored, state.threads.get(thread.id))
      return clone(stored)
    },

    async getThread(id) {
      return copy(state.threads.get(id))
    },

    async getThreadByExternalId(roomId, externalThreadId) {
      return copy(lookup(state.threadByExternalId, roomId, externalThreadId))
    },

    async getThreadByRootMessageId(roomId, rootMessageId) {
      return copy(lookup(state.threadByRootMessageId, roomId, rootMessageId))
    },

    // No await between the lookup and the insert, so concurrent callers cannot both create.
    // Each journaled write: checks, the journal hook with the result, then the changes, in one run.
    async getOrCreateThread(candidate, journal) {
      const existing = candidate.externalThreadId !== undefined
        ? lookup(state.threadByExternalId, candidate.roomId, candidate.externalThreadId)
        : candidate.rootMessageId !== undefined
          ? lookup(state.threadByRootMessageId, candidate.roomId, candidate.rootMessageId)
          : undefined
      if (existing !== undefined) {
        const found = { thread: clone(existing), created: false }
        journalNow(state, journal, found)
        return found
      }
      const stored = checkInsertThread(state, candidate)
      const created = { thread: clone(stored), created: true }
      const prepared = prepareJournal(journal, created)
      putThread(state, stored)
      appendPrepared(state, prepared, journal)
      return created
    },

    async updateThread(id, updater, journal) {
      const current = state.threads.get(id)
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
      // id and roomId are the record's identity; an updater cannot move the thread.
      const stored = { ...clone(next), id, roomId: current.roomId }
      checkUniqueKeys(state, stored)
      const result = { record: clone(stored), changed: true }
      const prepared = prepareJournal(journal, result)
      putThread(state, stored, current)
      appendPrepared(state, prepared, journal)
      return result
    },

    async listThreads(roomId, options) {
      const { status } = options
      return keysetPage(
        state.threadOrder.get(roomId),
        options,
        (id) => copy(state.threads.get(id)) ?? undefined,
        status === undefined ? undefined : (t) => t.status === status,
      )
    },
  }
}
