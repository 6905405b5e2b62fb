import { ConflictError, type Lease, type LeaseFence, type LeaseStore } from '@jido-messaging/core'
import type { MemoryState } from './state.js'

/** A lease as stored: `expiresAt` in epoch ms (0 once released). The row stays, so generations only grow. */
export interface StoredLease {
  holder: string
  generation: number
  expiresAt: number
}

const leaseOf = (name: string, l: StoredLease): Lease => ({ name, holder: l.holder, generation: l.generation, expiresAt: new Date(l.expiresAt).toISOString() })

function checkTtl(ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs < 1) throw new TypeError(`[store-memory] a lease ttl must be a positive integer (ms), not ${String(ttlMs)}`)
}

/** Named leases on this process's clock; each method runs without awaiting, so it is atomic. */
export function leaseMethods(state: MemoryState): LeaseStore {
  const leases = state.leases
  return {
    async acquireLease(name, holder, ttlMs) {
      checkTtl(ttlMs)
      const now = Date.now()
      const current = leases.get(name)
      const live = current !== undefined && current.expiresAt > now
      if (live && current.holder !== holder) return null
      // A live lease of this holder is renewed in its term; anything else starts a new term.
      const generation = live ? current.generation : (current?.generation ?? 0) + 1
      const stored: StoredLease = { holder, generation, expiresAt: now + ttlMs }
      leases.set(name, stored)
      return leaseOf(name, stored)
    },

    async renewLease(name, holder, generation, ttlMs) {
      checkTtl(ttlMs)
      const now = Date.now()
      const current = leases.get(name)
      if (current === undefined || current.holder !== holder || current.generation !== generation || current.expiresAt <= now) return null
      current.expiresAt = now + ttlMs
      return leaseOf(name, current)
    },

    async releaseLease(name, holder, generation) {
      const current = leases.get(name)
      if (current === undefined || current.holder !== holder || current.generation !== generation) return false
      current.expiresAt = 0
      return true
    },

    async listLeases(prefix = '') {
      const now = Date.now()
      return [...leases].filter(([name, l]) => name.startsWith(prefix) && l.expiresAt > now)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, l]) => leaseOf(name, l))
    },
  }
}

/** Refuses a write made under a superseded lease term. */
export function checkFence(state: MemoryState, fence: LeaseFence): void {
  const current = state.leases.get(fence.name)
  if (current?.generation === fence.generation) return
  throw new ConflictError(`[store-memory] lease ${fence.name} is no longer in generation ${fence.generation}; the write is refused`,
    { fence: { name: fence.name, generation: fence.generation }, ...(current === undefined ? {} : { generation: current.generation }) })
}

const isJournalWrite = (value: unknown): value is { fence?: LeaseFence } =>
  typeof value === 'object' && value !== null && typeof (value as { signals?: unknown }).signals === 'function'

/** The fence a call is made under: its journal's (a top-level argument, or `input.journal`), or a checkpoint's. */
function fenceOf(method: string, args: unknown[]): LeaseFence | undefined {
  if (method === 'saveSubscriptionCheckpoint') return args[3] as LeaseFence | undefined
  for (const arg of args) {
    if (isJournalWrite(arg)) return arg.fence
    const journal = (arg as { journal?: unknown } | null)?.journal
    if (typeof arg === 'object' && isJournalWrite(journal)) return journal.fence
  }
  return undefined
}

/**
 * The store's methods with fencing: a call made under a lease fence is checked first. Every method runs
 * to completion without awaiting, so no takeover can come between the check and the write.
 */
export function fenced<T extends object>(state: MemoryState, methods: T): T {
  const out: Record<string, unknown> = {}
  for (const [name, fn] of Object.entries(methods)) {
    if (typeof fn !== 'function') {
      out[name] = fn
      continue
    }
    out[name] = (...args: unknown[]) => {
      const fence = fenceOf(name, args)
      if (fence !== undefined) {
        try {
          checkFence(state, fence)
        } catch (error) {
          return Promise.reject(error)
        }
      }
      return (fn as (...a: unknown[]) => unknown)(...args)
    }
  }
  return out as T
}
