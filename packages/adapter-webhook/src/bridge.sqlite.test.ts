// The bridge runtime end to end over store-sqlite (one fresh database file per test), with this adapter
// and local receiving servers. It lives here rather than in store-sqlite because this package already
// depends on store-sqlite (crash.test.ts); store-sqlite depending on this package would be a cycle.
import { createSqliteStore } from '@jido-messaging/store-sqlite'
import { bridgeConformance } from '@jido-messaging/testing'
import type { MessagingStore } from '@jido-messaging/core'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createWebhookAdapter } from './index.js'

const dirs = new WeakMap<MessagingStore, string>()

bridgeConformance({
  name: 'store-sqlite',
  create: () => {
    const dir = mkdtempSync(join(tmpdir(), 'jido-bridge-sqlite-'))
    const store = createSqliteStore({ filename: join(dir, 'store.db') })
    dirs.set(store, dir)
    return store
  },
  destroy: async (store) => {
    await store.stop?.()
    const dir = dirs.get(store)
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  },
  createWebhookAdapter,
})
