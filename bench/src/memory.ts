// postMessage on store-memory against a raw in-memory baseline of the same work (a Map insert plus
// building one CloudEvent), and listMessages page latency at 1k and 100k messages in one room.
import { createMessaging } from '@jido-messaging/core'
import { createMemoryStore } from '@jido-messaging/store-memory'
import { CloudEvent } from 'cloudevents'
import { randomUUID } from 'node:crypto'
import { expectStored, medianLatency, postMessageRate, printTable, throughput } from './harness.js'

const COUNT = 50_000

async function baselineRate(concurrency: number) {
  const map = new Map<string, unknown>()
  const r = await throughput(COUNT, concurrency, async (i) => {
    const now = new Date().toISOString()
    const message = { id: randomUUID(), roomId: 'room_1', senderId: 'user_1', role: 'user',
      content: [{ type: 'text', text: `message ${i}` }], status: 'sent', reactions: {}, receipts: {}, metadata: {},
      insertedAt: now, updatedAt: now }
    map.set(message.id, message)
    return new CloudEvent({ id: randomUUID(), source: '/jido/messaging/bench', type: 'jido.messaging.room.message_added',
      subject: message.roomId, datacontenttype: 'application/json', data: { roomId: message.roomId, messageId: message.id, message },
      correlationid: randomUUID() })
  })
  expectStored('Map baseline', map.size, COUNT)
  return r
}

async function pageLatency(size: number) {
  const messaging = createMessaging({ store: createMemoryStore(), instanceId: 'bench' })
  await messaging.start()
  const room = await messaging.createRoom()
  const ids: string[] = []
  for (let i = 0; i < size; i++) {
    ids.push((await messaging.saveMessage({ roomId: room.id, senderId: 'u', role: 'user', content: [{ type: 'text', text: `m${i}` }] })).id)
  }
  const newest = await medianLatency(500, () => messaging.listMessages(room.id, { limit: 50 }))
  const middle = await medianLatency(500, (i) => messaging.listMessages(room.id, { limit: 50, before: ids[Math.floor(size / 2) + (i % 100)]! }))
  await messaging.stop()
  return { newest, middle }
}

export async function run(): Promise<void> {
  const rows = []
  for (const concurrency of [1, 32]) {
    const base = await baselineRate(concurrency)
    const ours = await postMessageRate(createMemoryStore(), COUNT, concurrency)
    rows.push({ case: `postMessage, ${concurrency} caller(s)`, 'ours msg/s': Math.round(ours.opsPerSec),
      'baseline msg/s': Math.round(base.opsPerSec), ratio: ours.opsPerSec / base.opsPerSec, 'ours p50 ms': ours.p50, 'ours p99 ms': ours.p99 })
  }
  printTable(`store-memory postMessage, in-process calls (${COUNT} messages; baseline: Map insert + one CloudEvent; stored messages counted after each run)`, rows)

  const small = await pageLatency(1_000)
  const large = await pageLatency(100_000)
  printTable('store-memory listMessages page latency, in-process calls (limit 50, median of 500)', [
    { case: 'newest page', '1k ms': small.newest, '100k ms': large.newest, 'ratio 100k/1k': large.newest / small.newest },
    { case: 'page before a middle message', '1k ms': small.middle, '100k ms': large.middle, 'ratio 100k/1k': large.middle / small.middle },
  ])
}
