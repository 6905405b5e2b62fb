// Dedupe across two Messaging instances, each with its own store handle on one SQLite file (as two
// processes would open it), with this adapter: core's in-process in-flight map cannot absorb the
// copies here, so the store's dedupe must. It lives here for the reason bridge.sqlite.test.ts does.
import type { MessagingStore } from '@jido-messaging/core'
import { createSqliteStore } from '@jido-messaging/store-sqlite'
import { crossInstanceIngestCases } from '@jido-messaging/testing'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createWebhookAdapter } from './index.js'

const files = new WeakMap<MessagingStore, { dir: string; filename: string }>()

crossInstanceIngestCases({
  name: 'store-sqlite',
  create: () => {
    const dir = mkdtempSync(join(tmpdir(), 'jido-cross-sqlite-'))
    const filename = join(dir, 'store.db')
    const store = createSqliteStore({ filename })
    files.set(store, { dir, filename })
    return store
  },
  connectPeer: (store) => createSqliteStore({ filename: files.get(store)!.filename }),
  destroy: async (store) => {
    await store.stop?.()
    const file = files.get(store)
    if (file !== undefined) rmSync(file.dir, { recursive: true, force: true })
  },
  createWebhookAdapter,
})
