import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { signWebhookBody } from '@jido-messaging/adapter-webhook'
import type { Message, Messaging } from '@jido-messaging/core'
import { afterEach, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from './test/harness.js'

const SECRET = 'gateway-test-webhook-secret'
const textOf = (m: Message) => m.content.map((b) => (b.type === 'text' ? b.text : '')).join('')

async function until<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

async function snapshot(messaging: Messaging) {
  const rooms = (await messaging.listRooms({ limit: 100 })).rooms
  return {
    rooms,
    bridges: await messaging.listBridgeConfigs(),
    bindings: await Promise.all(rooms.map((r) => messaging.listRoomBindings(r.id))),
    policies: await Promise.all(rooms.map((r) => messaging.getRoutingPolicy(r.id))),
  }
}

const CONFIG = `
bridges:
  - id: hook
    adapter: webhook
    credentials: { secret: env:GW_TEST_SECRET }
    options: { outboundUrl: "http://127.0.0.1:9/unused" }
rooms:
  - id: lobby
    name: Lobby
    bindings: [{ bridge: hook, externalRoomId: ext-lobby }]
    routingPolicy: { deliveryMode: best_effort }
    agents:
      - { id: echo, module: "builtin:echo", options: { prefix: "heard: " } }
      - { id: shouter, module: ./shout.mjs }
`

describe('gateway', () => {
  const open: TestGateway[] = []
  const dirs: string[] = []
  afterEach(async () => {
    await Promise.all(open.splice(0).map((g) => g.stop()))
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  function folder() {
    const dir = mkdtempSync(join(tmpdir(), 'jido-gw-'))
    dirs.push(dir)
    writeFileSync(join(dir, 'shout.mjs'), 'export default (message) => message.content.map((b) => b.text ?? "").join("").toUpperCase() + "!"\n')
    return dir
  }

  it('applies the config at start, and a restart with the same file changes nothing', async () => {
    const dir = folder()
    const env = { GW_TEST_SECRET: SECRET }
    const first = await startTestGateway(CONFIG, { dir, env })
    open.push(first)
    expect(first.applied.bridgesWritten).toEqual(['hook'])
    expect(first.applied.roomsWritten).toEqual(['lobby'])
    const before = await snapshot(first.messaging)
    expect(before.bindings[0]).toEqual([expect.objectContaining({ bridgeId: 'hook', externalRoomId: 'ext-lobby' })])
    expect(before.bridges[0]?.credentials).toEqual({ secret: `env:GW_TEST_SECRET` }) // the reference is stored, never the secret
    await first.stop()
    open.pop()

    const second = await startTestGateway(CONFIG, { dir, env })
    open.push(second)
    expect(second.applied).toMatchObject({ bridgesWritten: [], roomsWritten: [] })
    expect(await snapshot(second.messaging)).toEqual(before)
  })

  it('runs built-in and module agents from the config on a signed platform webhook, answering 200 after the commit', async () => {
    const gw = await startTestGateway(CONFIG, { dir: folder(), env: { GW_TEST_SECRET: SECRET } })
    open.push(gw)
    const body = JSON.stringify({ id: 'ext-1', room: 'ext-lobby', user: 'u-1', text: 'hello there' })
    const res = await fetch(`${gw.url}/webhooks/hook`, { method: 'POST', headers: { 'content-type': 'application/json', ...signWebhookBody(SECRET, body) }, body })
    expect(res.status, await res.clone().text() + JSON.stringify(gw.logs.filter((l) => (l['level'] as number) >= 40))).toBe(200)
    // acknowledged means stored: the message is there as soon as the 200 arrived
    const stored = await gw.messaging.getMessageByExternalId('webhook', 'hook', 'ext-1')
    expect(stored && textOf(stored)).toBe('hello there')
    const replies = await until(async () => {
      const { messages } = await gw.messaging.listMessages('lobby', { limit: 10 })
      const texts = messages.filter((m) => m.replyToId === stored!.id).map(textOf).sort()
      return texts.length === 2 && texts
    }, 'both agents to answer')
    expect(replies).toEqual(['HELLO THERE!', 'heard: hello there'])

    const unsigned = await fetch(`${gw.url}/webhooks/hook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'ext-2', room: 'ext-lobby', user: 'u-1', text: 'forged' }) })
    expect(unsigned.status).toBe(401)
    expect(await gw.messaging.getMessageByExternalId('webhook', 'hook', 'ext-2')).toBeNull()
  })

  it('refuses an oversized webhook body with 413 and stores nothing', async () => {
    const gw = await startTestGateway(`${CONFIG}\nwebhooks: { bodyLimitBytes: 2048 }\n`, { dir: folder(), env: { GW_TEST_SECRET: SECRET } })
    open.push(gw)
    const body = JSON.stringify({ id: 'big', room: 'ext-lobby', user: 'u', text: 'x'.repeat(4096) })
    const res = await fetch(`${gw.url}/webhooks/hook`, { method: 'POST', headers: { 'content-type': 'application/json', ...signWebhookBody(SECRET, body) }, body })
    expect(res.status).toBe(413)
    expect(await res.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } })
    expect(await gw.messaging.getMessageByExternalId('webhook', 'hook', 'big')).toBeNull()
  })

  it('fails to start with a clear error when an agent module is missing, and releases the store', async () => {
    const dir = folder()
    const bad = CONFIG.replace('./shout.mjs', './missing.mjs')
    await expect(startTestGateway(bad, { dir, env: { GW_TEST_SECRET: SECRET } })).rejects.toThrow(/missing\.mjs/)
    // the store was closed: a gateway on the same folder starts
    const gw = await startTestGateway(CONFIG, { dir, env: { GW_TEST_SECRET: SECRET } })
    open.push(gw)
    expect(await gw.messaging.getRoom('lobby')).not.toBeNull()
  })

  it('never writes a credential or an API key into its log', async () => {
    const gw = await startTestGateway(CONFIG, { dir: folder(), env: { GW_TEST_SECRET: SECRET } })
    open.push(gw)
    await gw.call('/v1/rooms')
    await fetch(`${gw.url}/webhooks/hook`, { method: 'POST', headers: { authorization: `Bearer ${SECRET}`, 'content-type': 'application/json' }, body: `{"x":"${SECRET}"}` })
    gw.logger.info({ note: `a line that quotes ${SECRET}` }, 'probe')
    const text = gw.logs.map((l) => JSON.stringify(l)).join('\n')
    expect(text).toContain('probe')
    expect(text).not.toContain(SECRET)
    expect(text).not.toContain('test-admin-key-0123456789abcdef')
  })
})
