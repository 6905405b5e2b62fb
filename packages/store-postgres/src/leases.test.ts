import type { MessagingStore } from '@jido-messaging/core'
import { createMessaging } from '@jido-messaging/core'
import { leaseFailoverCases, queuePlatform, runLeaseChild, TEST_TTL_MS } from '@jido-messaging/testing'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { createPostgresStore } from './index.js'
import { buildPackage } from './test-fixtures/build.js'
import { adminPool, describeWithPostgres, dropSchema, PG_URL, uniqueSchema } from './test-fixtures/pg-env.js'

// Two processes on one schema, as far as the store can tell: the peer opens its own pool.
const admin = adminPool()
const schemas = new WeakMap<MessagingStore, string>()
afterAll(() => admin.end())

// the built package, as another process would load it
const BUILT = fileURLToPath(new URL('../dist/index.js', import.meta.url))

await describeWithPostgres('store-postgres leases', () => {
  leaseFailoverCases({
    name: 'store-postgres',
    create: () => {
      const schema = uniqueSchema('lease')
      const store = createPostgresStore({ connectionString: PG_URL, schema, poolSize: 4 })
      schemas.set(store, schema)
      return store
    },
    connectPeer: (store) => createPostgresStore({ connectionString: PG_URL, schema: schemas.get(store)!, poolSize: 4 }),
    destroy: (store) => dropSchema(admin, schemas.get(store)!),
  })

  const cleanup: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c()
  })

  beforeAll(() => buildPackage(), 120_000)

  it('a process killed with SIGKILL while it holds a listener lease is replaced by the other within the ttl', async () => {
    const schema = uniqueSchema('lkill')
    cleanup.push(() => dropSchema(admin, schema))
    const child = await runLeaseChild(BUILT, 'createPostgresStore', { connectionString: PG_URL, schema, poolSize: 2 }, TEST_TTL_MS)
    const platform = queuePlatform()
    const messaging = createMessaging({ store: createPostgresStore({ connectionString: PG_URL, schema, poolSize: 2 }), instanceId: 'survivor',
      adapters: [platform.adapter('survivor')], leases: { ttlMs: TEST_TTL_MS, holderId: 'survivor' }, bridgeWorkers: { reconcileMs: 200 } })
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
