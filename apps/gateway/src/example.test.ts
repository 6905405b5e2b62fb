// The bundled example config (what `npm start` runs): with no credentials a demo room and an echo agent;
// with TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID the Telegram bridge runs and the chat is the demo room.
import { readFileSync } from 'node:fs'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startTelegramFake, tgChats, tgUsers, type TelegramFake } from '@jido-messaging/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { parseConfigText } from './config/load.js'
import { startGateway, type Gateway } from './gateway.js'

const exampleFile = fileURLToPath(new URL('../gateway.example.yaml', import.meta.url))
const example = readFileSync(exampleFile, 'utf8')

describe('the example config', () => {
  const cleanup: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f()
  })

  async function start(text: string, env: Record<string, string>): Promise<Gateway> {
    const dir = mkdtempSync(join(tmpdir(), 'jido-example-'))
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
    const gateway = await startGateway({
      config: parseConfigText(text, { file: exampleFile, baseDir: dir, env }),
      env,
      listen: { port: 0 },
      logDestination: { write: () => undefined },
      messaging: { journal: { pollMs: 50 } },
    })
    cleanup.push(() => gateway.stop())
    return gateway
  }

  it('needs no credentials: a demo room with an echo agent, and generated keys', async () => {
    const gw = await start(example, {})
    expect(gw.context.config.bridges).toEqual([])
    const admin = gw.apiKeys.find((k) => k.id === 'admin')!
    expect(admin.key).toMatch(/^jmk_/)
    const posted = await fetch(`${gw.url}/v1/rooms/demo/messages`, { method: 'POST', headers: { authorization: `Bearer ${admin.key}`, 'content-type': 'application/json' }, body: JSON.stringify({ text: 'ping' }) })
    expect(posted.status).toBe(201)
    const deadline = Date.now() + 30_000
    for (;;) {
      const { messages } = await gw.messaging.listMessages('demo', { limit: 10 })
      if (messages.some((m) => m.content.some((b) => b.type === 'text' && b.text === 'echo: ping'))) break
      if (Date.now() > deadline) throw new Error('the echo agent did not answer')
      await new Promise((r) => setTimeout(r, 50))
    }
  })

  it('turns the Telegram bridge on from TELEGRAM_BOT_TOKEN and binds TELEGRAM_CHAT_ID to the demo room', async () => {
    const telegram: TelegramFake = await startTelegramFake()
    cleanup.push(() => telegram.close())
    telegram.addChat(tgChats.team)
    // the one change: point the bridge at the local fake instead of api.telegram.org
    const text = example.replace('      ingress: { mode: polling }', `      ingress: { mode: polling }\n      apiRoot: "${telegram.apiRoot}"`)
    expect(text).not.toBe(example)
    const gw = await start(text, { TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_CHAT_ID: String(tgChats.team.id) })
    expect(gw.context.config.bridges.map((b) => b.id)).toEqual(['telegram'])

    telegram.enqueue(telegram.userMessage({ chat: tgChats.team, from: tgUsers.ada, text: 'hello from telegram' }))
    const reply = await telegram.waitForCall('sendMessage', (c) => String(c.params['text'] ?? '').includes('echo: hello from telegram'), 60_000)
    expect(reply).toBeDefined()
    const { messages } = await gw.messaging.listMessages('demo', { limit: 10 })
    expect(messages.map((m) => m.content.map((b) => (b.type === 'text' ? b.text : '')).join(''))).toEqual(['hello from telegram', 'echo: hello from telegram'])
    expect(telegram.messages(tgChats.team.id).map((m) => m.text)).toContain('echo: hello from telegram')
  })
})
