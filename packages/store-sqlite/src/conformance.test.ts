import type { MessagingStore } from '@jido-messaging/core'
import { messagingConformance, storeConformance } from '@jido-messaging/testing'
import { createSqliteStore } from './index.js'
import { tempDatabase } from './test-fixtures/temp-db.js'

// Each test gets its own database file; the peer handle opens the same file with its own connection,
// as a second process would.
const files = new WeakMap<MessagingStore, { filename: string; remove(): void }>()

storeConformance({
  name: 'store-sqlite',
  create: () => {
    const db = tempDatabase()
    const store = createSqliteStore({ filename: db.filename })
    files.set(store, db)
    return store
  },
  destroy: async (store) => {
    await store.stop?.()
    files.get(store)?.remove()
  },
  capabilities: { crossProcess: true },
  connectPeer: (store) => createSqliteStore({ filename: files.get(store)!.filename }),
})

// The public API (createMessaging) over the same store, one fresh file per test.
messagingConformance({
  name: 'store-sqlite',
  create: () => {
    const db = tempDatabase()
    const store = createSqliteStore({ filename: db.filename })
    files.set(store, db)
    return store
  },
  destroy: (store) => files.get(store)?.remove(),
})
