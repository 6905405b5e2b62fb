import { describe, expect, it } from 'vitest'
import type { Lease, LeaseStore } from './contracts/leases.js'
import { LeaseKeeper } from './leases.js'

/** The LeaseStore contract on a Map (as store-memory does it), with a switch that makes it unreachable. */
function mapLeases() {
  const rows = new Map<string, { holder: string; generation: number; expiresAt: number }>()
  const calls: string[] = []
  let down = false
  const reachable = (what: string) => {
    calls.push(what)
    if (down) throw new Error('unreachable')
  }
  const lease = (name: string, r: { holder: string; generation: number; expiresAt: number }): Lease =>
    ({ name, holder: r.holder, generation: r.generation, expiresAt: new Date(r.expiresAt).toISOString() })
  const store: LeaseStore = {
    async acquireLease(name, holder, ttlMs) {
      reachable('acquire')
      const r = rows.get(name)
      const live = r !== undefined && r.expiresAt > Date.now()
      if (live && r.holder !== holder) return null
      const next = { holder, generation: live ? r.generation : (r?.generation ?? 0) + 1, expiresAt: Date.now() + ttlMs }
      rows.set(name, next)
      return lease(name, next)
    },
    async renewLease(name, holder, generation, ttlMs) {
      reachable('renew')
      const r = rows.get(name)
      if (r === undefined || r.holder !== holder || r.generation !== generation || r.expiresAt <= Date.now()) return null
      r.expiresAt = Date.now() + ttlMs
      return lease(name, r)
    },
    async releaseLease(name, holder, generation) {
      reachable('release')
      const r = rows.get(name)
      if (r === undefined || r.holder !== holder || r.generation !== generation) return false
      r.expiresAt = 0
      return true
    },
    async listLeases(prefix = '') {
      return [...rows].filter(([n, r]) => n.startsWith(prefix) && r.expiresAt > Date.now()).map(([n, r]) => lease(n, r))
    },
  }
  return { store, rows, calls, setDown: (value: boolean) => void (down = value) }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function until(predicate: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
}

function keeper(store: LeaseStore, holder: string, ttlMs = 300, expiresAt?: () => number | undefined) {
  const events: Array<{ what: 'acquired' | 'lost'; generation?: number; at: number; msLeft?: number }> = []
  const k = new LeaseKeeper({
    store, name: 'bridge:x', holder, ttlMs,
    onAcquired: (lease) => void events.push({ what: 'acquired', generation: lease.generation, at: performance.now() }),
    // How long the store would still have kept the lease: the work must stop before it runs out there.
    onLost: () => void events.push({ what: 'lost', at: performance.now(), msLeft: (expiresAt?.() ?? 0) - Date.now() }),
  })
  return { k, events }
}

describe('LeaseKeeper', () => {
  it('takes a free lease, keeps it with renewals in the same generation, and releases it on stop without onLost', async () => {
    const { store, rows, calls } = mapLeases()
    const { k, events } = keeper(store, 'a')
    await k.start()
    expect(events).toEqual([{ what: 'acquired', generation: 1, at: expect.any(Number) }])
    expect(k.holds()).toBe(true)
    expect(k.fence).toEqual({ name: 'bridge:x', generation: 1 })
    await until(() => calls.filter((c) => c === 'renew').length >= 3, 'three renewals')
    expect(k.holds()).toBe(true)
    expect(rows.get('bridge:x')!.generation).toBe(1)
    await k.stop()
    expect(events.map((e) => e.what)).toEqual(['acquired'])
    expect(await store.listLeases()).toEqual([])
    expect(k.holds()).toBe(false)
  })

  it('with the store unreachable, calls onLost before the lease could run out, then takes it again in a new generation', async () => {
    const { store, rows, calls, setDown } = mapLeases()
    const { k, events } = keeper(store, 'a', 1500, () => rows.get('bridge:x')?.expiresAt)
    await k.start()
    await until(() => calls.includes('renew'), 'a renewal')
    setDown(true)
    await until(() => events.some((e) => e.what === 'lost'), 'onLost')
    // Given up ttl - margin (1200 ms) after the last renewal that got through was sent: the store still
    // holds the lease for about the margin (300 ms), so no other holder can have it yet.
    expect(events.find((e) => e.what === 'lost')!.msLeft).toBeGreaterThan(0)
    expect(k.holds()).toBe(false)
    setDown(false)
    await until(() => events.filter((e) => e.what === 'acquired').length === 2, 'taken again')
    // The lost term was released first, so the new term has a higher generation.
    expect(events.filter((e) => e.what === 'acquired').map((e) => e.generation)).toEqual([1, 2])
    await k.stop()
  })

  it('waits while another holder has the lease and takes it at its next attempt once released', async () => {
    const { store } = mapLeases()
    const first = keeper(store, 'a', 600)
    const second = keeper(store, 'b', 600)
    await first.k.start()
    await second.k.start()
    expect(second.events).toEqual([])
    expect(second.k.holds()).toBe(false)
    await first.k.stop()
    await until(() => second.events.length === 1, 'the second holder taking over')
    expect(second.events[0]).toMatchObject({ what: 'acquired', generation: 2 })
    await second.k.stop()
  })
})
