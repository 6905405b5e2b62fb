import type { MessagingStore } from '@jido-messaging/core'
import type { MemoryState } from './state.js'

type DedupeMethods = Pick<MessagingStore, 'claimDedupeKey' | 'purgeDedupeKeys'>

export function dedupeMethods(state: MemoryState): DedupeMethods {
  return {
    // Check and set run without an await between them, so exactly one concurrent claim wins.
    async claimDedupeKey(key, options) {
      const now = Date.parse(options.now)
      const held = state.dedupe.get(key)
      if (held !== undefined && held > now) return false
      state.dedupe.set(key, Date.parse(options.expiresAt))
      return true
    },

    async purgeDedupeKeys(now) {
      const cutoff = Date.parse(now)
      let purged = 0
      for (const [key, expiresAt] of state.dedupe) {
        if (expiresAt <= cutoff) {
          state.dedupe.delete(key)
          purged++
        }
      }
      return purged
    },
  }
}
