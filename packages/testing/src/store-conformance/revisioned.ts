import type { RevisionConflictError } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { isoAt, makeBridgeConfig, makeRoutingPolicy } from '../factories.js'
import { concurrently, expectCode, rejectionOf, seedRoom, type SuiteContext } from './context.js'

/** Asserts a REVISION_CONFLICT carrying the expected and the actual (stored) revision. */
async function expectRevisionConflict(promise: Promise<unknown>, expected: number, actual: number): Promise<void> {
  const error = (await rejectionOf(promise)) as RevisionConflictError
  expect(error.code).toBe('REVISION_CONFLICT')
  expect(error.expected).toBe(expected)
  expect(error.actual).toBe(actual)
}

export function revisionedCases(ctx: SuiteContext): void {
  describe('bridge configs', () => {
    it('a put with expectedRevision 0 creates revision 1 with insertedAt and updatedAt set to now', async () => {
      const store = ctx.store()
      const config = makeBridgeConfig()
      const created = await store.putBridgeConfig(config, { expectedRevision: 0, now: isoAt(10) })
      expect(created).toEqual({ ...config, revision: 1, insertedAt: isoAt(10), updatedAt: isoAt(10) })
      expect(await store.getBridgeConfig(config.id)).toEqual(created)
      expect(await store.getBridgeConfig('bridge_missing')).toBeNull()
    })

    it('a put with the stored revision increments it, keeps insertedAt and sets updatedAt', async () => {
      const store = ctx.store()
      const config = makeBridgeConfig()
      await store.putBridgeConfig(config, { expectedRevision: 0, now: isoAt(10) })
      const updated = await store.putBridgeConfig({ ...config, enabled: false }, { expectedRevision: 1, now: isoAt(20) })
      expect(updated).toEqual({ ...config, enabled: false, revision: 2, insertedAt: isoAt(10), updatedAt: isoAt(20) })
      expect(await store.getBridgeConfig(config.id)).toEqual(updated)
    })

    it('a put with a stale revision rejects with REVISION_CONFLICT (expected, actual) and changes nothing', async () => {
      const store = ctx.store()
      const config = makeBridgeConfig()
      await store.putBridgeConfig(config, { now: isoAt(1) })
      const current = await store.putBridgeConfig(config, { now: isoAt(2) })
      await expectRevisionConflict(store.putBridgeConfig({ ...config, adapter: 'slack' }, { expectedRevision: 1, now: isoAt(3) }), 1, 2)
      await expectRevisionConflict(store.putBridgeConfig(config, { expectedRevision: 0, now: isoAt(3) }), 0, 2)
      expect(await store.getBridgeConfig(config.id)).toEqual(current)
    })

    it('a put with a non-zero revision for a missing config rejects with REVISION_CONFLICT (actual 0)', async () => {
      const store = ctx.store()
      const config = makeBridgeConfig()
      await expectRevisionConflict(store.putBridgeConfig(config, { expectedRevision: 3, now: isoAt(1) }), 3, 0)
      expect(await store.getBridgeConfig(config.id)).toBeNull()
    })

    it('a put without a revision is an unconditional upsert that increments the revision', async () => {
      const store = ctx.store()
      const config = makeBridgeConfig()
      expect((await store.putBridgeConfig(config, { now: isoAt(1) })).revision).toBe(1)
      expect((await store.putBridgeConfig(config, { now: isoAt(2) })).revision).toBe(2)
      const third = await store.putBridgeConfig({ ...config, options: { ingress: { mode: 'polling' } } }, { now: isoAt(3) })
      expect(third).toMatchObject({ revision: 3, insertedAt: isoAt(1), updatedAt: isoAt(3), options: { ingress: { mode: 'polling' } } })
    })

    it('concurrent puts with the same expected revision: exactly one wins', async () => {
      const store = ctx.store()
      const config = makeBridgeConfig()
      await store.putBridgeConfig(config, { expectedRevision: 0, now: isoAt(1) })
      const outcomes = await concurrently(10, (i) =>
        store.putBridgeConfig({ ...config, options: { n: i } }, { expectedRevision: 1, now: isoAt(2) }).then(
          () => 'ok',
          (error: { code?: string }) => error.code,
        ))
      expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1)
      expect(outcomes.filter((o) => o === 'REVISION_CONFLICT')).toHaveLength(9)
      expect((await store.getBridgeConfig(config.id))?.revision).toBe(2)
    })

    it('listBridgeConfigs orders by id and filters by enabled', async () => {
      const store = ctx.store()
      const c = await store.putBridgeConfig(makeBridgeConfig({ id: 'bridge_c' }), { now: isoAt(1) })
      const a = await store.putBridgeConfig(makeBridgeConfig({ id: 'bridge_a', enabled: false }), { now: isoAt(2) })
      const b = await store.putBridgeConfig(makeBridgeConfig({ id: 'bridge_b' }), { now: isoAt(3) })
      expect(await store.listBridgeConfigs()).toEqual([a, b, c])
      expect(await store.listBridgeConfigs({})).toEqual([a, b, c])
      expect(await store.listBridgeConfigs({ enabled: true })).toEqual([b, c])
      expect(await store.listBridgeConfigs({ enabled: false })).toEqual([a])
    })

    it('deleteBridgeConfig removes it and is idempotent; a later create starts at revision 1', async () => {
      const store = ctx.store()
      const config = makeBridgeConfig()
      await store.putBridgeConfig(config, { now: isoAt(1) })
      await store.putBridgeConfig(config, { now: isoAt(2) })
      expect(await store.deleteBridgeConfig(config.id)).toBe(true)
      expect(await store.deleteBridgeConfig(config.id)).toBe(false)
      expect(await store.getBridgeConfig(config.id)).toBeNull()
      expect(await store.listBridgeConfigs()).toEqual([])
      expect((await store.putBridgeConfig(config, { expectedRevision: 0, now: isoAt(3) })).revision).toBe(1)
    })
  })

  describe('routing policies', () => {
    it('a put with expectedRevision 0 creates revision 1; getRoutingPolicy returns it', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const policy = makeRoutingPolicy(room.id, { deliveryMode: 'broadcast', fallbackOrder: ['b2', 'b1'], mirror: true, metadata: { m: 1 } })
      const created = await store.putRoutingPolicy(policy, { expectedRevision: 0, now: isoAt(5) })
      expect(created).toEqual({ ...policy, revision: 1, insertedAt: isoAt(5), updatedAt: isoAt(5) })
      expect(await store.getRoutingPolicy(room.id)).toEqual(created)
      expect(await store.getRoutingPolicy('room_missing')).toBeNull()
    })

    it('revision rule: matching revision increments, stale rejects with REVISION_CONFLICT, none is unconditional', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const policy = makeRoutingPolicy(room.id)
      await store.putRoutingPolicy(policy, { now: isoAt(1) })
      const second = await store.putRoutingPolicy({ ...policy, deliveryMode: 'primary' }, { expectedRevision: 1, now: isoAt(2) })
      expect(second).toEqual({ ...policy, deliveryMode: 'primary', revision: 2, insertedAt: isoAt(1), updatedAt: isoAt(2) })
      await expectRevisionConflict(store.putRoutingPolicy(policy, { expectedRevision: 1, now: isoAt(3) }), 1, 2)
      await expectRevisionConflict(store.putRoutingPolicy(policy, { expectedRevision: 0, now: isoAt(3) }), 0, 2)
      expect(await store.getRoutingPolicy(room.id)).toEqual(second)
      expect((await store.putRoutingPolicy(policy, { now: isoAt(4) })).revision).toBe(3)
    })

    it('a put for a missing room rejects with NOT_FOUND', async () => {
      const store = ctx.store()
      await expectCode(store.putRoutingPolicy(makeRoutingPolicy('room_missing'), { now: isoAt(1) }), 'NOT_FOUND')
      expect(await store.getRoutingPolicy('room_missing')).toBeNull()
    })

    it('deleteRoutingPolicy removes it and is idempotent', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      await store.putRoutingPolicy(makeRoutingPolicy(room.id), { now: isoAt(1) })
      expect(await store.deleteRoutingPolicy(room.id)).toBe(true)
      expect(await store.deleteRoutingPolicy(room.id)).toBe(false)
      expect(await store.getRoutingPolicy(room.id)).toBeNull()
    })
  })
}
