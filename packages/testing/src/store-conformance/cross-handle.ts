import type { MessagingStore } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { isoAt, makeBinding, makeMessage, makeRoom, uniqueSuffix } from '../factories.js'
import { seedRoom, withPeer, type SuiteContext } from './context.js'

/** Interleaves calls over two handles: even i on the first, odd i on the second. */
function across<T>(a: MessagingStore, b: MessagingStore, n: number, task: (s: MessagingStore, i: number) => Promise<T>) {
  return Promise.all(Array.from({ length: n }, (_, i) => task(i % 2 === 0 ? a : b, i)))
}

export function crossHandleCases(ctx: SuiteContext): void {
  // Only stores that claim cross-process safety (and give connectPeer) are raced from a second handle;
  // all stores in this repository do, store-memory with a second reference on the same heap.
  const skip = !ctx.caps.crossProcess

  describe('races across two handles (crossProcess)', () => {
    it.skipIf(skip)('getOrCreateRoomByBinding returns one room to callers on both handles', async () => {
      await withPeer(ctx, async (a, b) => {
        const externalRoomId = `xp_${uniqueSuffix()}`
        const results = await across(a, b, 40, (s) => {
          const candidate = makeRoom()
          return s.getOrCreateRoomByBinding(candidate, makeBinding(candidate.id, { externalRoomId }))
        })
        expect(new Set(results.map((r) => r.room.id)).size).toBe(1)
        expect(results.filter((r) => r.created)).toHaveLength(1)
      })
    })

    it.skipIf(skip)('claimDedupeKey grants one claim across both handles', async () => {
      await withPeer(ctx, async (a, b) => {
        const key = `xp_${uniqueSuffix()}`
        const results = await across(a, b, 60, (s) => s.claimDedupeKey(key, { now: isoAt(0), expiresAt: isoAt(60_000) }))
        expect(results.filter(Boolean)).toHaveLength(1)
      })
    })

    it.skipIf(skip)('updateMessage loses no update across both handles', async () => {
      await withPeer(ctx, async (a, b) => {
        const room = await seedRoom(a)
        const message = await a.insertMessage(makeMessage(room.id))
        await across(a, b, 20, (s, i) =>
          s.updateMessage(message.id, (m) => ({ ...m, reactions: { ...m.reactions, [`r${i}`]: ['ptc_a'] } })))
        expect(Object.keys((await b.getMessage(message.id))?.reactions ?? {})).toHaveLength(20)
      })
    })
  })
}
