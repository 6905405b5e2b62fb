import type { MessagingStore } from '@jido-messaging/core'
import { afterEach, describe, expect, it } from 'vitest'
import { event, type BridgeConformanceOptions } from './harness.js'
import { ingestClient, type IngestClient } from './ingest-failures.js'

// The bridge conformance's "100 concurrent deliveries" case runs in one process, where core's in-flight
// map answers every copy after the first before it reaches the store. Here the copies are split across
// two Messaging instances over two handles of one database (two processes, as far as the store can
// tell), so only the store's durable, race-safe dedupe can keep the message single.

export interface CrossInstanceOptions extends BridgeConformanceOptions {
  /** A second handle on the same database (file, schema) as `store`, as another process would open it. */
  connectPeer: (store: MessagingStore) => MessagingStore | Promise<MessagingStore>
}

export function crossInstanceIngestCases(options: CrossInstanceOptions): void {
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  describe(`ingest across two instances over one ${options.name} database`, () => {
    it('100 concurrent deliveries of one platform event split across two instances create exactly one message and all get 200', async () => {
      const store = await options.create()
      const peerStore = await options.connectPeer(store)
      const clients: IngestClient[] = []
      cleanups.push(async () => {
        for (const c of clients) await c.messaging.stop()
        await options.destroy?.(store)
      })
      clients.push(await ingestClient(options, store, { instanceId: 'instance-a' }))
      clients.push(await ingestClient(options, peerStore, { instanceId: 'instance-b' }))
      const [a, b] = clients as [IngestClient, IngestClient]

      const e = event({ text: 'one platform event, delivered 100 times' })
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? a : b).inbound(e)))
      expect(results.map((r) => r.response.status)).toEqual(Array(100).fill(200))
      const statuses = results.map((r) => r.outcome!.status)
      expect(statuses.filter((s) => s === 'message')).toHaveLength(1)
      expect(statuses.filter((s) => s === 'duplicate')).toHaveLength(99)
      // Each instance answered some copies itself: the store, not one process's map, decided.
      for (const half of [0, 1]) expect(results.filter((_, i) => i % 2 === half).every((r) => r.outcome!.message !== undefined)).toBe(true)
      expect(new Set(results.map((r) => r.outcome!.message!.id)).size).toBe(1)
      expect(await a.stored(e.id)).toBe(1)
      expect(await b.stored(e.id)).toBe(1)
      await a.settle()
      await b.settle()
      expect(a.received(e.id)).toBe(1)
      expect(b.received(e.id)).toBe(1)
    }, 60_000)
  })
}
