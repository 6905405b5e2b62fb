import { compareKeys, type Message } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { RoomMessageIndex } from './message-index.js'

// The index behind listMessages, checked against a sorted reference at a size where a linear scan
// would show. Stored messages need only their key and threadId here.
function message(i: number, tick: number, threadId?: string): Message {
  const at = new Date(Date.UTC(2024, 0, 1) + tick).toISOString()
  return { id: `msg_${String(i).padStart(6, '0')}`, insertedAt: at, ...(threadId ? { threadId } : {}) } as Message
}

describe('RoomMessageIndex', () => {
  const n = 20_000
  // A fixed permutation of ticks with many duplicates, inserted out of order.
  const messages = Array.from({ length: n }, (_, i) => message(i, (i * 7919) % 5000, i % 3 === 0 ? 'thr_a' : undefined))
  const index = new RoomMessageIndex()
  for (const m of messages) index.add(m)
  const sorted = [...messages].sort(compareKeys)
  const top = sorted.filter((m) => m.threadId === undefined)

  it('keeps every key in (insertedAt, id) order, and per filter', () => {
    expect(index.allIds()).toEqual(sorted.map((m) => m.id))
    expect(index.count()).toBe(n)
    expect(index.count(null)).toBe(top.length)
    expect(index.count('thr_a')).toBe(n - top.length)
  })

  it('windows match slices of the reference on both sides of a cursor', () => {
    for (const at of [0, 1, 777, 10_000, n - 2, n - 1]) {
      const cursor = sorted[at]!
      const before = index.window({ roomId: 'r', limit: 50, before: cursor })
      expect(before.ids).toEqual(sorted.slice(Math.max(0, at - 50), at).map((m) => m.id))
      expect([before.hasMoreBefore, before.hasMoreAfter]).toEqual([at > 50, true])
      const after = index.window({ roomId: 'r', limit: 50, after: cursor })
      expect(after.ids).toEqual(sorted.slice(at + 1, at + 51).map((m) => m.id))
      expect([after.hasMoreBefore, after.hasMoreAfter]).toEqual([true, at + 51 < n])
    }
    const newestTop = index.window({ roomId: 'r', limit: 10, threadId: null })
    expect(newestTop.ids).toEqual(top.slice(-10).map((m) => m.id))
  })

  it('removes keys from every list', () => {
    const local = new RoomMessageIndex()
    const a = message(1, 5, 'thr_x')
    const b = message(2, 5)
    local.add(a)
    local.add(b)
    local.remove(a)
    expect(local.allIds()).toEqual([b.id])
    expect(local.count('thr_x')).toBe(0)
    expect(local.window({ roomId: 'r', limit: 5, threadId: 'thr_x' }).ids).toEqual([])
  })
})
