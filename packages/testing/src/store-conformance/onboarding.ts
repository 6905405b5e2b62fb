import {
  newId,
  nowIso,
  signalToJson,
  type JournalWrite,
  type MessagingStore,
  type OnboardingFlow,
  type OnboardingStore,
  type OnboardingTransitionRecord,
  type Signal,
} from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { concurrently, rejectionOf, withPeer, type SuiteContext } from './context.js'
import { testSignal } from './journal.js'

// The onboarding part of the store contract (OnboardingStore): atomic get-or-create, atomic
// read-modify-write (also across handles), copies in and out, journal appended in the write.

type OnboardingCapable = MessagingStore & OnboardingStore

/** A complete flow record with a fresh id (status `started`, empty log). */
export function makeOnboardingFlow(overrides: Partial<OnboardingFlow> = {}): OnboardingFlow {
  const now = nowIso()
  return {
    id: newId('onboarding'),
    status: 'started',
    attrs: { channel: 'telegram', externalUserId: 'u_1' },
    transitions: [],
    idempotency: {},
    insertedAt: now,
    updatedAt: now,
    ...overrides,
  }
}

const entry = (i: number): OnboardingTransitionRecord => ({
  transition: 'resolve_directory',
  from: 'started',
  to: 'directory_resolved',
  metadata: { i },
  idempotencyKey: `k${i}`,
  at: nowIso(),
})

/** Appends one log entry and its idempotency result: a change that must never be lost under concurrency. */
const appendEntry = (i: number) => (flow: OnboardingFlow): OnboardingFlow => ({
  ...flow,
  transitions: [...flow.transitions, entry(i)],
  idempotency: {
    ...flow.idempotency,
    [`k${i}`]: { onboardingId: flow.id, transition: 'resolve_directory', previousStatus: 'started', status: 'directory_resolved', idempotent: false },
  },
})

/** A journal that records its calls and returns `make(result)`. */
interface Recording<R> extends JournalWrite<R> {
  calls: number
  results: R[]
  /** What the last call returned: what the store must have appended. */
  appended: readonly Signal[]
}

function recording<R>(make: (result: R) => readonly Signal[]): Recording<R> {
  const j: Recording<R> = {
    calls: 0,
    results: [],
    appended: [],
    signals(result: R) {
      j.calls++
      j.results.push(result)
      j.appended = make(result)
      return j.appended
    },
  }
  return j
}

const typeT = 'jido.messaging.onboarding.transitioned'

async function journalSince(store: MessagingStore, after: number) {
  return store.readJournal({ after, limit: 1000 })
}

export function onboardingStoreCases(ctx: SuiteContext): void {
  const store = () => ctx.store() as OnboardingCapable

  describe('onboarding flows', { timeout: 60_000 }, () => {
    it('getOrCreateOnboardingFlow creates once, then returns the stored flow; getOnboardingFlow reads it', async () => {
      const s = store()
      const candidate = makeOnboardingFlow({ attrs: { nested: { list: [1, 2] }, who: 'ada' } })
      const first = await s.getOrCreateOnboardingFlow(candidate)
      expect(first).toEqual({ flow: candidate, created: true })
      const other = makeOnboardingFlow({ id: candidate.id, attrs: { who: 'grace' } })
      const second = await s.getOrCreateOnboardingFlow(other)
      expect(second).toEqual({ flow: candidate, created: false })
      expect(await s.getOnboardingFlow(candidate.id)).toEqual(candidate)
      expect(await s.getOnboardingFlow('onb_missing')).toBeNull()
    })

    it('optional fields round-trip, and are absent (not undefined) when unset', async () => {
      const s = store()
      const bare = makeOnboardingFlow()
      const stored = (await s.getOrCreateOnboardingFlow(bare)).flow
      expect(Object.keys(stored).sort()).toEqual(['attrs', 'id', 'idempotency', 'insertedAt', 'status', 'transitions', 'updatedAt'])
      const full = makeOnboardingFlow({
        status: 'completed',
        directoryMatch: { participantId: 'ptc_1', score: 0.5 },
        pairing: { code: '1234', ok: true },
        completionMetadata: { note: 'done', at: null },
        transitions: [entry(1)],
        idempotency: { k1: { onboardingId: 'x', transition: 'complete', previousStatus: 'paired', status: 'completed', idempotent: false } },
      })
      await s.getOrCreateOnboardingFlow(full)
      expect(await s.getOnboardingFlow(full.id)).toEqual(full)
    })

    it('20 concurrent getOrCreateOnboardingFlow calls of one id create it once and all resolve the winner', async () => {
      const s = store()
      const id = newId('onboarding')
      const results = await concurrently(20, (i) => s.getOrCreateOnboardingFlow(makeOnboardingFlow({ id, attrs: { caller: i } })))
      expect(results.filter((r) => r.created)).toHaveLength(1)
      const winner = results.find((r) => r.created)!.flow
      for (const r of results) expect(r.flow).toEqual(winner)
      expect(await s.getOnboardingFlow(id)).toEqual(winner)
    })

    it('updateOnboardingFlow: null when absent, unchanged on undefined, applies the change, keeps the id', async () => {
      const s = store()
      expect(await s.updateOnboardingFlow('onb_missing', (f) => f)).toBeNull()
      const flow = (await s.getOrCreateOnboardingFlow(makeOnboardingFlow())).flow
      expect(await s.updateOnboardingFlow(flow.id, () => undefined)).toEqual({ record: flow, changed: false })
      const updatedAt = nowIso()
      const result = await s.updateOnboardingFlow(flow.id, (f) => ({ ...f, id: 'onb_moved', status: 'directory_resolved', directoryMatch: { p: 1 }, updatedAt }))
      const expected = { ...flow, status: 'directory_resolved', directoryMatch: { p: 1 }, updatedAt }
      expect(result).toEqual({ record: expected, changed: true })
      expect(await s.getOnboardingFlow(flow.id)).toEqual(expected)
      expect(await s.getOnboardingFlow('onb_moved')).toBeNull()
    })

    it('an updater that throws rejects with its error and changes nothing', async () => {
      const s = store()
      const flow = (await s.getOrCreateOnboardingFlow(makeOnboardingFlow())).flow
      const error = await rejectionOf(s.updateOnboardingFlow(flow.id, () => {
        throw new Error('updater says no')
      }))
      expect((error as Error).message).toMatch(/updater says no/)
      expect(await s.getOnboardingFlow(flow.id)).toEqual(flow)
    })

    it('20 concurrent updates each see the one before: none is lost', async () => {
      const s = store()
      const flow = (await s.getOrCreateOnboardingFlow(makeOnboardingFlow())).flow
      await concurrently(20, (i) => s.updateOnboardingFlow(flow.id, appendEntry(i)))
      const stored = (await s.getOnboardingFlow(flow.id))!
      expect(stored.transitions).toHaveLength(20)
      expect(new Set(stored.transitions.map((t) => t.metadata['i']))).toEqual(new Set(Array.from({ length: 20 }, (_, i) => i)))
      expect(Object.keys(stored.idempotency).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `k${i}`).sort())
    })

    it('a check-and-set updater applies once among 20 concurrent callers (idempotency is atomic)', async () => {
      const s = store()
      const flow = (await s.getOrCreateOnboardingFlow(makeOnboardingFlow())).flow
      const results = await concurrently(20, (i) => s.updateOnboardingFlow(flow.id, (f) =>
        f.idempotency['once'] !== undefined ? undefined : { ...appendEntry(i)(f), idempotency: { ...f.idempotency, once: appendEntry(i)(f).idempotency[`k${i}`]! } }))
      expect(results.filter((r) => r?.changed)).toHaveLength(1)
      expect((await s.getOnboardingFlow(flow.id))!.transitions).toHaveLength(1)
    })

    // Skipped only for a store that cannot be opened twice (the memory store); SQLite and Postgres run it.
    it.skipIf(!ctx.caps.crossProcess)('get-or-create and updates race correctly across two handles', async () => {
      await withPeer(ctx, async (a, b) => {
        const sa = a as OnboardingCapable
        const sb = b as OnboardingCapable
        const id = newId('onboarding')
        const created = await concurrently(20, (i) => (i % 2 === 0 ? sa : sb).getOrCreateOnboardingFlow(makeOnboardingFlow({ id, attrs: { caller: i } })))
        expect(created.filter((r) => r.created)).toHaveLength(1)
        expect(new Set(created.map((r) => JSON.stringify(r.flow.attrs))).size).toBe(1)
        await concurrently(20, (i) => (i % 2 === 0 ? sa : sb).updateOnboardingFlow(id, appendEntry(i)))
        expect((await sb.getOnboardingFlow(id))!.transitions).toHaveLength(20)
        const once = await concurrently(20, (i) => (i % 2 === 0 ? sa : sb).updateOnboardingFlow(id, (f) =>
          f.status !== 'started' ? undefined : { ...f, status: 'cancelled', completionMetadata: { by: i } }))
        expect(once.filter((r) => r?.changed)).toHaveLength(1)
      })
    })

    it('returned and passed-in flows are copies', async () => {
      const s = store()
      const candidate = makeOnboardingFlow({ attrs: { list: ['a'] }, transitions: [entry(0)] })
      const { flow } = await s.getOrCreateOnboardingFlow(candidate)
      const snapshot = structuredClone(flow)
      candidate.attrs['list'] = ['mutated-in']
      candidate.transitions[0]!.metadata['i'] = 99
      ;(flow.attrs['list'] as string[]).push('mutated-out')
      flow.transitions.push(entry(5))
      const read = (await s.getOnboardingFlow(flow.id))!
      expect(read).toEqual(snapshot)
      read.idempotency['x'] = { onboardingId: 'x', transition: 'cancel', previousStatus: 'started', status: 'cancelled', idempotent: false }
      expect(await s.getOnboardingFlow(flow.id)).toEqual(snapshot)
      let seen: OnboardingFlow | undefined
      const result = await s.updateOnboardingFlow(flow.id, (f) => {
        seen = f
        f.attrs['seen'] = true // the updater gets a copy it may mutate
        return f
      })
      seen!.attrs['after'] = 'mutated'
      result!.record.attrs['after2'] = 'mutated'
      expect((await s.getOnboardingFlow(flow.id))!.attrs).toEqual({ list: ['a'], seen: true })
    })

    it('journaled writes append their signals in the write, with the write result', async () => {
      const s = store()
      const head = (await s.journalHead()).position
      const candidate = makeOnboardingFlow()
      const onCreate = recording<{ flow: OnboardingFlow; created: boolean }>((r) => (r.created ? [testSignal({ type: typeT, data: { onboardingId: r.flow.id } })] : []))
      await s.getOrCreateOnboardingFlow(candidate, onCreate)
      expect(onCreate.results.at(-1)).toEqual({ flow: candidate, created: true })
      expect(onCreate.firstPosition).toBe(head + 1)

      const again = recording<{ flow: OnboardingFlow; created: boolean }>((r) => (r.created ? [testSignal({ type: typeT })] : []))
      await s.getOrCreateOnboardingFlow(makeOnboardingFlow({ id: candidate.id }), again)
      expect(again.results.at(-1)?.created).toBe(false)
      expect(again.firstPosition).toBeUndefined()

      const roomId = newId('room')
      const onUpdate = recording<unknown>(() => [testSignal({ type: typeT, roomId }), testSignal({ type: typeT, roomId })])
      const result = await s.updateOnboardingFlow(candidate.id, (f) => ({ ...f, status: 'cancelled' }), onUpdate)
      expect(onUpdate.results.at(-1)).toEqual(result)
      expect(onUpdate.firstPosition).toBe(head + 2)
      const entries = await journalSince(s, head)
      expect(entries.map((e) => e.position)).toEqual([head + 1, head + 2, head + 3])
      expect(entries.slice(1).map((e) => signalToJson(e.signal))).toEqual(onUpdate.appended.map((x) => signalToJson(x)))
      expect((await s.readJournal({ after: head, limit: 10, roomId })).map((e) => e.position)).toEqual([head + 2, head + 3])

      const unchanged = recording<unknown>((r) => ((r as { changed: boolean }).changed ? [testSignal({ type: typeT })] : []))
      await s.updateOnboardingFlow(candidate.id, () => undefined, unchanged)
      expect(unchanged.results.at(-1)).toMatchObject({ changed: false })
      const absent = recording<unknown>(() => [])
      expect(await s.updateOnboardingFlow('onb_missing', (f) => f, absent)).toBeNull()
      expect((await s.journalHead()).position).toBe(head + 3)
    })

    it('a journal hook that throws fails the update and changes nothing', async () => {
      const s = store()
      const flow = (await s.getOrCreateOnboardingFlow(makeOnboardingFlow())).flow
      const head = (await s.journalHead()).position
      const failing: JournalWrite<unknown> = { signals: () => { throw new Error('hook failed') } }
      await rejectionOf(s.updateOnboardingFlow(flow.id, (f) => ({ ...f, status: 'cancelled' }), failing))
      expect(await s.getOnboardingFlow(flow.id)).toEqual(flow)
      expect((await s.journalHead()).position).toBe(head)
    })
  })
}
