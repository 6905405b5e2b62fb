// Two-way sync survives a restart: a message sent to the platform, then edited while the platform is
// failing, and the process stopped before the edit got through. A new process on the same SQLite file
// applies the edit exactly once, to the same platform message, after the send it refers to.
import { createMessaging, type Messaging } from '@jido-messaging/core'
import { createSqliteStore } from '@jido-messaging/store-sqlite'
import { startWebhookReceiver, type WebhookReceiver } from '@jido-messaging/testing'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createWebhookAdapter } from './index.js'

const SECRET = 'sync-restart-secret'
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

function instance(filename: string): Messaging {
  const messaging = createMessaging({
    store: createSqliteStore({ filename }),
    instanceId: 'sync-restart',
    adapters: [createWebhookAdapter({ edit: true, timeoutMs: 2000 })],
    delivery: { pollMs: 20 },
  })
  cleanups.push(() => messaging.stop())
  return messaging
}

/** A SQLite file, a receiving platform, and a started first instance with a room bound to it. */
async function firstRun() {
  const dir = mkdtempSync(join(tmpdir(), 'jido-sync-restart-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const filename = join(dir, 'store.db')
  const rx: WebhookReceiver = await startWebhookReceiver({ secret: SECRET })
  cleanups.push(() => rx.close())
  const first = instance(filename)
  await first.start()
  const room = await first.ensureBridgeRoom({
    bridgeConfigs: [{ id: 'wh', adapter: 'webhook', credentials: { secret: SECRET }, options: { outboundUrl: rx.url } }],
    bindings: [{ channel: 'webhook', bridgeId: 'wh', externalRoomId: 'chat-1' }],
  })
  return { filename, rx, first, room }
}

describe('two-way sync across a restart (store-sqlite)', { timeout: 60_000 }, () => {
  it('an edit that could not reach the platform before a stop is applied once after the restart', async () => {
    const { filename, rx, first, room } = await firstRun()
    const { message } = await first.postMessage({ roomId: room.id, senderId: 'ptc_app', role: 'assistant', content: [{ type: 'text', text: 'first words' }] })
    await waitFor(() => rx.deliveries.length === 1, 'the send')
    const platformId = rx.deliveries[0]!.id

    // The platform fails the edit's first attempt; the process stops while the edit waits to retry.
    rx.failNext(1, { status: 503 })
    const attempts = rx.attempts
    await first.editMessage(message.id, 'second words')
    await waitFor(() => rx.attempts > attempts, 'the failed edit attempt')
    await first.stop()
    expect(rx.edits).toEqual([])
    expect(rx.textOf(platformId)).toBe('first words')

    const second = instance(filename)
    await second.start()
    await waitFor(() => rx.edits.length === 1, 'the edit after the restart')
    await new Promise((r) => setTimeout(r, 300))
    expect(rx.edits).toMatchObject([{ room: 'chat-1', messageId: platformId, text: 'second words' }])
    expect(rx.deliveries).toHaveLength(1)
    expect(rx.textOf(platformId)).toBe('second words')
    expect((await second.getMessage(message.id))!.content).toEqual([{ type: 'text', text: 'second words' }])
  })

  it('an edit committed while the process was down still reaches the platform (planned from the journal)', async () => {
    const { filename, rx, first, room } = await firstRun()
    const { message } = await first.postMessage({ roomId: room.id, senderId: 'ptc_app', role: 'assistant', content: [{ type: 'text', text: 'v1' }] })
    await waitFor(() => rx.deliveries.length === 1, 'the send')
    await first.stop()

    // Another writer on the same file edits the message with no runtime running (its own instance, never
    // started past the edit: a store-level edit through a messaging instance stopped right after).
    const writer = instance(filename)
    await writer.start()
    await writer.stop({ drainMs: 0 })
    const offline = createSqliteStore({ filename })
    cleanups.push(() => offline.stop())
    const editor = createMessaging({ store: offline, instanceId: 'editor', adapters: [] })
    await editor.start()
    await editor.editMessage(message.id, 'v2')
    await editor.stop({ drainMs: 0 })

    const second = instance(filename)
    await second.start()
    await waitFor(() => rx.edits.length === 1, 'the edit after the restart')
    expect(rx.edits[0]).toMatchObject({ messageId: rx.deliveries[0]!.id, text: 'v2' })
  })
})
