import type { MessagingStore } from '@jido-messaging/core'
import { createWebhookAdapter } from '@jido-messaging/adapter-webhook'
import { bridgeConformance, messagingConformance, runtimeStoreConformance, storeConformance } from '@jido-messaging/testing'
import { afterAll } from 'vitest'
import { createPostgresStore, type PostgresStore } from './index.js'
import { adminPool, describeWithPostgres, dropSchema, PG_URL, uniqueSchema } from './test-fixtures/pg-env.js'

// Each test gets a fresh schema in the test database, dropped after it; the peer handle opens its own
// pool on the same schema, as a second process would.
const admin = adminPool()
const schemas = new WeakMap<MessagingStore, string>()
afterAll(() => admin.end())

const creator = (label: string) => (): PostgresStore => {
  const schema = uniqueSchema(label)
  const store = createPostgresStore({ connectionString: PG_URL, schema, poolSize: 4 })
  schemas.set(store, schema)
  return store
}

async function destroy(store: MessagingStore): Promise<void> {
  await store.stop?.()
  await dropSchema(admin, schemas.get(store)!)
}

const connectPeer = (store: MessagingStore) => createPostgresStore({ connectionString: PG_URL, schema: schemas.get(store)!, poolSize: 4 })

await describeWithPostgres('store-postgres', () => {
  storeConformance({ name: 'store-postgres', create: creator('conf'), destroy, capabilities: { crossProcess: true }, connectPeer })

  // Atomic commits with dedupe, the outbox and its leases, dead letters and ingress subscriptions, also
  // raced across two pools on one schema.
  runtimeStoreConformance({ name: 'store-postgres', create: creator('rt'), destroy, capabilities: { crossProcess: true }, connectPeer })

  // The public API (createMessaging) over the same store, one fresh schema per test.
  // `reopen`: a new store on the same schema, as a restarted process opens it.
  messagingConformance({ name: 'store-postgres', create: creator('api'), destroy, reopen: connectPeer })

  // The bridge runtime end to end (ingest, outbox delivery, dead letters, topology) with adapter-webhook.
  bridgeConformance({ name: 'store-postgres', create: creator('bridge'), destroy, createWebhookAdapter })
})
