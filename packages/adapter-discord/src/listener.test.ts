import type { InboundEvent } from '@jido-messaging/core'
import { startDiscordFake, type DiscordFake } from '@jido-messaging/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { createDiscordAdapter } from './index.js'

// The gateway listener against the fake Discord: a real discord.js Client identifies, receives
// dispatches, resumes after a drop or RECONNECT, and stops when told to.

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function until(predicate: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

async function listen(fake: DiscordFake, options: Record<string, unknown> = {}) {
  const adapter = createDiscordAdapter({ readyTimeoutMs: 30_000 })
  const events: InboundEvent[] = []
  const abort = new AbortController()
  const handle = await adapter.startListener!(
    { bridgeId: 'dc-listener', credentials: { botToken: fake.token }, options: { apiUrl: fake.apiUrl, ...options } },
    { signal: abort.signal, ingest: async (event) => void events.push(event) },
  )
  cleanups.push(() => handle.stop())
  return { handle, events, abort }
}

async function fake(): Promise<DiscordFake> {
  const f = await startDiscordFake()
  cleanups.push(() => f.close())
  return f
}

describe('gateway listener', () => {
  it('identifies with the message intents and maps a MESSAGE_CREATE', async () => {
    const f = await fake()
    const { events } = await listen(f)
    const identify = f.gateway.received.find((frame) => frame.op === 2)!.d as { intents: number }
    // Guilds 1, GuildMessages 512, GuildMessageReactions 1024, DirectMessages 4096, DirectMessageReactions 8192, MessageContent 32768
    expect(identify.intents).toBe(1 | 512 | 1024 | 4096 | 8192 | 32768)
    const m = f.postMessage({ channelId: f.world.ids.general, content: 'hello gateway' })
    await until(() => events.length === 1, 'one event')
    expect(events[0]).toMatchObject({
      kind: 'message', externalRoomId: f.world.ids.general, externalUserId: f.world.ada.id, externalMessageId: m.id,
      text: 'hello gateway', chatType: 'group', chatTitle: 'general', isSelf: false, isBot: false, username: 'ada', displayName: 'Ada Lovelace',
    })
    expect(f.rest.calls.map((c) => `${c.method} ${c.path}`)).toContain('GET /gateway/bot')
  })

  it('maps a thread message to its parent room and the thread, and knows its own messages from READY', async () => {
    const f = await fake()
    const { events } = await listen(f)
    f.postMessage({ channelId: f.world.ids.thread, content: 'in a thread' })
    f.postMessage({ channelId: f.world.ids.general, author: f.world.bot, content: 'echo of my own' })
    f.postMessage({ channelId: f.world.ids.dm, content: 'direct' })
    await until(() => events.length === 3, 'three events')
    expect(events.map((e) => [e.externalRoomId, e.externalThreadId, e.isSelf, e.chatType])).toEqual([
      [f.world.ids.general, f.world.ids.thread, false, 'group'],
      [f.world.ids.general, undefined, true, 'group'],
      [f.world.ids.dm, undefined, false, 'direct'],
    ])
  })

  it('learns threads created after READY from THREAD_CREATE', async () => {
    const f = await fake()
    const { events } = await listen(f)
    const thread = f.world.addThread(f.world.ids.random, 'late thread')
    f.gateway.dispatch('THREAD_CREATE', { ...thread, newly_created: true })
    f.postMessage({ channelId: thread.id, content: 'late' })
    await until(() => events.length === 1, 'one event')
    expect(events[0]).toMatchObject({ externalRoomId: f.world.ids.random, externalThreadId: thread.id })
  })

  it('resumes after a dropped connection and receives what was sent meanwhile, in order', async () => {
    const f = await fake()
    const { events } = await listen(f)
    f.postMessage({ channelId: f.world.ids.general, content: 'before' })
    await until(() => events.length === 1, 'the first event')
    f.gateway.drop({ hold: true })
    for (const text of ['missed 1', 'missed 2', 'missed 3']) f.postMessage({ channelId: f.world.ids.general, content: text })
    f.gateway.release()
    await f.gateway.waitForResumes(1)
    f.postMessage({ channelId: f.world.ids.general, content: 'after' })
    await until(() => events.length === 5, 'five events')
    expect(events.map((e) => e.text)).toEqual(['before', 'missed 1', 'missed 2', 'missed 3', 'after'])
    expect(f.gateway.identifies).toBe(1)
    const resume = f.gateway.received.find((frame) => frame.op === 6)!.d as { seq: number; session_id: string }
    expect(resume.seq).toBeGreaterThan(0)
  })

  it('resumes on RECONNECT (op 7)', async () => {
    const f = await fake()
    const { events } = await listen(f)
    f.gateway.requestReconnect()
    f.postMessage({ channelId: f.world.ids.general, content: 'sent during the reconnect' })
    await f.gateway.waitForResumes(1)
    await until(() => events.length === 1, 'the replayed event')
    expect(events[0]!.text).toBe('sent during the reconnect')
    expect(f.gateway.identifies).toBe(1)
  })

  it('maps edits, deletes and reactions', async () => {
    const f = await fake()
    const { events } = await listen(f)
    const m = f.postMessage({ channelId: f.world.ids.general, content: 'v1' })
    f.editMessage(m.id, 'v2')
    f.react(m.id, '🎉')
    f.react(m.id, '<:party:123456789012345678>', { remove: true })
    f.deleteMessage(m.id)
    await until(() => events.length === 5, 'five events')
    expect(events.map((e) => [e.kind, e.externalMessageId, e.text, e.reaction])).toEqual([
      ['message', m.id, 'v1', undefined],
      ['edit', m.id, 'v2', undefined],
      ['reaction', m.id, '', { emoji: '🎉', added: true }],
      ['reaction', m.id, '', { emoji: '<:party:123456789012345678>', added: false }],
      ['delete', m.id, '', undefined],
    ])
  })

  it('fails to start with a bad token', async () => {
    const f = await fake()
    const adapter = createDiscordAdapter({ readyTimeoutMs: 30_000 })
    const ctx = { signal: new AbortController().signal, ingest: async () => undefined }
    await expect(adapter.startListener!({ bridgeId: 'dc-bad', credentials: { botToken: 'bad.token.x' }, options: { apiUrl: f.apiUrl } }, ctx))
      .rejects.toThrow(/gateway login failed/)
  })

  it('rejects closed when the gateway ends the session for good (4004)', async () => {
    const f = await fake()
    const { handle } = await listen(f)
    f.gateway.closeWith(4004, 'Authentication failed.')
    await expect(handle.closed).rejects.toThrow(/gateway closed for good \(code 4004\)/)
  })

  it('stops when its signal aborts', async () => {
    const f = await fake()
    const { handle, abort } = await listen(f)
    abort.abort()
    await handle.closed
    await until(() => !f.gateway.connected, 'the socket to close')
  })
})
