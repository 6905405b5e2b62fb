import { describe, expect, it } from 'vitest'
import { isoAt, uniqueSuffix } from '../factories.js'
import { concurrently, type SuiteContext } from './context.js'

export function dedupeCases(ctx: SuiteContext): void {
  describe('ingest dedupe', () => {
    it('a key can be claimed once while its claim is live; other keys are independent', async () => {
      const store = ctx.store()
      const key = `k_${uniqueSuffix()}`
      const window = { now: isoAt(0), expiresAt: isoAt(60_000) }
      expect(await store.claimDedupeKey(key, window)).toBe(true)
      expect(await store.claimDedupeKey(key, window)).toBe(false)
      expect(await store.claimDedupeKey(key, { now: isoAt(59_999), expiresAt: isoAt(120_000) })).toBe(false)
      expect(await store.claimDedupeKey(`${key}_other`, window)).toBe(true)
    })

    it('100 concurrent claims of one key: exactly one resolves true', async () => {
      const store = ctx.store()
      const key = `k_${uniqueSuffix()}`
      const results = await concurrently(100, () => store.claimDedupeKey(key, { now: isoAt(0), expiresAt: isoAt(60_000) }))
      expect(results.filter(Boolean)).toHaveLength(1)
    })

    it('an expired claim (expiresAt <= now) can be claimed again, once', async () => {
      const store = ctx.store()
      const key = `k_${uniqueSuffix()}`
      expect(await store.claimDedupeKey(key, { now: isoAt(0), expiresAt: isoAt(1000) })).toBe(true)
      expect(await store.claimDedupeKey(key, { now: isoAt(1000), expiresAt: isoAt(2000) })).toBe(true)
      expect(await store.claimDedupeKey(key, { now: isoAt(1500), expiresAt: isoAt(3000) })).toBe(false)
      const again = await concurrently(20, () => store.claimDedupeKey(key, { now: isoAt(5000), expiresAt: isoAt(9000) }))
      expect(again.filter(Boolean)).toHaveLength(1)
    })

    it('purgeDedupeKeys removes only expired claims and resolves how many', async () => {
      const store = ctx.store()
      const s = uniqueSuffix()
      await store.claimDedupeKey(`a_${s}`, { now: isoAt(0), expiresAt: isoAt(100) })
      await store.claimDedupeKey(`b_${s}`, { now: isoAt(0), expiresAt: isoAt(200) })
      await store.claimDedupeKey(`c_${s}`, { now: isoAt(0), expiresAt: isoAt(300) })
      expect(await store.purgeDedupeKeys(isoAt(50))).toBe(0)
      expect(await store.purgeDedupeKeys(isoAt(200))).toBe(2)
      expect(await store.purgeDedupeKeys(isoAt(200))).toBe(0)
      // The live claim still blocks; a purged key is claimable.
      expect(await store.claimDedupeKey(`c_${s}`, { now: isoAt(250), expiresAt: isoAt(900) })).toBe(false)
      expect(await store.claimDedupeKey(`a_${s}`, { now: isoAt(250), expiresAt: isoAt(900) })).toBe(true)
    })
  })
}
