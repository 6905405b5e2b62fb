// Issue 11 (two-way sync, media): a photo or document sent on Telegram into a room bound to Telegram,
// Slack and Discord and mirrored arrives on Slack and Discord as a file with the same bytes, once,
// instead of a `[image: x]` label. Core resolves the `tg-file:` reference through the Telegram adapter
// (getFile and the download, whose URL holds the bot token) and hands only the bytes to the Slack
// (files.uploadV2) and Discord (multipart attachments) adapters. A file that cannot be had falls back to
// the label; a transient failure to fetch it is retried like a failed send.
import { createDiscordAdapter } from '@jido-messaging/adapter-discord'
import { createSlackAdapter } from '@jido-messaging/adapter-slack'
import { createTelegramAdapter } from '@jido-messaging/adapter-telegram'
import { createMessaging, type Messaging, type Room } from '@jido-messaging/core'
import { createMemoryStore } from '@jido-messaging/store-memory'
import {
  startDiscordFake,
  startFakeSlack,
  startTelegramFake,
  TELEGRAM_BOT_TOKEN,
  tgChats,
  tgUsers,
  type DiscordFake,
  type FakeSlack,
  type TelegramFake,
} from '@jido-messaging/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const TG_BRIDGE = 'telegram-bridge'
const SLACK_BRIDGE = 'slack-bridge'
const DISCORD_BRIDGE = 'discord-bridge'
const TG_SECRET = 'e2e-telegram-secret'
const TG_CHAT = tgChats.team
const SLACK_CHANNEL = 'C0GENERAL'
/** How long nothing may happen once a relay is done, to call it settled (no second upload, no loop). */
const SETTLE_MS = 600

async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

let messaging: Messaging
let telegram: TelegramFake
let slack: FakeSlack
let discord: DiscordFake
let room: Room
const cleanups: Array<() => Promise<void>> = []

beforeAll(async () => {
  telegram = await startTelegramFake({ token: TELEGRAM_BOT_TOKEN })
  cleanups.push(() => telegram.close())
  telegram.addChat(TG_CHAT)
  slack = await startFakeSlack()
  cleanups.push(() => slack.close())
  discord = await startDiscordFake()
  cleanups.push(() => discord.close())
  messaging = createMessaging({
    store: createMemoryStore(),
    instanceId: 'e2e-media',
    adapters: [
      createTelegramAdapter({ requestTimeoutMs: 30_000 }),
      createSlackAdapter({ timeoutMs: 30_000 }),
      createDiscordAdapter({ readyTimeoutMs: 30_000, restTimeoutMs: 30_000 }),
    ],
    delivery: { pollMs: 20 },
    bridgeWorkers: { reconcileMs: 200, restartBaseMs: 50 },
  })
  await messaging.start()
  cleanups.push(() => messaging.stop())
  const fast = { maxAttempts: 5, baseBackoffMs: 20, maxBackoffMs: 200, deadLetter: true }
  room = await messaging.ensureBridgeRoom({
    roomName: 'everywhere',
    bridgeConfigs: [
      { id: TG_BRIDGE, adapter: 'telegram', credentials: { botToken: TELEGRAM_BOT_TOKEN, webhookSecret: TG_SECRET }, options: { apiRoot: telegram.apiRoot }, deliveryPolicy: fast },
      { id: SLACK_BRIDGE, adapter: 'slack', credentials: { botToken: slack.botToken, signingSecret: 'e2e-slack-signing-secret' }, options: { apiUrl: slack.url }, deliveryPolicy: fast },
      { id: DISCORD_BRIDGE, adapter: 'discord', credentials: { botToken: discord.token, applicationId: discord.world.bot.id }, options: { apiUrl: discord.apiUrl }, deliveryPolicy: fast },
    ],
    bindings: [
      { channel: 'telegram', bridgeId: TG_BRIDGE, externalRoomId: String(TG_CHAT.id) },
      { channel: 'slack', bridgeId: SLACK_BRIDGE, externalRoomId: SLACK_CHANNEL },
      { channel: 'discord', bridgeId: DISCORD_BRIDGE, externalRoomId: discord.world.ids.general },
    ],
    routingPolicy: { deliveryMode: 'broadcast', mirror: true },
  })
  await waitFor(async () => (await messaging.bridgeStatus(DISCORD_BRIDGE))?.state === 'running', 'the Discord gateway bridge to run')
}, 120_000)

afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function telegramWebhook(update: unknown) {
  return messaging.routeWebhookRequest(TG_BRIDGE, {
    method: 'POST', path: `/webhooks/${TG_BRIDGE}`,
    headers: { 'content-type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': TG_SECRET }, rawBody: JSON.stringify(update),
  })
}

/** What the bot posted on Slack and Discord: texts, and files with their bytes (in order). */
function slackTexts(): string[] {
  return slack.callsOf('chat.postMessage').map((c) => String(c.params.text))
}
function discordBotMessages() {
  return [...discord.world.messages.values()].filter((m) => m.author.id === discord.world.bot.id)
}
function discordFiles(): Array<{ filename: string; data: Buffer; content: string }> {
  return discordBotMessages().flatMap((m) => discord.world.attachmentsOf(m.id).map((f) => ({ filename: f.filename, data: f.data, content: m.content })))
}
function telegramSends(): number {
  return telegram.calls.filter((c) => c.method.startsWith('send')).length
}

/** Neither fake recorded the Telegram bot token or a Telegram file URL anywhere: calls, messages, files. */
function expectNoTelegramSecrets(): void {
  const slackState = JSON.stringify({ calls: slack.calls, uploads: slack.uploads, files: slack.files().map((f) => ({ ...f, data: f.data?.toString('latin1') })),
    messages: slack.messages(SLACK_CHANNEL) })
  const discordState = JSON.stringify({ calls: discord.rest.calls, operations: discord.rest.operations.map((o) => ('data' in o ? { ...o, data: o.data.toString('latin1') } : o)),
    messages: [...discord.world.messages.values()], files: [...discord.world.attachmentData.values()].map((d) => d.toString('latin1')) })
  for (const state of [slackState, discordState]) {
    expect(state).not.toContain(TELEGRAM_BOT_TOKEN)
    expect(state).not.toContain(TELEGRAM_BOT_TOKEN.split(':')[1])
    expect(state).not.toContain('/file/bot')
    expect(state).not.toContain('tg-file:')
  }
}

/** Waits SETTLE_MS and checks that no further file or message reached Slack or Discord. */
async function expectSettled(): Promise<void> {
  const before = { slack: slack.calls.length, uploads: slack.uploads.length, discord: discord.rest.calls.filter((c) => c.method !== 'GET').length }
  await new Promise((r) => setTimeout(r, SETTLE_MS))
  expect({ slack: slack.calls.length, uploads: slack.uploads.length, discord: discord.rest.calls.filter((c) => c.method !== 'GET').length }).toEqual(before)
}

describe('Telegram media mirrored to Slack and Discord', { timeout: 60_000 }, () => {
  it('a photo arrives on Slack and on Discord as a file with the same bytes, once, and not back on Telegram', async () => {
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x02, 0xff, 0xd9, 0x00, 0x7f, 0x80])
    const hosted = telegram.addFile({ data: bytes, fileId: 'AgAC-e2e-photo', kind: 'photos' })
    const tgBefore = telegramSends()
    const update = telegram.userMessage({ chat: TG_CHAT, from: tgUsers.ada, caption: 'the whiteboard', photo: { fileId: hosted.fileId, fileSize: bytes.length } })
    const result = await telegramWebhook(update)
    expect(result.response.status).toBe(200)
    expect(result.outcome!.message!.content).toEqual([{ type: 'text', text: 'the whiteboard' }, expect.objectContaining({ type: 'image', url: `tg-file:${hosted.fileId}` })])

    await waitFor(() => slack.files(SLACK_CHANNEL).length === 1 && discordFiles().length === 1, 'the photo on Slack and Discord')
    // Slack: the relayed text (no label: the file is there), then the file with the photo's bytes.
    expect(slackTexts()).toEqual(['Ada Lovelace: the whiteboard'])
    const [slackFile] = slack.files(SLACK_CHANNEL)
    expect(slackFile!.data!.equals(bytes)).toBe(true)
    expect(slackFile!.name).toBe(hosted.filePath.split('/').pop())
    // Discord: one message with the text and the photo attached.
    const [discordFile] = discordFiles()
    expect(discordFile!.data.equals(bytes)).toBe(true)
    expect(discordFile!.content).toBe('Ada Lovelace: the whiteboard')
    // Each delivery fetched the file from Telegram itself; Telegram got nothing sent back.
    expect(telegram.downloads.filter((d) => d.filePath === hosted.filePath && d.status === 200)).toHaveLength(2)
    await waitFor(async () => (await messaging.getMessage(result.outcome!.message!.id))?.status === 'sent', 'the message marked sent')
    await expectSettled()
    expect(slack.files(SLACK_CHANNEL)).toHaveLength(1)
    expect(discordFiles()).toHaveLength(1)
    expect(telegramSends()).toBe(tgBefore)
    expectNoTelegramSecrets()
  })

  it('a document keeps its name and bytes on both platforms', async () => {
    const bytes = Buffer.from('%PDF-1.7\nquarterly numbers\n%%EOF')
    const hosted = telegram.addFile({ data: bytes, fileId: 'BQAC-e2e-doc', fileName: 'q3.pdf', mimeType: 'application/pdf' })
    const update = telegram.userMessage({ chat: TG_CHAT, from: tgUsers.grace, caption: 'numbers', document: { fileId: hosted.fileId, fileName: 'q3.pdf', mimeType: 'application/pdf', fileSize: bytes.length } })
    expect((await telegramWebhook(update)).response.status).toBe(200)

    await waitFor(() => slack.files(SLACK_CHANNEL).length === 2 && discordFiles().length === 2, 'the document on Slack and Discord')
    const slackFile = slack.files(SLACK_CHANNEL)[1]!
    expect([slackFile.name, slackFile.data!.equals(bytes)]).toEqual(['q3.pdf', true])
    const discordFile = discordFiles()[1]!
    expect([discordFile.filename, discordFile.data.equals(bytes), discordFile.content]).toEqual(['q3.pdf', true, 'Grace: numbers'])
    expect(slackTexts().at(-1)).toBe('Grace: numbers')
    await expectSettled()
    expectNoTelegramSecrets()
  })

  it('a transient failure to fetch the file is retried, then the file arrives', async () => {
    const bytes = Buffer.from('retried bytes')
    const hosted = telegram.addFile({ data: bytes, fileId: 'BQAC-e2e-flaky', fileName: 'flaky.txt', mimeType: 'text/plain' })
    const failedBefore = telegram.calls.filter((c) => c.method === 'getFile' && c.status !== 200).length
    telegram.failNext(1, { status: 502, method: 'getFile' })
    const update = telegram.userMessage({ chat: TG_CHAT, from: tgUsers.ada, caption: 'flaky', document: { fileId: hosted.fileId, fileName: 'flaky.txt', mimeType: 'text/plain', fileSize: bytes.length } })
    expect((await telegramWebhook(update)).response.status).toBe(200)

    await waitFor(() => slack.files(SLACK_CHANNEL).length === 3 && discordFiles().length === 3, 'the file on Slack and Discord after a retry')
    expect(telegram.calls.filter((c) => c.method === 'getFile' && c.status !== 200).length).toBe(failedBefore + 1)
    expect(slack.files(SLACK_CHANNEL)[2]!.data!.equals(bytes)).toBe(true)
    expect(discordFiles()[2]!.data.equals(bytes)).toBe(true)
    // The retry sent the text once, not once per attempt.
    expect(slackTexts().filter((t) => t.endsWith(': flaky'))).toHaveLength(1)
    expect(discordBotMessages().filter((m) => m.content.endsWith(': flaky'))).toHaveLength(1)
    await expectSettled()
  })

  it('a file Telegram no longer has arrives as its label, and the delivery does not fail', async () => {
    const update = telegram.userMessage({ chat: TG_CHAT, from: tgUsers.ada, caption: 'gone', document: { fileId: 'BQAC-e2e-never-hosted', fileName: 'gone.zip' } })
    const result = await telegramWebhook(update)
    expect(result.response.status).toBe(200)
    await waitFor(() => slackTexts().some((t) => t.endsWith(': gone\n[file: gone.zip]')) && discordBotMessages().some((m) => m.content.endsWith(': gone\n[file: gone.zip]')),
      'the label on Slack and Discord')
    await waitFor(async () => (await messaging.getMessage(result.outcome!.message!.id))?.status === 'sent', 'the message marked sent')
    expect((await messaging.listDeadLetters()).deadLetters.filter((d) => d.roomId === room.id)).toEqual([])
    expect(slack.files(SLACK_CHANNEL)).toHaveLength(3)
    expect(discordFiles()).toHaveLength(3)
    await expectSettled()
    expectNoTelegramSecrets()
  })

  it('stores each Telegram message once; the copies Discord echoes with their attachments are not ingested', async () => {
    const { messages } = await messaging.listMessages(room.id, { limit: 100 })
    expect(messages.map((m) => m.content.find((b) => b.type === 'text')?.text)).toEqual(['the whiteboard', 'numbers', 'flaky', 'gone'])
    expect(messages.every((m) => m.metadata['channel'] === 'telegram')).toBe(true)
  })
})
