import type { MessagingStore } from '@jido-messaging/core'
import type { DedupeClaim, MemoryState } from './state.js'

type DedupeMethods = Pick<MessagingStore, 'claimDedupeKey' | 'purgeDedupeKeys'>

/** The live claim of `key` at `now` (epoch ms), if any; an expired claim (expiresAt <= now) is free. */
export function liveClaim(state: MemoryState, key: string, now: number): DedupeClaim | undefined {
  const held = state.dedupe.get(key)
  return held !== undefined && held.expiresAt > now ? held : undefined
}

export function dedupeMethods(state: MemoryState): DedupeMethods {
  return {
    // Check and set run without an await between them, so exactly one concurrent claim wins.
    async claimDedupeKey(key, options) {
      if (liveClaim(state, key, Date.parse(options.now)) !== undefined) return false
      state.dedupe.set(key, { expiresAt: Date.parse(options.expiresAt), messageId: null })
      return true
    },

    async purgeDedupeKeys(now) {
      const cutoff = Date.parse(now)
      let purged = 0
      for (const [key, claim] of state.dedupe) {
        if (claim.expiresAt <= cutoff) {
          state.dedupe.delete(key)
          purged++
        }
      }
      return purged
    },
  }
}
