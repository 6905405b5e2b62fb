import type { RateLimit } from '../contracts/platform-adapter.js'

interface Bucket {
  tokens: number
  updatedAt: number
}

/**
 * Token buckets keyed by name. `reserve` takes a token now and says how long to wait until it is
 * really available (tokens may go negative, so concurrent callers queue up fairly instead of racing).
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>()

  constructor(private readonly now: () => number = Date.now) {}

  reserve(key: string, limit: RateLimit): number {
    const t = this.now()
    const bucket = this.buckets.get(key) ?? { tokens: limit.burst, updatedAt: t }
    bucket.tokens = Math.min(limit.burst, bucket.tokens + ((t - bucket.updatedAt) / 1000) * limit.perSecond)
    bucket.updatedAt = t
    bucket.tokens -= 1
    this.buckets.set(key, bucket)
    return bucket.tokens >= 0 ? 0 : Math.ceil((-bucket.tokens / limit.perSecond) * 1000)
  }
}

/** Exponential backoff with equal jitter: half the delay fixed, half random, capped at `maxMs`. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(exp / 2 + random() * (exp / 2))
}
