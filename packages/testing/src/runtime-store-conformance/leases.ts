import type { JournalWrite, LeaseStore, Signal } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { makeMessage, uniqueSuffix } from '../factories.js'
import { concurrently, expectCode, seedRoom, withPeer } from '../store-conformance/context.js'
import { testSignal } from '../store-conformance/journal.js'
import type { FullStore, RuntimeSuiteContext } from './context.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The store's lease methods (every store of this repository has them). */
function leases(store: FullStore): LeaseStore {
  if (typeof store.acquireLease !== 'function') throw new Error(`[testing] ${store.name} has no leases (acquireLease)`)
  return store as FullStore & LeaseStore
}

/** Tries to take `name` until it works (the holder's lease ran out on the store's clock) or `ms` passed. */
async function takeWhenExpired(store: LeaseStore, name: string, holder: string, ttlMs: number, ms = 10_000) {
  const deadline = Date.now() + ms
  for (;;) {
    const lease = await store.acquireLease(name, holder, ttlMs)
    if (lease !== null) return lease
    if (Date.now() > deadline) throw new Error(`${holder} could not take ${name} within ${ms} ms`)
    await sleep(25)
  }
}

const fencedJournal = (signals: readonly Signal[], fence: { name: string; generation: number }): JournalWrite<unknown> => ({ signals: () => signals, fence })

export function leaseCases(ctx: RuntimeSuiteContext): void {
  describe('leases', () => {
    it('a free lease is taken; another holder gets null while it lives; its holder renews it in the same generation', async () => {
      const store = leases(ctx.store())
      const name = `bridge:l_${uniqueSuffix()}`
      const a = await store.acquireLease(name, 'holder-a', 30_000)
      expect(a).toMatchObject({ name, holder: 'holder-a', generation: expect.any(Number) })
      expect(a!.generation).toBeGreaterThanOrEqual(1)
      expect(Date.parse(a!.expiresAt)).toBeGreaterThan(Date.now() + 20_000)
      expect(await store.acquireLease(name, 'holder-b', 30_000)).toBeNull()
      const again = await store.acquireLease(name, 'holder-a', 30_000)
      expect(again).toMatchObject({ name, holder: 'holder-a', generation: a!.generation })
      const renewed = await store.renewLease(name, 'holder-a', a!.generation, 60_000)
      expect(renewed).toMatchObject({ name, holder: 'holder-a', generation: a!.generation })
      expect(Date.parse(renewed!.expiresAt)).toBeGreaterThan(Date.parse(a!.expiresAt))
      // Renewal needs the holder and its generation.
      expect(await store.renewLease(name, 'holder-b', a!.generation, 60_000)).toBeNull()
      expect(await store.renewLease(name, 'holder-a', a!.generation + 1, 60_000)).toBeNull()
      expect(await store.listLeases(name)).toEqual([renewed])
    })

    it('of many concurrent acquirers of one free lease, exactly one wins', async () => {
      const store = leases(ctx.store())
      for (let round = 0; round < 3; round++) {
        const name = `agent:l_${uniqueSuffix()}`
        const results = await concurrently(30, (i) => store.acquireLease(name, `holder-${i}`, 30_000))
        const winners = results.filter((l) => l !== null)
        expect(winners).toHaveLength(1)
        expect(await store.listLeases(name)).toEqual([expect.objectContaining({ holder: winners[0]!.holder, generation: winners[0]!.generation })])
      }
    }, 60_000)

    it.skipIf(!ctx.caps.crossProcess)('concurrent acquirers on two handles: exactly one wins (crossProcess)', async () => {
      await withPeer(ctx, async (a, b) => {
        const name = `bridge:xp_${uniqueSuffix()}`
        const results = await concurrently(30, (i) => leases(i % 2 === 0 ? a : b).acquireLease(name, `holder-${i}`, 30_000))
        expect(results.filter((l) => l !== null)).toHaveLength(1)
      })
    }, 60_000)

    it('an expired lease is taken over with a higher generation; the stale holder can neither renew nor release it', async () => {
      const store = leases(ctx.store())
      const name = `bridge:l_${uniqueSuffix()}`
      const a = (await store.acquireLease(name, 'holder-a', 300))!
      expect(await store.acquireLease(name, 'holder-b', 30_000)).toBeNull()
      const b = await takeWhenExpired(store, name, 'holder-b', 30_000)
      expect(b.holder).toBe('holder-b')
      expect(b.generation).toBeGreaterThan(a.generation)
      expect(await store.renewLease(name, 'holder-a', a.generation, 30_000)).toBeNull()
      expect(await store.releaseLease(name, 'holder-a', a.generation)).toBe(false)
      expect(await store.acquireLease(name, 'holder-a', 30_000)).toBeNull()
      expect(await store.listLeases(name)).toEqual([b])
    }, 30_000)

    it('a lease that ran out cannot be renewed; taken again by its own holder it gets a new generation', async () => {
      const store = leases(ctx.store())
      const name = `agent:l_${uniqueSuffix()}`
      const first = (await store.acquireLease(name, 'holder-a', 200))!
      await sleep(400)
      expect(await store.renewLease(name, 'holder-a', first.generation, 30_000)).toBeNull()
      expect(await store.listLeases(name)).toEqual([])
      const second = (await store.acquireLease(name, 'holder-a', 30_000))!
      expect(second.generation).toBeGreaterThan(first.generation)
    }, 30_000)

    it('a released lease is free at once, and the next holder gets a higher generation', async () => {
      const store = leases(ctx.store())
      const name = `bridge:l_${uniqueSuffix()}`
      const a = (await store.acquireLease(name, 'holder-a', 60_000))!
      expect(await store.releaseLease(name, 'holder-a', a.generation + 1)).toBe(false)
      expect(await store.releaseLease(name, 'holder-a', a.generation)).toBe(true)
      expect(await store.listLeases(name)).toEqual([])
      const b = (await store.acquireLease(name, 'holder-b', 60_000))!
      expect(b.generation).toBeGreaterThan(a.generation)
      expect(await store.renewLease(name, 'holder-a', a.generation, 60_000)).toBeNull()
    })

    it('listLeases: the live leases whose name starts with the prefix, by name', async () => {
      const store = leases(ctx.store())
      const tag = `l_${uniqueSuffix()}`
      const names = [`agent:${tag}:b`, `agent:${tag}:a`, `bridge:${tag}`, `agent:${tag}x`]
      for (const name of names) await store.acquireLease(name, 'holder-a', 60_000)
      const gone = (await store.acquireLease(`agent:${tag}:c`, 'holder-a', 60_000))!
      await store.releaseLease(gone.name, 'holder-a', gone.generation)
      expect((await store.listLeases(`agent:${tag}:`)).map((l) => l.name)).toEqual([`agent:${tag}:a`, `agent:${tag}:b`])
      expect((await store.listLeases(`agent:${tag}`)).map((l) => l.name)).toEqual([`agent:${tag}:a`, `agent:${tag}:b`, `agent:${tag}x`])
      const all = (await store.listLeases()).map((l) => l.name)
      expect(all).toEqual(expect.arrayContaining([...names]))
      expect(all).toEqual([...all].sort())
    })

    it('fenced writes pass in the current generation and are refused with CONFLICT, writing nothing, once it is superseded', async () => {
      const store = leases(ctx.store()) as FullStore & LeaseStore
      const name = `agent:l_${uniqueSuffix()}`
      const old = (await store.acquireLease(name, 'holder-a', 60_000))!
      const fence = { name, generation: old.generation }
      const room = await seedRoom(store)

      // In the current term every fenced write goes through.
      const kept = makeMessage(room.id)
      await store.commitMessage({ message: kept, journal: fencedJournal([testSignal({ roomId: room.id })], fence) })
      await store.insertMessage(makeMessage(room.id), fencedJournal([], fence) as JournalWrite<never>)
      await store.appendSignals(fencedJournal([testSignal({ roomId: room.id })], fence) as JournalWrite<void>)
      await store.saveSubscriptionCheckpoint(name, 5, new Date().toISOString(), fence)
      expect(await store.getSubscriptionCheckpoint(name)).toBe(5)

      // Another holder takes over (released here rather than waited out).
      await store.releaseLease(name, 'holder-a', old.generation)
      const now = (await store.acquireLease(name, 'holder-b', 60_000))!
      const head = (await store.journalHead()).position
      const refused = makeMessage(room.id)
      await expectCode(store.commitMessage({ message: refused, journal: fencedJournal([testSignal({ roomId: room.id })], fence) }), 'CONFLICT')
      await expectCode(store.insertMessage(makeMessage(room.id), fencedJournal([testSignal({ roomId: room.id })], fence) as JournalWrite<never>), 'CONFLICT')
      await expectCode(store.appendSignals(fencedJournal([testSignal({ roomId: room.id })], fence) as JournalWrite<void>), 'CONFLICT')
      await expectCode(store.saveSubscriptionCheckpoint(name, 9, new Date().toISOString(), fence), 'CONFLICT')
      expect(await store.getMessage(refused.id)).toBeNull()
      expect(await store.countMessages(room.id)).toBe(2)
      expect((await store.journalHead()).position).toBe(head)
      expect(await store.getSubscriptionCheckpoint(name)).toBe(5)

      // The new term's writes go through; a fence on a lease never taken is refused.
      await store.saveSubscriptionCheckpoint(name, 9, new Date().toISOString(), { name, generation: now.generation })
      expect(await store.getSubscriptionCheckpoint(name)).toBe(9)
      await expectCode(store.saveSubscriptionCheckpoint(name, 10, new Date().toISOString(), { name: `${name}:never`, generation: 1 }), 'CONFLICT')
    })

    it('fenced writes racing a takeover (on another handle when crossProcess): none of the stale term lands after the takeover', async () => {
      const race = async (writer: FullStore, taker: FullStore) => {
        const name = `bridge:l_${uniqueSuffix()}`
        const room = await seedRoom(writer)
        const old = (await leases(writer).acquireLease(name, 'holder-a', 60_000))!
        const fence = { name, generation: old.generation }
        // The stale holder keeps writing while the lease moves; each write commits before the takeover or is refused.
        const writes: Array<Promise<unknown>> = []
        let writing = true
        const loop = (async () => {
          while (writing) {
            for (let i = 0; i < 4; i++) {
              const write = writer.commitMessage({ message: makeMessage(room.id), journal: fencedJournal([testSignal({ roomId: room.id })], fence) })
              write.catch(() => undefined) // settled below
              writes.push(write)
            }
            await sleep(2)
          }
        })()
        await sleep(100)
        await leases(taker).releaseLease(name, 'holder-a', old.generation)
        const taken = (await leases(taker).acquireLease(name, 'holder-b', 60_000))!
        expect(taken.generation).toBeGreaterThan(old.generation)
        const countAtTakeover = await taker.countMessages(room.id)
        await sleep(150)
        writing = false
        await loop
        const results = await Promise.allSettled(writes)
        const refused = results.filter((r) => r.status === 'rejected')
        for (const r of refused) expect((r.reason as { code?: string }).code).toBe('CONFLICT')
        expect(refused.length).toBeGreaterThan(0)
        expect(await taker.countMessages(room.id)).toBe(countAtTakeover)
        expect(results.length - refused.length).toBe(countAtTakeover)
      }
      if (ctx.caps.crossProcess) await withPeer(ctx, race)
      else await race(ctx.store(), ctx.store())
    }, 30_000)
  })
}
