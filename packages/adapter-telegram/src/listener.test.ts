import type { BridgeContext, InboundEvent, ListenerHandle, PlatformAdapter } from '@jido-messaging/core'
import { startTelegramFake, TELEGRAM_BOT_TOKEN, tgChats, tgUsers, type TelegramFake } from '@jido-messaging/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTelegramAdapter } from './index.js'

let fake: TelegramFake
let adapter: PlatformAdapter
let bridge: BridgeContext
const handles: ListenerHandle[] = []
const aborts: AbortController[] = []

beforeEach(async () => {
  fake = await startTelegramFake({ token: TELEGRAM_BOT_TOKEN })
  for (const chat of Object.values(tgChats)) fake.addChat(chat)
  // A long poll timeout, as in production: stopping must not wait for it.
  adapter = createTelegramAdapter({ pollTimeoutSeconds: 30, requestTimeoutMs: 30_000 })
  bridge = { bridgeId: 'tg-poll', credentials: { botToken: TELEGRAM_BOT_TOKEN }, options: { apiRoot: fake.apiRoot, ingress: { mode: 'polling' } } }
})
afterEach(async () => {
  for (const a of aborts.splice(0)) a.abort()
  await Promise.all(handles.splice(0).map((h) => h.stop()))
  await fake.close()
})

async function listen(ingest: (event: InboundEvent) => Promise<unknown>): Promise<ListenerHandle> {
  const abort = new AbortController()
  aborts.push(abort)
  const handle = await adapter.startListener!(bridge, { ingest, signal: abort.signal })
  handles.push(handle)
  return handle
}

async function until(predicate: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

const say = (text: string, chat = tgChats.team) => fake.userMessage({ chat, from: tgUsers.ada, text })

describe('long polling listener', () => {
  it('ingests updates queued while it waits, in order, reactions included, and acknowledges them on stop', async () => {
    const seen: InboundEvent[] = []
    const handle = await listen(async (e) => void seen.push(e))
    await fake.waitForCall('getMe')
    const first = say('one')
    fake.enqueue(first, say('two'))
    fake.enqueue(fake.react({ chat: tgChats.team, messageId: first.message!.message_id, user: tgUsers.grace, reactions: ['👍'] }))
    await until(() => seen.length === 3, 'three events')
    expect(seen.map((e) => e.kind === 'reaction' ? e.reaction!.emoji : e.text)).toEqual(['one', 'two', '👍'])
    expect(seen[0]!.externalMessageId).toBe(`${tgChats.team.id}:${first.message!.message_id}`)
    const polls = fake.calls.filter((c) => c.method === 'getUpdates')
    expect(polls[0]!.params).toMatchObject({ timeout: 30, allowed_updates: expect.arrayContaining(['message', 'message_reaction']) })
    const started = Date.now()
    await handle.stop()
    // The open long poll (30 s) is cut short, not waited out; the bound is far below 30 s and far above
    // what a loaded machine needs.
    expect(Date.now() - started).toBeLessThan(20_000)
    expect(fake.pendingUpdates()).toEqual([])
  })

  it('does not acknowledge an update whose ingest failed: the next listener gets it again', async () => {
    let fail = true
    const seen: string[] = []
    const handle = await listen(async (e) => {
      if (e.text === 'two' && fail) throw new Error('store down')
      seen.push(e.text)
    })
    fake.enqueue(say('one'), say('two'), say('three'))
    await expect(handle.closed).rejects.toThrow('store down')
    expect(seen).toEqual(['one'])
    expect(fake.pendingUpdates().map((u) => u.message!.text)).toEqual(['one', 'two', 'three'])
    fail = false
    await listen(async (e) => void seen.push(e.text))
    await until(() => seen.length === 4, 'redelivery')
    // 'one' comes again (it was never confirmed to Telegram); core's dedupe drops the repeat
    expect(seen).toEqual(['one', 'one', 'two', 'three'])
  })

  it('treats an ingest outcome of status error as a failure', async () => {
    const handle = await listen(async () => ({ status: 'error', reason: 'store unavailable' }))
    fake.enqueue(say('one'))
    await expect(handle.closed).rejects.toThrow(/store unavailable/)
    expect(fake.pendingUpdates()).toHaveLength(1)
  })

  it('removes a registered webhook first, since getUpdates refuses to run beside one', async () => {
    await fetch(`${fake.apiRoot}/bot${TELEGRAM_BOT_TOKEN}/setWebhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: 'https://gw.example.com/webhooks/x' }) })
    const seen: string[] = []
    await listen(async (e) => void seen.push(e.text))
    fake.enqueue(say('after the webhook'))
    await until(() => seen.length === 1, 'an update')
    expect(fake.webhook()).toBeNull()
  })

  it('waits out a 429 on getUpdates and carries on', async () => {
    fake.failNext(1, { status: 429, retryAfterSeconds: 1, method: 'getUpdates' })
    const seen: string[] = []
    const started = Date.now()
    await listen(async (e) => void seen.push(e.text))
    fake.enqueue(say('late'))
    await until(() => seen.length === 1, 'an update after the 429')
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
  })

  it('fails to start with a bad token, and fails (for the worker to restart) on a terminal getUpdates error', async () => {
    await expect(adapter.startListener!({ ...bridge, credentials: { botToken: '7000000001:wrong' } }, { ingest: async () => {}, signal: new AbortController().signal }))
      .rejects.toMatchObject({ name: 'AdapterError', retryable: false, status: 401 })
    fake.failNext(1, { status: 409, method: 'getUpdates', description: 'Conflict: terminated by other getUpdates request' })
    const handle = await listen(async () => {})
    await expect(handle.closed).rejects.toMatchObject({ status: 409 })
  })

  it('stops when its signal aborts', async () => {
    const handle = await listen(async () => {})
    await fake.waitForCall('getMe')
    aborts[0]!.abort()
    await expect(handle.closed).resolves.toBeUndefined()
  })
})
