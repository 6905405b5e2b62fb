// A separate process for the crash test: `send` routes one message and hangs while the receiver holds
// the response; the parent kills it. `resume` starts a fresh process on the same SQLite file and waits
// until the message is sent, then prints the message status and the delivery ids it saw.
// It runs under tsx (`node --import tsx`) and imports the adapter's TypeScript sources, the code this
// test run is testing: dist/ is built by turbo only before dependents' tests, so it could be stale.
import { createMessaging } from '@jido-messaging/core'
import { createSqliteStore } from '@jido-messaging/store-sqlite'
import { createWebhookAdapter } from '../index.ts'

const [filename, mode, url] = process.argv.slice(2)
const messaging = createMessaging({
  store: createSqliteStore({ filename }),
  adapters: [createWebhookAdapter({ timeoutMs: 30_000 })],
  instanceId: 'crash-test',
  delivery: { pollMs: 20 },
})
await messaging.start()

if (mode === 'send') {
  const room = await messaging.ensureBridgeRoom({
    roomId: 'room_crash',
    bridgeConfigs: [{ id: 'wh', adapter: 'webhook', credentials: { secret: 'crash-secret' }, options: { outboundUrl: url } }],
    bindings: [{ channel: 'webhook', bridgeId: 'wh', externalRoomId: 'far-room' }],
  })
  process.stdout.write('ready\n')
  await messaging.routeOutbound(room.id, 'exactly once, please', { waitMs: 60_000 })
  process.stdout.write('send finished (the parent should have killed this process)\n')
} else {
  const deadline = Date.now() + 20_000
  for (;;) {
    const { messages } = await messaging.listMessages('room_crash')
    const message = messages[0]
    if (message?.status === 'sent' || Date.now() > deadline) {
      process.stdout.write(`${JSON.stringify({ status: message?.status, externalIds: message?.metadata.externalIds })}\n`)
      break
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  await messaging.stop()
}
