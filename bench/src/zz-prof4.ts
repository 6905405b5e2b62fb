import { createMessaging } from '@jido-messaging/core'
import { createSqliteStore } from '@jido-messaging/store-sqlite'
import { throughput } from './harness.js'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
const dir = mkdtempSync(join(tmpdir(), 'prof-'))
const m = createMessaging({ store: createSqliteStore({ filename: join(dir, 'a.db') }), instanceId: 'b' }); await m.start(); m.subscribe('jido.messaging.**', () => {})
const mr = await m.createRoom({ name: 'x' })
const r3 = await throughput(60000, 32, (i) => m.postMessage({ roomId: mr.id, senderId: 'user_1', role: 'user', content: [{ type: 'text', text: `message ${i}` }] }))
console.log('sqlite postMessage 32', Math.round(r3.opsPerSec))
const r4 = await throughput(5000, 1, (i) => m.postMessage({ roomId: mr.id, senderId: 'user_1', role: 'user', content: [{ type: 'text', text: `message ${i}` }] }))
console.log('sqlite postMessage 1', Math.round(r4.opsPerSec), r4.p50, r4.p99)
await m.stop()
