import type { Message, StoreMessageQuery } from '@jido-messaging/core'
import { SortedKeys } from './sorted-keys.js'

/** The slice of a page a query selects: positions in one sorted key list, plus the hasMore flags. */
export interface KeyWindow {
  ids: string[]
  hasMoreBefore: boolean
  hasMoreAfter: boolean
}

/**
 * The message keys of one room, kept sorted three ways so every `threadId` filter is a plain seek:
 * all messages, top-level messages (no threadId) and one list per thread.
 */
export class RoomMessageIndex {
  private readonly all = new SortedKeys()
  private readonly topLevel = new SortedKeys()
  private readonly byThread = new Map<string, SortedKeys>()

  add(message: Message): void {
    this.all.insert(message)
    this.filtered(message.threadId ?? null, true)?.insert(message)
  }

  remove(message: Message): void {
    this.all.remove(message)
    const threadId = message.threadId ?? null
    const list = this.filtered(threadId, false)
    list?.remove(message)
    if (threadId !== null && list?.size === 0) this.byThread.delete(threadId)
  }

  count(threadId?: string | null): number {
    return this.select(threadId)?.size ?? 0
  }

  /** Every message id of the room, in key order. */
  allIds(): string[] {
    return this.all.keys.map((k) => k.id)
  }

  /** The ids of one page, in ascending key order, and whether matching keys lie beyond it. */
  window(query: StoreMessageQuery): KeyWindow {
    const list = this.select(query.threadId)
    if (list === undefined) return { ids: [], hasMoreBefore: false, hasMoreAfter: false }
    const n = list.size
    let start: number
    let end: number
    if (query.after !== undefined) {
      start = list.upperBound(query.after)
      end = Math.min(n, start + query.limit)
    } else {
      end = query.before !== undefined ? list.lowerBound(query.before) : n
      start = Math.max(0, end - query.limit)
    }
    return {
      ids: list.keys.slice(start, end).map((k) => k.id),
      hasMoreBefore: start > 0,
      hasMoreAfter: end < n,
    }
  }

  private select(threadId: string | null | undefined): SortedKeys | undefined {
    return threadId === undefined ? this.all : this.filtered(threadId, false)
  }

  private filtered(threadId: string | null, create: boolean): SortedKeys | undefined {
    if (threadId === null) return this.topLevel
    let list = this.byThread.get(threadId)
    if (list === undefined && create) this.byThread.set(threadId, (list = new SortedKeys()))
    return list
  }
}
