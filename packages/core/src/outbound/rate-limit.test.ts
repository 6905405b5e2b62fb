import { describe, expect, it } from 'vitest'
import { backoffMs, TokenBuckets } from './rate-limit.js'

describe('TokenBuckets', () => {
  it('allows the burst, then spaces reservations at the rate, and refills over time', () => {
    let now = 0
    const buckets = new TokenBuckets(() => now)
    const limit = { perSecond: 2, burst: 2 }
    expect([buckets.reserve('a', limit), buckets.reserve('a', limit)]).toEqual([0, 0])
    expect(buckets.reserve('a', limit)).toBe(500)
    expect(buckets.reserve('a', limit)).toBe(1000)
    expect(buckets.reserve('b', limit)).toBe(0)
    now = 5000
    expect(buckets.reserve('a', limit)).toBe(0)
  })
})

describe('backoffMs', () => {
  it('grows exponentially within [exp/2, exp] and is capped', () => {
    expect(backoffMs(1, 100, 10_000, () => 0)).toBe(50)
    expect(backoffMs(1, 100, 10_000, () => 1)).toBe(100)
    expect(backoffMs(4, 100, 10_000, () => 1)).toBe(800)
    expect(backoffMs(20, 100, 10_000, () => 1)).toBe(10_000)
    expect(backoffMs(20, 100, 10_000, () => 0)).toBe(5_000)
  })
})
