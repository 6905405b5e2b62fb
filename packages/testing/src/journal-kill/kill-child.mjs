// A process that is killed with SIGKILL while a durable subscription is handling a committed signal.
// It opens the store given on the command line, subscribes durably as `killed`, posts "first" (and waits
// until the checkpoint covers it), then posts "hang", whose handler never finishes, and says so on
// stdout: the parent kills it there. Every line it prints is one JSON object.
// Usage: node kill-child.mjs <module path> <factory name> <options JSON>
import { createMessaging, positionOf } from '@jido-messaging/core'
import { pathToFileURL } from 'node:url'

const [modulePath, factory, optionsJson] = process.argv.slice(2)
const module = await import(pathToFileURL(modulePath).href)
const store = module[factory](JSON.parse(optionsJson))
const messaging = createMessaging({ store, instanceId: 'kill-child', journal: { checkpointMs: 1 } })
await messaging.start()
const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`)
const text = (t) => [{ type: 'text', text: t }]

const room = await messaging.createRoom({ name: 'kill' })
const sub = messaging.subscribe('jido.messaging.room.message_added', async (signal) => {
  if (signal.data.message.content[0].text === 'hang') {
    say({ hanging: signal.data.messageId })
    await new Promise(() => {})
  }
}, { name: 'killed', from: 'now' })
await sub.ready
const first = await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('first') })
while (((await store.getSubscriptionCheckpoint('killed')) ?? 0) < positionOf(first.signals[0])) await new Promise((r) => setTimeout(r, 5))
say({ roomId: room.id, first: first.message.id })
const hang = await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('hang') })
say({ committed: hang.message.id })
setInterval(() => {}, 1000)
