// Ingest over a SQLite file when the store fails for real in the middle of a commit: the webhook is
// answered 5xx (before the fix the unique violation, mapped to a ConflictError, was a final-looking
// 409) and the platform's retry after recovery stores the message exactly once.
import type { MessagingStore } from '@jido-messaging/core'
import { storeFaultCases } from '@jido-messaging/testing'
import Database from 'better-sqlite3'
import { createSqliteStore } from './index.js'
import { signedJsonAdapter } from './test-fixtures/signed-json-adapter.js'
import { tempDatabase } from './test-fixtures/temp-db.js'

const files = new WeakMap<MessagingStore, { filename: string; remove(): void }>()

storeFaultCases({
  name: 'store-sqlite',
  create: () => {
    const db = tempDatabase('jido-ingest-faults')
    const store = createSqliteStore({ filename: db.filename })
    files.set(store, db)
    return store
  },
  destroy: async (store) => {
    await store.stop?.()
    files.get(store)?.remove()
  },
  createWebhookAdapter: signedJsonAdapter,
  faults: [
    {
      name: 'a unique index every new message of the room violates, made by another connection (CONFLICT in the middle of the commit)',
      async inject(store) {
        // Another connection to the file, as an operator's sqlite3 shell would be.
        const other = new Database(files.get(store)!.filename)
        other.pragma('busy_timeout = 10000')
        other.exec('create unique index jm_fault_one_per_room on messages (room_id)')
        return async () => {
          other.exec('drop index jm_fault_one_per_room')
          other.close()
        }
      },
    },
  ],
})
