import type { MessagingStore } from '@jido-messaging/core'
import { createMessaging } from '@jido-messaging/core'
import { leaseFailoverCases, queuePlatform, runLeaseChild, TEST_TTL_MS } from '@jido-messaging/testing'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createSqliteStore } from './index.js'
import { buildPackage } from './test-fixtures/build.js'
import { tempDatabase } from './test-fixtures/temp-db.js'

// Two processes on one database file, as far as the store can tell: the peer opens the file with its own connection.
const files = new WeakMap<MessagingStore, { filename: string; remove(): void }>()

leaseFailoverCases({
  name: 'store-sqlite',
  create: () => {
    const db = tempDatabase('jido-leases')
    const store = createSqliteStore({ filename: db.filename })
    files.set(store, db)
    return store
  },
  connectPeer: (store) => createSqliteStore({ filename: files.get(store)!.filename }),
  destroy: (store) => files.get(store)?.remove(),
})

// the built package, as another process would load it
const BUILT = fileURLToPath(new URL('../dist/index.js', import.meta.url))

describe('store-sqlite: a process killed with SIGKILL while it holds a listener lease', () => {
  beforeAll(() => buildPackage(), 120_000)
  const cleanup: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c()
  })

  it('is replaced by the other process within the ttl', async () => {
    const db = tempDatabase('jido-lease-kill')
    cleanup.push(db.remove)
    const child = await runLeaseChild(BUILT, 'createSqliteStore', { filename: db.filename }, TEST_TTL_MS)
    const platform = queuePlatform()
    const messaging = createMessaging({ store: createSqliteStore({ filename: db.filename }), instanceId: 'survivor', adapters: [platform.adapter('survivor')],
      leases: { ttlMs: TEST_TTL_MS, holderId: 'survivor' }, bridgeWorkers: { reconcileMs: 200 } })
    cleanup.push(() => messaging.stop())
    await messaging.start()
    let deadline = Date.now() + 30_000
    while ((await messaging.bridgeStatus('leased'))?.state !== 'standby') {
      if (Date.now() > deadline) throw new Error('the survivor never went on standby')
      await new Promise((r) => setTimeout(r, 10))
    }
    expect(await messaging.bridgeStatus('leased')).toMatchObject({ state: 'standby', leaseHolder: child.holder })
    const killedAt = await child.kill()
    deadline = Date.now() + 30_000
    while (platform.terms.length === 0) {
      if (Date.now() > deadline) throw new Error('the survivor never took the listener over')
      await new Promise((r) => setTimeout(r, 10))
    }
    // The lease ran out on the database's clock (ttl after the last renewal), then the next attempt (ttl/3) took it.
    expect(platform.terms[0]!.start - killedAt).toBeLessThan(TEST_TTL_MS + TEST_TTL_MS / 3 + 2000)
    expect(await messaging.bridgeStatus('leased')).toMatchObject({ state: 'running', leaseHolder: 'survivor' })
  }, 120_000)
})
