import {
  bindingKey,
  decodeDirectoryCursor,
  directoryNameMatches,
  encodeDirectoryCursor,
  foldDirectoryName,
  type DirectoryQuery,
  type DirectorySearchOptions,
  type DirectoryStore,
  type DirectoryTarget,
  type Page,
  type Participant,
  type Room,
} from '@jido-messaging/core'
import { clone, compositeKey, roomView, type MemoryState } from './state.js'

// The directory of a memory store: per target, every id in sorted (bytewise) order with its folded name
// alongside, kept up to date by the participant and room writes. A search walks the ids from the cursor
// and stops once it has `limit` matches (one more, to know whether there is a next page); exact keys
// (id, external id, binding key) are map lookups.

/** Sorted ids and, at the same index, the folded name (undefined: the entry has no name). */
class DirectoryIndex {
  readonly ids: string[] = []
  readonly names: Array<string | undefined> = []

  /** Index of the first id >= `id`. */
  lowerBound(id: string): number {
    let lo = 0
    let hi = this.ids.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.ids[mid]! < id) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Index of the first id > `id`. */
  upperBound(id: string): number {
    const at = this.lowerBound(id)
    return this.ids[at] === id ? at + 1 : at
  }

  /** Adds the entry or updates its name. */
  put(id: string, name: unknown): void {
    const folded = foldDirectoryName(name)
    const last = this.ids.length - 1
    // Generated ids grow, so appending is the common case; skip the search for it.
    if (last < 0 || this.ids[last]! < id) {
      this.ids.push(id)
      this.names.push(folded)
      return
    }
    const at = this.lowerBound(id)
    if (this.ids[at] === id) {
      this.names[at] = folded
      return
    }
    this.ids.splice(at, 0, id)
    this.names.splice(at, 0, folded)
  }

  remove(id: string): void {
    const at = this.lowerBound(id)
    if (this.ids[at] !== id) return
    this.ids.splice(at, 1)
    this.names.splice(at, 1)
  }
}

interface Directory {
  participant: DirectoryIndex
  room: DirectoryIndex
}

const directories = new WeakMap<MemoryState, Directory>()

/** The state's directory, built from its records the first time it is asked for. */
function directoryOf(state: MemoryState): Directory {
  let directory = directories.get(state)
  if (directory === undefined) {
    directory = { participant: new DirectoryIndex(), room: new DirectoryIndex() }
    for (const p of state.participants.values()) directory.participant.put(p.id, p.identity.name)
    for (const r of state.rooms.values()) directory.room.put(r.id, r.name)
    directories.set(state, directory)
  }
  return directory
}

/** Records a participant write (create or update) in the directory. */
export function directoryPutParticipant(state: MemoryState, participant: Participant): void {
  directoryOf(state).participant.put(participant.id, participant.identity.name)
}

/** Records a room write (create or save) in the directory. */
export function directoryPutRoom(state: MemoryState, room: Room): void {
  directoryOf(state).room.put(room.id, room.name)
}

/** Drops a deleted room from the directory. */
export function directoryRemoveRoom(state: MemoryState, roomId: string): void {
  directoryOf(state).room.remove(roomId)
}

/** The one candidate id an exact key names (id, external id, binding key), null for none; undefined: no exact key. */
function exactCandidate(state: MemoryState, target: DirectoryTarget, q: DirectoryQuery): string | null | undefined {
  let candidate: string | undefined
  if (target === 'participant' && q.channel !== undefined && q.externalId !== undefined) {
    candidate = state.participantByExternalId.get(compositeKey(q.channel, q.externalId))
    if (candidate === undefined) return null
  } else if (target === 'room' && q.channel !== undefined && q.bridgeId !== undefined && q.externalId !== undefined) {
    const bindingId = state.bindingByKey.get(bindingKey(q.channel, q.bridgeId, q.externalId))
    candidate = bindingId === undefined ? undefined : state.bindings.get(bindingId)?.roomId
    if (candidate === undefined) return null
  }
  if (q.id !== undefined) {
    if (candidate !== undefined && candidate !== q.id) return null
    candidate = q.id
  }
  return candidate
}

function search<T extends { id: string }>(
  state: MemoryState,
  target: DirectoryTarget,
  query: DirectoryQuery,
  options: DirectorySearchOptions,
  load: (id: string) => T | undefined,
  nameOf: (record: T) => unknown,
): Page<T> {
  const after = options.cursor === undefined ? undefined : decodeDirectoryCursor(target, options.cursor)
  const folded = query.name === undefined ? undefined : foldDirectoryName(query.name)
  const exact = exactCandidate(state, target, query)
  if (exact !== undefined) {
    if (exact === null || (after !== undefined && exact <= after)) return { items: [] }
    const record = load(exact)
    if (record === undefined || (folded !== undefined && !directoryNameMatches(nameOf(record), folded))) return { items: [] }
    return { items: [record] }
  }
  const index = directoryOf(state)[target]
  const { ids, names } = index
  const items: T[] = []
  for (let i = after === undefined ? 0 : index.upperBound(after); i < ids.length; i++) {
    if (folded !== undefined) {
      const name = names[i]
      if (name === undefined || !name.includes(folded)) continue
    }
    if (items.length === options.limit) {
      return { items, nextCursor: encodeDirectoryCursor(target, items[items.length - 1]!.id) }
    }
    const record = load(ids[i]!)
    if (record !== undefined) items.push(record)
  }
  return { items }
}

export function directoryMethods(state: MemoryState): DirectoryStore {
  return {
    async searchParticipants(query, options) {
      return search(state, 'participant', query, options, (id) => {
        const p = state.participants.get(id)
        return p === undefined ? undefined : clone(p)
      }, (p) => p.identity.name)
    },

    async searchRooms(query, options) {
      return search(state, 'room', query, options, (id) => {
        const room = state.rooms.get(id)
        return room === undefined ? undefined : roomView(state, room)
      }, (r) => r.name)
    },
  }
}
