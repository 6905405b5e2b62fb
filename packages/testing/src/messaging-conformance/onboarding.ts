import {
  createMessaging,
  isMessagingError,
  positionOf,
  type Messaging,
  type OnboardingFlow,
  type OnboardingStatus,
  type OnboardingTransitionName,
  type Signal,
} from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { useMessaging, type MessagingConformanceOptions } from './harness.js'
import { until } from './journal.js'

// Onboarding flows through the public API (SPEC 9): the state machine, its errors, idempotency keys
// (also across two instances on one store), onboarding.transitioned signals, onboardingWorker ordering.

const TRANSITIONED = 'jido.messaging.onboarding.transitioned'
const ALL: OnboardingTransitionName[] = ['resolve_directory', 'pair_identity', 'complete', 'cancel']
const ALLOWED: Record<OnboardingStatus, OnboardingTransitionName[]> = {
  started: ['resolve_directory', 'cancel'],
  directory_resolved: ['pair_identity', 'cancel'],
  paired: ['complete', 'cancel'],
  completed: [],
  cancelled: [],
}

/** What the flow's status becomes by each path from `started`. */
const PATH_TO: Record<OnboardingStatus, OnboardingTransitionName[]> = {
  started: [],
  directory_resolved: ['resolve_directory'],
  paired: ['resolve_directory', 'pair_identity'],
  completed: ['resolve_directory', 'pair_identity', 'complete'],
  cancelled: ['cancel'],
}

async function flowIn(messaging: Messaging, status: OnboardingStatus, attrs: Record<string, unknown> = {}): Promise<OnboardingFlow> {
  const flow = await messaging.startOnboarding(attrs)
  for (const t of PATH_TO[status]) await messaging.advanceOnboarding(flow.id, t)
  const now = (await messaging.getOnboarding(flow.id))!
  expect(now.status).toBe(status)
  return now
}

async function errorOf(promise: Promise<unknown>): Promise<{ code?: string; details?: Record<string, unknown> } & Error> {
  try {
    await promise
  } catch (error) {
    return error as never
  }
  throw new Error('expected a rejection')
}

const settle = () => new Promise((r) => setTimeout(r, 30))

const transitionedIn = async (messaging: Messaging, onboardingId: string): Promise<Signal[]> =>
  (await messaging.readSignals({ after: 0, limit: 1000, pattern: TRANSITIONED })).signals.filter((s) => s.data?.['onboardingId'] === onboardingId)

export function onboardingCases(options: MessagingConformanceOptions): void {
  const h = useMessaging(options)

  describe('onboarding', { timeout: 60_000 }, () => {
    it('the happy path: started -> directory_resolved -> paired -> completed, metadata per transition, a log, one signal each', async () => {
      const { messaging, waitForSignals, signals } = h()
      const flow = await messaging.startOnboarding({ channel: 'telegram', externalUserId: 'tg_42', participantId: 'ptc_x' })
      expect(flow).toMatchObject({ status: 'started', attrs: { channel: 'telegram', externalUserId: 'tg_42', participantId: 'ptc_x' }, transitions: [], idempotency: {} })
      expect(flow.id).toMatch(/^onb_/)
      expect(flow).not.toHaveProperty('directoryMatch')
      expect(await messaging.startOnboarding({ onboardingId: flow.id, channel: 'other' })).toEqual(flow)

      const steps: Array<[OnboardingTransitionName, Record<string, unknown>, OnboardingStatus, keyof OnboardingFlow]> = [
        ['resolve_directory', { participantId: 'ptc_1', source: 'directory' }, 'directory_resolved', 'directoryMatch'],
        ['pair_identity', { code: '123456', verified: true }, 'paired', 'pairing'],
        ['complete', { welcome: 'sent' }, 'completed', 'completionMetadata'],
      ]
      let previous: OnboardingStatus = 'started'
      for (const [transition, metadata, status, field] of steps) {
        const result = transition === 'complete'
          ? await messaging.completeOnboarding(flow.id, metadata)
          : await messaging.advanceOnboarding(flow.id, transition, metadata)
        expect(result.transition).toEqual({ onboardingId: flow.id, transition, previousStatus: previous, status, idempotent: false })
        expect(result.flow.status).toBe(status)
        expect(result.flow[field]).toEqual(metadata)
        previous = status
      }
      const done = (await messaging.getOnboarding(flow.id))!
      expect(done).toMatchObject({
        id: flow.id,
        status: 'completed',
        attrs: flow.attrs,
        directoryMatch: steps[0]![1],
        pairing: steps[1]![1],
        completionMetadata: steps[2]![1],
        insertedAt: flow.insertedAt,
      })
      expect(done.transitions.map((t) => [t.transition, t.from, t.to, t.metadata])).toEqual([
        ['resolve_directory', 'started', 'directory_resolved', steps[0]![1]],
        ['pair_identity', 'directory_resolved', 'paired', steps[1]![1]],
        ['complete', 'paired', 'completed', steps[2]![1]],
      ])
      for (const t of done.transitions) expect(Date.parse(t.at)).not.toBeNaN()
      expect(done.updatedAt >= flow.updatedAt).toBe(true)
      expect(await messaging.resumeOnboarding(flow.id)).toEqual(done)
      // started/resumed again: the same flow, unchanged
      expect(await messaging.startOnboarding({ onboardingId: flow.id })).toEqual(done)

      await waitForSignals(3)
      const seen = signals.filter((s) => s.type === TRANSITIONED)
      expect(seen.map((s) => s.data)).toEqual([
        { onboardingId: flow.id, transition: 'resolve_directory', previousStatus: 'started', status: 'directory_resolved', metadata: steps[0]![1], participantId: 'ptc_x' },
        { onboardingId: flow.id, transition: 'pair_identity', previousStatus: 'directory_resolved', status: 'paired', metadata: steps[1]![1], participantId: 'ptc_x' },
        { onboardingId: flow.id, transition: 'complete', previousStatus: 'paired', status: 'completed', metadata: steps[2]![1], participantId: 'ptc_x' },
      ])
      for (const s of seen) {
        expect(s.subject).toBeUndefined()
        expect(s.source).toBe('/jido/messaging/conformance')
        expect(positionOf(s)).toEqual(expect.any(Number))
      }
      const journaled = await transitionedIn(messaging, flow.id)
      expect(journaled.map((s) => s.id)).toEqual(seen.map((s) => s.id))
    })

    it('a flow started with a roomId announces its transitions with the room as subject', async () => {
      const { messaging } = h()
      const room = await messaging.createRoom()
      const flow = await messaging.startOnboarding({ onboardingId: 'onb_with_room', roomId: room.id })
      expect(flow.id).toBe('onb_with_room')
      await messaging.cancelOnboarding(flow.id, { reason: 'left' }, { correlationId: 'cor_onb', causationId: 'evt_9' })
      const [signal] = (await messaging.readSignals({ after: 0, limit: 10, pattern: TRANSITIONED, roomId: room.id })).signals
      expect(signal).toMatchObject({ subject: room.id, correlationid: 'cor_onb', causationid: 'evt_9',
        data: { onboardingId: flow.id, roomId: room.id, transition: 'cancel', previousStatus: 'started', status: 'cancelled', metadata: { reason: 'left' } } })
    })

    it('every invalid transition is INVALID_TRANSITION with {from, transition, allowed}, and changes and emits nothing', async () => {
      const { messaging } = h()
      let checked = 0
      for (const status of Object.keys(ALLOWED) as OnboardingStatus[]) {
        const flow = await flowIn(messaging, status)
        const before = (await messaging.readSignals({ after: 0, limit: 1000, pattern: TRANSITIONED })).signals.length
        for (const transition of ALL.filter((t) => !ALLOWED[status].includes(t))) {
          const call = transition === 'cancel' ? messaging.cancelOnboarding(flow.id)
            : transition === 'complete' ? messaging.completeOnboarding(flow.id, { x: 1 }, { idempotencyKey: `bad-${status}` })
              : messaging.advanceOnboarding(flow.id, transition, { x: 1 })
          const error = await errorOf(call)
          expect(isMessagingError(error, 'INVALID_TRANSITION'), `${status} --${transition}-->`).toBe(true)
          expect(error.name).toBe('InvalidTransitionError')
          expect(error.details).toMatchObject({ from: status, transition, allowed: ALLOWED[status] })
          expect(error.message).toContain(transition)
          checked++
        }
        expect(await messaging.getOnboarding(flow.id)).toEqual(flow)
        expect((await messaging.readSignals({ after: 0, limit: 1000, pattern: TRANSITIONED })).signals).toHaveLength(before)
      }
      // started 2, directory_resolved 2, paired 2, completed 4, cancelled 4
      expect(checked).toBe(14)
    })

    it('a repeated idempotency key returns the cached result (idempotent: true): one log entry, one signal', async () => {
      const { messaging, signals } = h()
      const flow = await messaging.startOnboarding()
      const first = await messaging.advanceOnboarding(flow.id, 'resolve_directory', { match: 1 }, { idempotencyKey: 'resolve-1' })
      const again = await messaging.advanceOnboarding(flow.id, 'resolve_directory', { match: 2 }, { idempotencyKey: 'resolve-1' })
      expect(first.transition.idempotent).toBe(false)
      expect(again.transition).toEqual({ ...first.transition, idempotent: true })
      expect(again.flow).toEqual(first.flow)
      expect(again.flow.directoryMatch).toEqual({ match: 1 })
      expect(first.flow.transitions).toHaveLength(1)
      expect(first.flow.transitions[0]!.idempotencyKey).toBe('resolve-1')
      expect(first.flow.idempotency['resolve-1']).toEqual(first.transition)

      // The flow moved on: the key still answers with its cached result, not INVALID_TRANSITION.
      const paired = await messaging.advanceOnboarding(flow.id, 'pair_identity', {}, { idempotencyKey: 'pair-1' })
      const late = await messaging.advanceOnboarding(flow.id, 'resolve_directory', {}, { idempotencyKey: 'resolve-1' })
      expect(late.transition).toEqual({ ...first.transition, idempotent: true })
      expect(late.flow).toEqual(paired.flow)
      const completed = await messaging.completeOnboarding(flow.id, { done: true }, { idempotencyKey: 'complete-1' })
      const completedAgain = await messaging.completeOnboarding(flow.id, { done: false }, { idempotencyKey: 'complete-1' })
      expect(completedAgain.transition).toEqual({ ...completed.transition, idempotent: true })
      expect(completedAgain.flow).toEqual(completed.flow)
      // a new key for a transition the status no longer allows is invalid
      await expect(messaging.completeOnboarding(flow.id, {}, { idempotencyKey: 'complete-2' })).rejects.toMatchObject({ code: 'INVALID_TRANSITION' })

      const stored = (await messaging.getOnboarding(flow.id))!
      expect(stored.transitions.map((t) => t.idempotencyKey)).toEqual(['resolve-1', 'pair-1', 'complete-1'])
      await until(() => signals.filter((s) => s.type === TRANSITIONED).length >= 3, 'three transition signals')
      await settle()
      expect(signals.filter((s) => s.type === TRANSITIONED)).toHaveLength(3)
      expect(await transitionedIn(messaging, flow.id)).toHaveLength(3)
    })

    it('20 concurrent calls with one idempotency key apply once', async () => {
      const { messaging } = h()
      const flow = await messaging.startOnboarding()
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
        messaging.advanceOnboarding(flow.id, 'resolve_directory', { caller: i }, { idempotencyKey: 'same' })))
      expect(results.filter((r) => !r.transition.idempotent)).toHaveLength(1)
      const applied = results.find((r) => !r.transition.idempotent)!
      for (const r of results) expect(r.transition).toEqual({ ...applied.transition, idempotent: r.transition.idempotent })
      const stored = (await messaging.getOnboarding(flow.id))!
      expect(stored.transitions).toHaveLength(1)
      expect(stored.directoryMatch).toEqual(applied.flow.directoryMatch)
      expect(await transitionedIn(messaging, flow.id)).toHaveLength(1)
    })

    it('an idempotency key is honoured across two Messaging instances on one store (concurrent calls apply once)', async () => {
      const { messaging, store } = h()
      const peerStore = options.reopen ? await options.reopen(store) : store
      const other = createMessaging({ store: peerStore, instanceId: 'conformance-peer' })
      await other.start()
      try {
        const flow = await messaging.startOnboarding({ onboardingId: `onb_x_${Date.now()}` })
        expect(await other.startOnboarding({ onboardingId: flow.id, ignored: true })).toEqual(flow)
        for (const [round, transition] of (['resolve_directory', 'pair_identity', 'complete'] as const).entries()) {
          const key = `key-${round}`
          const results = await Promise.all(Array.from({ length: 10 }, (_, i) =>
            (i % 2 === 0 ? messaging : other).advanceOnboarding(flow.id, transition, { by: i }, { idempotencyKey: key })))
          expect(results.filter((r) => !r.transition.idempotent), transition).toHaveLength(1)
          for (const r of results) expect(r.transition.transition).toBe(transition)
        }
        const fromOther = await other.cancelOnboarding(flow.id, {}, { idempotencyKey: 'key-2' })
        expect(fromOther.transition).toMatchObject({ transition: 'complete', status: 'completed', idempotent: true })
        const stored = (await messaging.getOnboarding(flow.id))!
        expect(stored.status).toBe('completed')
        expect(stored.transitions.map((t) => t.transition)).toEqual(['resolve_directory', 'pair_identity', 'complete'])
        expect(await other.getOnboarding(flow.id)).toEqual(stored)
        expect(await transitionedIn(messaging, flow.id)).toHaveLength(3)
      } finally {
        await other.stop()
      }
    })

    it('cancel works from started, directory_resolved and paired, keeping completionMetadata', async () => {
      const { messaging } = h()
      for (const status of ['started', 'directory_resolved', 'paired'] as const) {
        const flow = await flowIn(messaging, status)
        const result = await messaging.cancelOnboarding(flow.id, { reason: `from ${status}` })
        expect(result.transition).toEqual({ onboardingId: flow.id, transition: 'cancel', previousStatus: status, status: 'cancelled', idempotent: false })
        expect(result.flow.completionMetadata).toEqual({ reason: `from ${status}` })
        expect(result.flow.transitions.at(-1)).toMatchObject({ transition: 'cancel', from: status, to: 'cancelled' })
        expect(result.flow.transitions).toHaveLength(PATH_TO[status].length + 1)
        await expect(messaging.cancelOnboarding(flow.id)).rejects.toMatchObject({ code: 'INVALID_TRANSITION', details: { from: 'cancelled', transition: 'cancel', allowed: [] } })
        await expect(messaging.resumeOnboarding(flow.id)).resolves.toMatchObject({ status: 'cancelled' })
      }
    })

    it('an unknown flow is NOT_FOUND (getOnboarding: null); bad input is VALIDATION and stores nothing', async () => {
      const { messaging } = h()
      for (const call of [
        messaging.advanceOnboarding('onb_missing', 'resolve_directory'),
        messaging.cancelOnboarding('onb_missing'),
        messaging.completeOnboarding('onb_missing', {}, { idempotencyKey: 'k' }),
        messaging.resumeOnboarding('onb_missing'),
        messaging.onboardingWorker('onb_missing').advance('resolve_directory'),
      ]) {
        await expect(call).rejects.toMatchObject({ code: 'NOT_FOUND' })
      }
      expect(await messaging.getOnboarding('onb_missing')).toBeNull()

      const flow = await messaging.startOnboarding()
      const bad: Array<Promise<unknown>> = [
        messaging.advanceOnboarding(flow.id, 'teleport' as never),
        messaging.advanceOnboarding(flow.id, 'resolve_directory', 'not an object' as never),
        messaging.advanceOnboarding(flow.id, 'resolve_directory', [1, 2] as never),
        messaging.advanceOnboarding(flow.id, 'resolve_directory', {}, { idempotencyKey: 42 } as never),
        messaging.advanceOnboarding(flow.id, 'resolve_directory', {}, { idempotencyKey: '' }),
        messaging.advanceOnboarding(flow.id, 'resolve_directory', {}, { surprise: true } as never),
        messaging.advanceOnboarding('', 'resolve_directory'),
        messaging.getOnboarding(42 as never),
        messaging.startOnboarding({ onboardingId: '' }),
        messaging.startOnboarding({ onboardingId: 7 } as never),
        messaging.startOnboarding('attrs' as never),
        messaging.startOnboarding({ big: 10n } as never),
      ]
      for (const call of bad) await expect(call).rejects.toMatchObject({ code: 'VALIDATION' })
      expect(() => messaging.onboardingWorker('' as never)).toThrow(expect.objectContaining({ code: 'VALIDATION' }))
      expect(await messaging.getOnboarding(flow.id)).toEqual(flow)
    })

    it('20 concurrent startOnboarding calls of one id resolve one flow', async () => {
      const { messaging } = h()
      const flows = await Promise.all(Array.from({ length: 20 }, (_, i) => messaging.startOnboarding({ onboardingId: 'onb_race', caller: i })))
      for (const f of flows) expect(f).toEqual(flows[0])
      expect(await messaging.getOnboarding('onb_race')).toEqual(flows[0])
    })

    it('onboardingWorker runs 20 concurrent calls one at a time, in call order; a failed call does not stop the queue', async () => {
      const { messaging } = h()
      const flow = await messaging.startOnboarding()
      const worker = messaging.onboardingWorker(flow.id)
      const also = messaging.onboardingWorker(flow.id) // a second handle on the same flow shares the queue
      expect(worker.onboardingId).toBe(flow.id)
      const calls: Array<Promise<unknown>> = []
      for (let i = 0; i < 20; i++) {
        if (i === 5) calls.push(worker.advance('resolve_directory', { i }))
        else if (i === 10) calls.push(also.advance('pair_identity', { i }, { idempotencyKey: 'pair' }))
        else if (i === 11) calls.push(worker.advance('pair_identity', { i }, { idempotencyKey: 'pair' }))
        else if (i === 15) calls.push(worker.complete({ i }))
        else if (i === 17) calls.push(worker.cancel({ i }))
        else calls.push(i % 2 === 0 ? worker.get() : also.get())
      }
      const order: number[] = []
      calls.forEach((p, i) => void p.then(() => order.push(i), () => order.push(i)))
      const settled = await Promise.allSettled(calls)
      await Promise.resolve()
      expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i))
      const expectedStatus = (i: number): OnboardingStatus => (i < 5 ? 'started' : i < 10 ? 'directory_resolved' : i < 15 ? 'paired' : 'completed')
      settled.forEach((s, i) => {
        if (i === 17) {
          expect(s.status).toBe('rejected')
          expect((s as PromiseRejectedResult).reason).toMatchObject({ code: 'INVALID_TRANSITION', details: { from: 'completed' } })
          return
        }
        expect(s.status, `call ${i}`).toBe('fulfilled')
        const value = (s as PromiseFulfilledResult<unknown>).value as OnboardingFlow | { flow: OnboardingFlow; transition: { idempotent: boolean } }
        const status = 'flow' in value ? value.flow.status : value.status
        expect(status, `call ${i}`).toBe(expectedStatus(i))
        if (i === 11) expect((value as { transition: { idempotent: boolean } }).transition.idempotent).toBe(true)
      })
      const stored = (await worker.get())!
      expect(stored.transitions.map((t) => t.metadata['i'])).toEqual([5, 10, 15])
    })
  })
}
