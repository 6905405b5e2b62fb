import {
  CursorExpiredError,
  signalFromJson,
  signalToJson,
  type JournalEntry,
  type JournalStore,
  type JournalWrite,
  type Signal,
} from '@jido-messaging/core'
import type { MemoryState } from './state.js'

const clone = <T>(value: T): T => structuredClone(value)

/** One journaled signal: its stored JSON (a private deep copy, without position) and what reads filter on. */
export interface StoredSignal {
  position: number
  type: string
  /** The signal's subject: the room id (undefined for store-wide signals). */
  subject: string | undefined
  /** The signal's `time` in epoch ms (pruning compares it). */
  time: number
  json: Record<string, unknown>
}

/**
 * The signal journal of one memory store. `entries` holds the unpruned entries in position order;
 * positions come from `head`, a counter that only grows, so they are consecutive in `entries` and are
 * never reused, also after pruning. The indexes hold positions in ascending order; what pruning removes
 * is always a prefix of each.
 */
export interface JournalState {
  entries: StoredSignal[]
  /** The last assigned position (0: none yet). */
  head: number
  /** Every position up to this one was pruned. */
  prunedThrough: number
  /** roomId -> positions of the room's entries */
  byRoom: Map<string, number[]>
  /** type -> positions of the entries of that type */
  byType: Map<string, number[]>
  /** roomId -> type -> positions */
  byRoomType: Map<string, Map<string, number[]>>
  /** subscription name -> its checkpoint */
  checkpoints: Map<string, { position: number; updatedAt: string }>
}

export function createJournalState(): JournalState {
  return { entries: [], head: 0, prunedThrough: 0, byRoom: new Map(), byType: new Map(), byRoomType: new Map(), checkpoints: new Map() }
}

/** The signals one write will append, converted and copied, positions not yet assigned. */
export type PreparedSignals = ReadonlyArray<Omit<StoredSignal, 'position'>>

function toStored(signal: Signal): Omit<StoredSignal, 'position'> {
  const json = clone(signalToJson(signal))
  const time = Date.parse(json['time'] as string)
  return { type: String(json['type']), subject: typeof json['subject'] === 'string' ? json['subject'] : undefined, time, json }
}

/**
 * Calls the write's journal hook with `result` and converts what it returns. Writes call it after
 * their checks and before their first change, so a hook that throws (or returns what cannot be stored)
 * fails the write with nothing changed; {@link appendPrepared} then appends without any way to fail.
 * The hook must return its signals synchronously: the store never awaits inside a write.
 */
export function prepareJournal<R>(journal: JournalWrite<R> | undefined, result: R): PreparedSignals | undefined {
  if (journal === undefined) return undefined
  const signals = journal.signals(result)
  if (!Array.isArray(signals)) {
    if (signals !== null && typeof (signals as { then?: unknown }).then === 'function') (signals as Promise<unknown>).then(undefined, () => {})
    throw new TypeError('[store-memory] a journal hook must return its signals as an array (store-memory does not accept a promise)')
  }
  return signals.map(toStored)
}

function pushTo<K>(map: Map<K, number[]>, key: K, position: number): void {
  const list = map.get(key)
  if (list === undefined) map.set(key, [position])
  else list.push(position)
}

/**
 * Appends prepared signals at the next consecutive positions and sets `journal.firstPosition` to the
 * first (deletes it when there were none). Never throws; call it in the same synchronous run as the change.
 */
export function appendPrepared(state: MemoryState, prepared: PreparedSignals | undefined, journal: JournalWrite<never> | undefined): void {
  if (prepared === undefined || journal === undefined) return
  if (prepared.length === 0) {
    delete journal.firstPosition
    return
  }
  const j = state.journal
  const first = j.head + 1
  for (const signal of prepared) {
    const entry: StoredSignal = { ...signal, position: ++j.head }
    j.entries.push(entry)
    pushTo(j.byType, entry.type, entry.position)
    if (entry.subject !== undefined) {
      pushTo(j.byRoom, entry.subject, entry.position)
      let types = j.byRoomType.get(entry.subject)
      if (types === undefined) j.byRoomType.set(entry.subject, (types = new Map()))
      pushTo(types, entry.type, entry.position)
    }
  }
  journal.firstPosition = first
}

/** Prepares and appends in one step: for writes whose result needs no change first (or none at all). */
export function journalNow<R>(state: MemoryState, journal: JournalWrite<R> | undefined, result: R): void {
  appendPrepared(state, prepareJournal(journal, result), journal as JournalWrite<never> | undefined)
}

/** Index of the first element of the ascending `list` greater than `value`. */
function upperBound(length: number, at: (i: number) => number, value: number): number {
  let lo = 0
  let hi = length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (at(mid) <= value) lo = mid + 1
    else hi = mid
  }
  return lo
}

const firstAbove = (list: readonly number[], value: number) => upperBound(list.length, (i) => list[i]!, value)

/** Drops the positions up to `through` from the front of a list; deletes the list from its map when it empties. */
function trimFront<K>(map: Map<K, number[]>, key: K, through: number): void {
  const list = map.get(key)
  if (list === undefined) return
  const cut = firstAbove(list, through)
  if (cut === list.length) map.delete(key)
  else if (cut > 0) list.splice(0, cut)
}

type JournalMethods = JournalStore

export function journalMethods(state: MemoryState): JournalMethods {
  const j = state.journal

  /** The entry at `position` (positions are consecutive in `entries`). */
  const entryAt = (position: number) => j.entries[position - j.entries[0]!.position]!

  /** Up to `limit` positions above `after` from each list, merged in ascending order. */
  const merged = (lists: Iterable<readonly number[]>, after: number, limit: number): number[] => {
    const out: number[] = []
    let count = 0
    for (const list of lists) {
      const from = firstAbove(list, after)
      for (let i = from; i < list.length && i < from + limit; i++) out.push(list[i]!)
      count++
    }
    if (count > 1) out.sort((a, b) => a - b)
    return out.length > limit ? out.slice(0, limit) : out
  }

  /** Positions above `after`, at most `limit`, matching the filters, ascending. */
  const select = (after: number, limit: number, roomId: string | undefined, typePrefix: string | undefined): number[] => {
    if (typePrefix !== undefined && typePrefix !== '') {
      const types = roomId === undefined ? j.byType : j.byRoomType.get(roomId)
      if (types === undefined) return []
      const lists: number[][] = []
      for (const [type, list] of types) if (type.startsWith(typePrefix)) lists.push(list)
      return merged(lists, after, limit)
    }
    if (roomId !== undefined) {
      const list = j.byRoom.get(roomId)
      return list === undefined ? [] : merged([list], after, limit)
    }
    const from = upperBound(j.entries.length, (i) => j.entries[i]!.position, after)
    return j.entries.slice(from, from + limit).map((e) => e.position)
  }

  return {
    async appendSignals(journal) {
      journalNow(state, journal, undefined)
    },

    async readJournal(options) {
      const { after, limit, roomId, typePrefix } = options
      if (after < j.prunedThrough) {
        throw new CursorExpiredError(
          `[store-memory] journal position ${after} was pruned (the journal starts after ${j.prunedThrough})`,
          after,
          j.prunedThrough,
        )
      }
      if (limit <= 0 || j.entries.length === 0) return []
      return select(after, limit, roomId, typePrefix).map((position): JournalEntry => {
        return { position, signal: signalFromJson(clone(entryAt(position).json), position) }
      })
    },

    async journalHead() {
      return { position: j.head, prunedThrough: j.prunedThrough }
    },

    async pruneJournal(options) {
      const before = Date.parse(options.before)
      let count = 0
      while (count < j.entries.length && j.entries[count]!.time < before) count++
      if (count === 0) return 0
      const removed = j.entries.splice(0, count)
      const through = removed[removed.length - 1]!.position
      j.prunedThrough = through
      const rooms = new Set<string>()
      const types = new Set<string>()
      for (const entry of removed) {
        types.add(entry.type)
        if (entry.subject !== undefined) rooms.add(entry.subject)
      }
      for (const type of types) trimFront(j.byType, type, through)
      for (const roomId of rooms) {
        trimFront(j.byRoom, roomId, through)
        const byType = j.byRoomType.get(roomId)
        if (byType === undefined) continue
        for (const type of [...byType.keys()]) trimFront(byType, type, through)
        if (byType.size === 0) j.byRoomType.delete(roomId)
      }
      return count
    },

    async getSubscriptionCheckpoint(name) {
      return j.checkpoints.get(name)?.position ?? null
    },

    async saveSubscriptionCheckpoint(name, position, now) {
      const stored = j.checkpoints.get(name)
      if (stored !== undefined && stored.position >= position) return
      j.checkpoints.set(name, { position, updatedAt: now })
    },

    async listSubscriptionCheckpoints() {
      return [...j.checkpoints].map(([name, c]) => ({ name, position: c.position, updatedAt: c.updatedAt }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    },

    async deleteSubscriptionCheckpoint(name) {
      return j.checkpoints.delete(name)
    },
  }
}
