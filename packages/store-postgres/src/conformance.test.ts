import type { MessagingStore } from '@jido-messaging/core'
import { messagingConformance, storeConformance } from '@jido-messaging/testing'
import { afterAll } from 'vitest'
import { createPostgresStore } from './index.js'
import { adminPool, describeWithPostgres, dropSchema, PG_URL, uniqueSchema } from './test-fixtures/pg-env.js'

// Each test gets a fresh schema in the test database, dropped after it; the peer handle opens its own
// pool on the same schema, as a second process would.
const admin = adminPool()
const schemas = new WeakMap<MessagingStore, string>()
afterAll(() => admin.end())

await describeWithPostgres('store-postgres', () => {
  storeConformance({
    name: 'store-postgres',
    create: () => {
      const schema = uniqueSchema('conf')
      const store = createPostgresStore({ connectionString: PG_URL, schema, poolSize: 4 })
      schemas.set(store, schema)
      return store
    },
    destroy: async (store) => {
      await store.stop?.()
      await dropSchema(admin, schemas.get(store)!)
    },
    capabilities: { crossProcess: true },
    connectPeer: (store) => createPostgresStore({ connectionString: PG_URL, schema: schemas.get(store)!, poolSize: 4 }),
  })

  // The public API (createMessaging) over the same store, one fresh schema per test.
  messagingConformance({
    name: 'store-postgres',
    create: () => {
      const schema = uniqueSchema('api')
      const store = createPostgresStore({ connectionString: PG_URL, schema, poolSize: 4 })
      schemas.set(store, schema)
      return store
    },
    destroy: async (store) => {
      await store.stop?.()
      await dropSchema(admin, schemas.get(store)!)
    },
  })
})
