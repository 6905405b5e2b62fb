// Agents in a room, to copy from: an echo agent that answers everything, and a streaming agent that
// answers @writer mentions from an async generator. The store is a SQLite file, so an agent stopped and
// registered again resumes where it left off (its checkpoint is stored): run this twice and the second
// run answers only the new messages. `node dist/index.js [file]` (default ./agents-example.db).
import { createMessaging, type AgentHandler, type Message } from '@jido-messaging/core'
import { createSqliteStore } from '@jido-messaging/store-sqlite'

const textOf = (m: Message) => m.content.map((b) => (b.type === 'text' ? b.text : '')).join('')

/** Answers every message (not its own, not other agents'). */
const echo: AgentHandler = (message) => `echo: ${textOf(message)}`

/** Streams its answer: the reply is stored once, complete, when the stream ends. */
const writer: AgentHandler = async function* (message, ctx) {
  yield `Dear ${ctx.sender?.identity.name ?? 'friend'}, `
  for (const word of ['you', 'asked:', `"${textOf(message)}".`]) {
    if (ctx.signal.aborted) return
    await new Promise((r) => setTimeout(r, 50))
    yield `${word} `
  }
} as AgentHandler

const messaging = createMessaging({ store: createSqliteStore({ filename: process.argv[2] ?? 'agents-example.db' }), instanceId: 'agents-example' })
await messaging.start()
messaging.subscribe('jido.messaging.agent.*', (s) => console.log(`  ${s.type.replace('jido.messaging.', '')} ${s.data?.['agentId']}`))

const room = await messaging.getOrCreateRoomByExternalBinding('example', 'local', 'agents-room', { name: 'Agents example' })
await messaging.registerAgent(room.id, { id: 'echo', name: 'Echo', trigger: 'all', handler: echo })
await messaging.registerAgent(room.id, { id: 'writer', name: 'Writer', trigger: 'mention', mentionHandles: ['writer'], handler: writer })
const ada = await messaging.getOrCreateParticipantByExternalId('example', 'ada', { identity: { name: 'Ada' } })

const hello = await messaging.postMessage({ roomId: room.id, senderId: ada.id, role: 'user', content: [{ type: 'text', text: `hello at ${new Date().toISOString()}` }] })
const ask = await messaging.postMessage({ roomId: room.id, senderId: ada.id, role: 'user', content: [{ type: 'text', text: '@writer a short note, please' }] })

// Wait until the agents have answered the two new messages (echo both, the writer the mention).
const ours = new Set([hello.message.id, ask.message.id])
const answers = async () => (await messaging.listMessages(room.id, { limit: 20 })).messages.filter((m) => m.replyToId !== undefined && ours.has(m.replyToId))
const deadline = Date.now() + 10_000
while ((await answers()).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))

for (const m of [hello.message, ask.message, ...(await answers())]) console.log(`${m.role.padEnd(9)} ${textOf(m)}`)
await messaging.stop()
