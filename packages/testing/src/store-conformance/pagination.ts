import type { Message, MessagingStore, StoreMessageQuery } from '@jido-messaging/core'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isoAt, makeMessage } from '../factories.js'
import { byKey, idsOf, keyOf, seedRoom, type SuiteContext } from './context.js'

// Property-based checks of listMessages keyset pagination over random rooms: few distinct timestamps
// (so many equal insertedAt values), messages in two threads and at top level, random insertion order,
// random limits and filters.

const RUNS = 30
const TIMEOUT_MS = 120_000

const threadChoice = fc.constantFrom<string | null>(null, 'thr_a', 'thr_b')
const scenario = fc.record({
  messages: fc.array(fc.record({ tick: fc.integer({ min: 0, max: 6 }), threadId: threadChoice, order: fc.nat() }), {
    maxLength: 40,
  }),
  limit: fc.integer({ min: 1, max: 12 }),
  filter: fc.constantFrom<string | null | undefined>(undefined, null, 'thr_a'),
})
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never

/** Inserts the scenario's messages into a fresh room in their random `order`; returns the room and the expected listing. */
async function seed(store: MessagingStore, s: Scenario): Promise<{ roomId: string; expected: Message[] }> {
  const room = await seedRoom(store)
  const messages = s.messages.map((spec) => ({
    spec,
    message: makeMessage(room.id, {
      insertedAt: isoAt(spec.tick),
      ...(spec.threadId === null ? {} : { threadId: spec.threadId }),
    }),
  }))
  for (const { message } of [...messages].sort((a, b) => a.spec.order - b.spec.order)) await store.insertMessage(message)
  const matches = (m: Message) => s.filter === undefined || (m.threadId ?? null) === s.filter
  return { roomId: room.id, expected: messages.map((x) => x.message).filter(matches).sort(byKey) }
}

function baseQuery(roomId: string, s: Scenario): StoreMessageQuery {
  return { roomId, limit: s.limit, ...(s.filter === undefined ? {} : { threadId: s.filter }) }
}

export function paginationProperties(ctx: SuiteContext): void {
  describe('listMessages pagination (property-based)', () => {
    it('paging backward with `before` from the newest, then forward with `after` from the oldest, yields every message once in order', async () => {
      const store = ctx.store()
      await fc.assert(
        fc.asyncProperty(scenario, async (s) => {
          const { roomId, expected } = await seed(store, s)
          const want = idsOf(expected)
          const query = baseQuery(roomId, s)

          // Backward from the newest.
          const backward: string[] = []
          let result = await store.listMessages(query)
          expect(result.hasMoreAfter).toBe(false)
          for (let pages = 0; ; pages++) {
            expect(pages).toBeLessThanOrEqual(want.length)
            expect(idsOf(result.messages)).toEqual(want.slice(want.length - backward.length - result.messages.length, want.length - backward.length))
            backward.unshift(...idsOf(result.messages))
            expect(result.hasMoreBefore).toBe(backward.length < want.length)
            if (!result.hasMoreBefore) break
            expect(result.messages).toHaveLength(s.limit)
            result = await store.listMessages({ ...query, before: keyOf(result.messages[0]!) })
            expect(result.hasMoreAfter).toBe(true)
          }
          expect(backward).toEqual(want)

          // Forward from the oldest.
          const oldest = expected[0]
          if (oldest === undefined) return
          const forward = [oldest.id]
          let cursor = keyOf(oldest)
          for (let pages = 0; ; pages++) {
            expect(pages).toBeLessThanOrEqual(want.length)
            const next = await store.listMessages({ ...query, after: cursor })
            expect(next.hasMoreBefore).toBe(true)
            expect(idsOf(next.messages)).toEqual(want.slice(forward.length, forward.length + s.limit))
            forward.push(...idsOf(next.messages))
            expect(next.hasMoreAfter).toBe(forward.length < want.length)
            const last = next.messages[next.messages.length - 1]
            if (!next.hasMoreAfter || last === undefined) break
            cursor = keyOf(last)
          }
          expect(forward).toEqual(want)
        }),
        { numRuns: RUNS },
      )
    }, TIMEOUT_MS)

    it('any single before/after page equals the matching slice of the sorted messages, with exact flags', async () => {
      const store = ctx.store()
      const withCursor = fc.record({ s: scenario, at: fc.nat(), side: fc.constantFrom('before', 'after') })
      await fc.assert(
        fc.asyncProperty(withCursor, async ({ s, at, side }) => {
          const { roomId, expected } = await seed(store, s)
          if (expected.length === 0) return
          const i = at % expected.length
          const cursor = keyOf(expected[i]!)
          const result = await store.listMessages({ ...baseQuery(roomId, s), [side]: cursor })
          const start = side === 'before' ? Math.max(0, i - s.limit) : i + 1
          const end = side === 'before' ? i : Math.min(expected.length, i + 1 + s.limit)
          expect(result.messages).toEqual(expected.slice(start, end))
          expect(result.hasMoreBefore).toBe(start > 0)
          expect(result.hasMoreAfter).toBe(end < expected.length)
        }),
        { numRuns: RUNS },
      )
    }, TIMEOUT_MS)
  })
}
