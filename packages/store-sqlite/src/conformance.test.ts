import type { MessagingStore } from '@jido-messaging/core'
import { messagingConformance, runtimeStoreConformance, storeConformance } from '@jido-messaging/testing'
import { createSqliteStore, type SqliteStore } from './index.js'
import { tempDatabase } from './test-fixtures/temp-db.js'

// Each test gets its own database file; the peer handle opens the same file with its own connection,
// as a second process would. (The bridge runtime suite over this store, which needs adapter-webhook, runs
// in packages/adapter-webhook: that package depends on this one, and the reverse would be a cycle.)
const files = new WeakMap<MessagingStore, { filename: string; remove(): void }>()

function creator(thread: 'worker' | 'main') {
  return (): SqliteStore => {
    const db = tempDatabase()
    const store = createSqliteStore({ filename: db.filename, thread })
    files.set(store, db)
    return store
  }
}

async function destroy(store: MessagingStore): Promise<void> {
  await store.stop?.()
  files.get(store)?.remove()
}

// Both modes: SQLite on the store's worker thread (the default) and on the calling thread.
for (const thread of ['worker', 'main'] as const) {
  const name = `store-sqlite (${thread} thread)`
  const create = creator(thread)
  const connectPeer = (store: MessagingStore) => createSqliteStore({ filename: files.get(store)!.filename, thread })

  storeConformance({ name, create, destroy, capabilities: { crossProcess: true }, connectPeer })

  // Atomic commits with dedupe, the outbox and its leases, dead letters and ingress subscriptions, also
  // raced across two connections on one file.
  runtimeStoreConformance({ name, create, destroy, capabilities: { crossProcess: true }, connectPeer })

  // The public API (createMessaging) over the same store, one fresh file per test.
  // `reopen`: a new store on the same file, as a restarted process opens it.
  messagingConformance({ name, create, destroy: (store) => files.get(store)?.remove(), reopen: connectPeer })
}
