import type { DeadLetterStatus, OpenDeliveryStatus, OutboxStats, RuntimeStore } from '@jido-messaging/core'
import type { MemoryState } from './state.js'

/** Counts by `bridgeId` and `status`; the key joins both with NUL, which neither holds. */
const keyOf = (bridgeId: string, status: string) => `${bridgeId}\u0000${status}`

// Walks only the index of unfinished deliveries (delivered history is not in it) and the dead letters.
export function outboxStatsMethods(state: MemoryState): Pick<RuntimeStore, 'outboxStats'> {
  return {
    async outboxStats(): Promise<OutboxStats> {
      const open = new Map<string, OutboxStats['deliveries'][number]>()
      for (const order of state.openDeliveries.values()) {
        for (const key of order.keys) {
          const d = state.deliveries.get(key.id)
          if (d === undefined) continue
          const k = keyOf(d.bridgeId, d.status)
          const entry = open.get(k)
          if (entry === undefined) open.set(k, { bridgeId: d.bridgeId, status: d.status as OpenDeliveryStatus, count: 1, oldestInsertedAt: d.insertedAt })
          else {
            entry.count++
            if (d.insertedAt < entry.oldestInsertedAt) entry.oldestInsertedAt = d.insertedAt
          }
        }
      }
      const dead = new Map<string, { bridgeId: string; status: DeadLetterStatus; count: number }>()
      for (const l of state.deadLetters.values()) {
        const k = keyOf(l.bridgeId, l.status)
        const entry = dead.get(k)
        if (entry === undefined) dead.set(k, { bridgeId: l.bridgeId, status: l.status, count: 1 })
        else entry.count++
      }
      return { deliveries: [...open.values()], deadLetters: [...dead.values()] }
    },
  }
}
