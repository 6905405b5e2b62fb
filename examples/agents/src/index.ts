// Agents in a room, to copy from: an echo agent that answers everything, and a streaming agent that
// answers @writer mentions from an async generator. The room is bound to a "platform": a small HTTP
// server on 127.0.0.1 behind the generic webhook adapter (with edits and typing on), which prints what it
// receives, so the streamed reply shows as typing, one message, then edits of it. The store is a SQLite
// file, so an agent stopped and registered again resumes where it left off (its checkpoint is stored):
// run this twice and the second run answers only the new messages. `node dist/index.js [file]`
// (default ./agents-example.db).
import { createWebhookAdapter, verifyWebhookSignature } from '@jido-messaging/adapter-webhook'
import { createMessaging, type AgentHandler, type Message } from '@jido-messaging/core'
import { createSqliteStore } from '@jido-messaging/store-sqlite'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

const textOf = (m: Message) => m.content.map((b) => (b.type === 'text' ? b.text : '')).join('')

/** Answers every message (not its own, not other agents'). */
const echo: AgentHandler = (message) => `echo: ${textOf(message)}`

/** Streams its answer: shown on the platform as it is written, stored once, complete, when the stream ends. */
const writer: AgentHandler = async function* (message, ctx) {
  yield `Dear ${ctx.sender?.identity.name ?? 'friend'}, `
  for (const word of ['you', 'asked:', `"${textOf(message)}".`]) {
    if (ctx.signal.aborted) return
    await new Promise((r) => setTimeout(r, 50))
    yield `${word} `
  }
} as AgentHandler

// The "platform": answers sends with an id, prints sends, edits and typing.
const SECRET = 'example-secret'
let sent = 0
const platform = createServer((req, res) => {
  let raw = ''
  req.on('data', (chunk: Buffer) => (raw += chunk.toString()))
  req.on('end', () => {
    if (!verifyWebhookSignature(SECRET, raw, req.headers)) return void res.writeHead(401).end()
    const body = JSON.parse(raw) as { action?: string; text?: string; messageId?: string }
    if (body.action === 'typing') console.log('  [platform] typing...')
    else if (body.action === 'edit') console.log(`  [platform] edit ${body.messageId}: ${body.text}`)
    else console.log(`  [platform] message p-${++sent}: ${body.text}`)
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body.action === undefined ? { id: `p-${sent}` } : { ok: true }))
  })
})
await new Promise<void>((r) => platform.listen(0, '127.0.0.1', r))

const messaging = createMessaging({
  store: createSqliteStore({ filename: process.argv[2] ?? 'agents-example.db' }),
  instanceId: 'agents-example',
  adapters: [createWebhookAdapter({ edit: true, typing: true })],
})
await messaging.start()
messaging.subscribe('jido.messaging.agent.*', (s) => console.log(`  ${s.type.replace('jido.messaging.', '')} ${s.data?.['agentId']}`))

const room = await messaging.ensureBridgeRoom({
  roomName: 'Agents example',
  bridgeConfigs: [{ id: 'local', adapter: 'webhook', credentials: { secret: SECRET },
    options: { outboundUrl: `http://127.0.0.1:${(platform.address() as AddressInfo).port}/` } }],
  bindings: [{ channel: 'webhook', bridgeId: 'local', externalRoomId: 'agents-room' }],
})
await messaging.registerAgent(room.id, { id: 'echo', name: 'Echo', trigger: 'all', handler: echo })
await messaging.registerAgent(room.id, { id: 'writer', name: 'Writer', trigger: 'mention', mentionHandles: ['writer'], handler: writer,
  streaming: { editIntervalMs: 100 } })
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
platform.close()
