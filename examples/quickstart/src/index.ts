// Quickstart: a room, a few messages, a reaction and a typing event, and every signal they produced.
import { createMessaging, type Signal } from '@jido-messaging/core'
import { createMemoryStore } from '@jido-messaging/store-memory'

const messaging = createMessaging({ store: createMemoryStore(), instanceId: 'quickstart' })
await messaging.start()

const seen: Signal[] = []
messaging.subscribe('jido.messaging.**', (signal) => {
  seen.push(signal)
  console.log(`signal ${signal.type}  subject=${signal.subject}  id=${signal.id}`)
})

const room = await messaging.createRoom({ type: 'direct', name: 'Chat' })
console.log(`created room ${room.id} (${room.name})`)
const ada = await messaging.createParticipant({ identity: { name: 'Ada' } })
await messaging.participantJoined(room.id, ada.id)

const hello = await messaging.postMessage({ roomId: room.id, senderId: ada.id, role: 'user',
  content: [{ type: 'text', text: 'Hello!' }] })
await messaging.participantTyping(room.id, 'agent_1', { isTyping: true })
await messaging.postMessage({ roomId: room.id, senderId: 'agent_1', role: 'assistant',
  content: [{ type: 'text', text: 'Hi Ada, how can I help?' }] })
await messaging.addReaction(hello.message.id, 'agent_1', '👋')

const page = await messaging.listMessages(room.id)
for (const m of page.messages) {
  const body = m.content.map((b) => (b.type === 'text' ? b.text : `[${b.type}]`)).join(' ')
  console.log(`${m.insertedAt}  ${m.senderId}: ${body}`)
}

await messaging.stop()
console.log(`${seen.length} signals received`)
