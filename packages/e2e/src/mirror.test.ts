// One room bridged to Telegram, Slack and Discord at once, mirrored: what a person says on one
// platform is relayed to the other two, never back to where it came from, stored once, and the relayed
// copies (which Discord's gateway and Slack's Events API echo back to the bot) are not ingested again.
// Everything runs through createMessaging over store-memory against the three stateful fakes.
import { createDiscordAdapter } from '@jido-messaging/adapter-discord'
import { createSlackAdapter } from '@jido-messaging/adapter-slack'
import { createTelegramAdapter } from '@jido-messaging/adapter-telegram'
import { createMessaging, type Messaging, type Room, type Signal } from '@jido-messaging/core'
import { createMemoryStore } from '@jido-messaging/store-memory'
import {
  signedSlackRequest,
  slackEventCallback,
  slackMessageEvent,
  startDiscordFake,
  startFakeSlack,
  startTelegramFake,
  TELEGRAM_BOT_TOKEN,
  tgChats,
  tgUsers,
  type DiscordFake,
  type FakeSlack,
  type TelegramFake,
  type TgMessage,
} from '@jido-messaging/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const TG_BRIDGE = 'telegram-bridge'
const SLACK_BRIDGE = 'slack-bridge'
const DISCORD_BRIDGE = 'discord-bridge'
const TG_SECRET = 'e2e-telegram-secret'
const SLACK_SIGNING_SECRET = 'e2e-slack-signing-secret'
const TG_CHAT = tgChats.team
const SLACK_CHANNEL = 'C0GENERAL'
/** How long nothing may happen once a relay is done, to call it settled (no loop, no late echo). */
const SETTLE_MS = 600

async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface World {
  messaging: Messaging
  telegram: TelegramFake
  slack: FakeSlack
  discord: DiscordFake
  room: Room
  signals: Signal[]
  discordChannel: string
}

let w: World
const cleanups: Array<() => Promise<void>> = []

beforeAll(async () => {
  const telegram = await startTelegramFake({ token: TELEGRAM_BOT_TOKEN })
  cleanups.push(() => telegram.close())
  telegram.addChat(TG_CHAT)
  const slack = await startFakeSlack()
  cleanups.push(() => slack.close())
  const discord = await startDiscordFake()
  cleanups.push(() => discord.close())

  const messaging = createMessaging({
    store: createMemoryStore(),
    instanceId: 'e2e-mirror',
    adapters: [
      createTelegramAdapter({ requestTimeoutMs: 30_000 }),
      createSlackAdapter({ timeoutMs: 30_000 }),
      createDiscordAdapter({ readyTimeoutMs: 30_000, restTimeoutMs: 30_000 }),
    ],
    delivery: { pollMs: 20 },
    bridgeWorkers: { reconcileMs: 200, restartBaseMs: 50 },
  })
  await messaging.start()
  // stop() ends the bridge workers, which destroy the Discord gateway client, before the fakes close
  cleanups.push(() => messaging.stop())
  const signals: Signal[] = []
  messaging.subscribe('jido.messaging.**', (s) => void signals.push(s))

  const discordChannel = discord.world.ids.general
  const room = await messaging.ensureBridgeRoom({
    roomName: 'everywhere',
    bridgeConfigs: [
      { id: TG_BRIDGE, adapter: 'telegram', credentials: { botToken: TELEGRAM_BOT_TOKEN, webhookSecret: TG_SECRET }, options: { apiRoot: telegram.apiRoot } },
      { id: SLACK_BRIDGE, adapter: 'slack', credentials: { botToken: slack.botToken, signingSecret: SLACK_SIGNING_SECRET }, options: { apiUrl: slack.url } },
      { id: DISCORD_BRIDGE, adapter: 'discord', credentials: { botToken: discord.token, applicationId: discord.world.bot.id }, options: { apiUrl: discord.apiUrl } },
    ],
    bindings: [
      { channel: 'telegram', bridgeId: TG_BRIDGE, externalRoomId: String(TG_CHAT.id) },
      { channel: 'slack', bridgeId: SLACK_BRIDGE, externalRoomId: SLACK_CHANNEL },
      { channel: 'discord', bridgeId: DISCORD_BRIDGE, externalRoomId: discordChannel },
    ],
    routingPolicy: { deliveryMode: 'broadcast', mirror: true },
  })
  await waitFor(async () => (await messaging.bridgeStatus(DISCORD_BRIDGE))?.state === 'running', 'the Discord gateway bridge to run')
  w = { messaging, telegram, slack, discord, room, signals, discordChannel }
}, 120_000)

afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

// ---- what reached each platform (the bot's sends only) ----

function telegramSends(): Array<{ chat: string; text: string }> {
  return w.telegram.callsTo('sendMessage').map((c) => ({ chat: String(c.params.chat_id), text: String(c.params.text) }))
}
function slackSends(): Array<{ channel: string; text: string }> {
  return w.slack.callsOf('chat.postMessage').map((c) => ({ channel: String(c.params.channel), text: String(c.params.text) }))
}
function discordSends(): Array<{ channel: string; text: string }> {
  return w.discord.rest.operations.flatMap((o) => (o.op === 'send' ? [{ channel: o.externalRoomId, text: o.text }] : []))
}
/** Every call that could put something on a platform (or change it), for the no-loop check. */
function outboundCallCount(): number {
  const tg = w.telegram.calls.filter((c) => c.method !== 'getMe' && c.method !== 'getUpdates').length
  const sl = w.slack.calls.filter((c) => c.method !== 'auth.test' && c.method !== 'conversations.info').length
  const dc = w.discord.rest.calls.filter((c) => c.method !== 'GET').length
  return tg + sl + dc
}
function counts() {
  return { telegram: telegramSends().length, slack: slackSends().length, discord: discordSends().length }
}

async function roomTexts(): Promise<string[]> {
  const { messages } = await w.messaging.listMessages(w.room.id, { limit: 100 })
  return messages.map((m) => m.content.map((b) => (b.type === 'text' ? b.text : `[${b.type}]`)).join(''))
}
function receivedInRoom(): number {
  return w.signals.filter((s) => s.type === 'jido.messaging.message.received' && s.subject === w.room.id).length
}

// ---- platform input ----

function telegramWebhook(update: unknown) {
  return w.messaging.routeWebhookRequest(TG_BRIDGE, {
    method: 'POST', path: `/webhooks/${TG_BRIDGE}`,
    headers: { 'content-type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': TG_SECRET }, rawBody: JSON.stringify(update),
  })
}
function slackEvent(payload: unknown) {
  const request = signedSlackRequest(SLACK_SIGNING_SECRET, payload, { path: `/webhooks/${SLACK_BRIDGE}` })
  return w.messaging.routeWebhookRequest(SLACK_BRIDGE, { method: request.method, path: request.path, headers: { ...request.headers }, rawBody: request.rawBody })
}

/**
 * Slack's Events API announces the bot's own posts too (with its bot_id); feed every post the bot made
 * since `from` back in, as Slack would, and expect each to be dropped as the bot's own.
 */
async function echoSlackBotPosts(from: number): Promise<void> {
  for (const call of w.slack.callsOf('chat.postMessage').slice(from)) {
    const m = call.response!.message as { text: string; ts: string; user: string; bot_id: string }
    const echo = await slackEvent(slackEventCallback(slackMessageEvent({ channel: SLACK_CHANNEL, user: m.user, botId: m.bot_id, text: m.text, ts: m.ts })))
    expect(echo.response.status).toBe(200)
    expect(echo.outcome).toMatchObject({ status: 'noop' })
  }
}

/**
 * Telegram does not deliver a bot's own messages to it, but if one came in (a forwarded update, a
 * misbehaving proxy), it must be dropped as the bot's own too.
 */
let echoUpdateId = 900_000
async function echoTelegramBotPosts(from: number): Promise<void> {
  const own = w.telegram.messages(TG_CHAT.id).filter((m: TgMessage) => m.from?.id === tgUsers.bot.id).slice(from)
  for (const message of own) {
    const echo = await telegramWebhook({ update_id: ++echoUpdateId, message })
    expect(echo.response.status).toBe(200)
    expect(echo.outcome).toMatchObject({ status: 'noop' })
  }
}

async function discordLastIngress(): Promise<string | null> {
  return (await w.messaging.bridgeStatus(DISCORD_BRIDGE))!.lastIngressAt
}

/**
 * Discord's gateway echoes every message the bot posts as a MESSAGE_CREATE authored by the bot. Waits
 * until the echo of `text` was dispatched and the gateway listener handed it to ingest (the bridge's
 * lastIngressAt moved past `since`), so the assertions after it prove the echo was ignored.
 */
async function waitForDiscordEcho(text: string, since: string | null): Promise<void> {
  const { world } = w.discord
  await waitFor(() => [...world.messages.values()].some((m) => m.author.id === world.bot.id && m.content === text), 'the Discord echo dispatched')
  await waitFor(async () => (await discordLastIngress()) !== since, 'the Discord echo reaching ingest')
}

/** Waits SETTLE_MS and checks that nothing more was sent anywhere and nothing new was stored. */
async function expectSettled(): Promise<void> {
  const calls = outboundCallCount()
  const texts = await roomTexts()
  const received = receivedInRoom()
  await sleep(SETTLE_MS)
  expect(outboundCallCount()).toBe(calls)
  expect(await roomTexts()).toEqual(texts)
  expect(receivedInRoom()).toBe(received)
}

describe('one room mirrored across Telegram, Slack and Discord', { timeout: 60_000 }, () => {
  it('relays a Telegram message to Slack and Discord, not back to Telegram', async () => {
    const before = counts()
    const messagesBefore = await roomTexts()
    const discordIngressBefore = await discordLastIngress()
    const text = 'hello from telegram'
    const update = w.telegram.userMessage({ chat: TG_CHAT, from: tgUsers.ada, text })
    const result = await telegramWebhook(update)
    expect(result.response.status).toBe(200)
    expect(result.outcome).toMatchObject({ status: 'message', room: { id: w.room.id } })
    expect(result.outcome!.message).toMatchObject({ roomId: w.room.id, externalId: `${TG_CHAT.id}:${update.message!.message_id}`, metadata: { channel: 'telegram', bridgeId: TG_BRIDGE } })

    const relayed = 'Ada Lovelace: hello from telegram'
    await waitFor(() => slackSends().length === before.slack + 1 && discordSends().length === before.discord + 1, 'the relay to Slack and Discord')
    expect(slackSends().slice(before.slack)).toEqual([{ channel: SLACK_CHANNEL, text: relayed }])
    expect(discordSends().slice(before.discord)).toEqual([{ channel: w.discordChannel, text: relayed }])
    // Discord's gateway echoes the bot's post as a MESSAGE_CREATE by the bot; Slack announces it too
    await waitForDiscordEcho(relayed, discordIngressBefore)
    await echoSlackBotPosts(before.slack)

    await expectSettled()
    expect(telegramSends().length).toBe(before.telegram)
    expect(await roomTexts()).toEqual([...messagesBefore, text])
    expect((await roomTexts()).filter((t) => t.includes(text))).toEqual([text])
    expect(counts()).toEqual({ telegram: before.telegram, slack: before.slack + 1, discord: before.discord + 1 })
  })

  it('relays a Slack message to Telegram and Discord, not back to Slack', async () => {
    const before = counts()
    const tgOwnBefore = w.telegram.messages(TG_CHAT.id).filter((m) => m.from?.id === tgUsers.bot.id).length
    const messagesBefore = await roomTexts()
    const discordIngressBefore = await discordLastIngress()
    const text = 'hello from slack'
    const seeded = w.slack.postAs(SLACK_CHANNEL, text, { user: 'U0HUMAN' })
    const result = await slackEvent(slackEventCallback(slackMessageEvent({ channel: SLACK_CHANNEL, user: 'U0HUMAN', text, ts: seeded.ts })))
    expect(result.response.status).toBe(200)
    expect(result.outcome).toMatchObject({ status: 'message', room: { id: w.room.id } })
    expect(result.outcome!.message).toMatchObject({ roomId: w.room.id, externalId: seeded.ts, metadata: { channel: 'slack', bridgeId: SLACK_BRIDGE } })

    // Slack's event carries no profile here, so the sender is named by their user id
    const relayed = 'U0HUMAN: hello from slack'
    await waitFor(() => telegramSends().length === before.telegram + 1 && discordSends().length === before.discord + 1, 'the relay to Telegram and Discord')
    expect(telegramSends().slice(before.telegram)).toEqual([{ chat: String(TG_CHAT.id), text: relayed }])
    expect(w.telegram.messages(TG_CHAT.id).at(-1)).toMatchObject({ text: relayed, from: { id: tgUsers.bot.id } })
    expect(discordSends().slice(before.discord)).toEqual([{ channel: w.discordChannel, text: relayed }])
    await waitForDiscordEcho(relayed, discordIngressBefore)
    await echoTelegramBotPosts(tgOwnBefore)

    await expectSettled()
    expect(slackSends().length).toBe(before.slack)
    expect(await roomTexts()).toEqual([...messagesBefore, text])
    expect(counts()).toEqual({ telegram: before.telegram + 1, slack: before.slack, discord: before.discord + 1 })
  })

  it('relays a Discord gateway message to Telegram and Slack, not back to Discord', async () => {
    const before = counts()
    const tgOwnBefore = w.telegram.messages(TG_CHAT.id).filter((m) => m.from?.id === tgUsers.bot.id).length
    const messagesBefore = await roomTexts()
    const text = 'hello from discord'
    const posted = w.discord.postMessage({ channelId: w.discordChannel, author: w.discord.world.grace, content: text })

    await waitFor(async () => (await w.messaging.getMessageByExternalId('discord', DISCORD_BRIDGE, posted.id)) !== null, 'the Discord message to be ingested')
    const stored = (await w.messaging.getMessageByExternalId('discord', DISCORD_BRIDGE, posted.id))!
    expect(stored).toMatchObject({ roomId: w.room.id, role: 'user', content: [{ type: 'text', text }], metadata: { channel: 'discord', bridgeId: DISCORD_BRIDGE } })

    const relayed = 'Grace Hopper: hello from discord'
    await waitFor(() => telegramSends().length === before.telegram + 1 && slackSends().length === before.slack + 1, 'the relay to Telegram and Slack')
    expect(telegramSends().slice(before.telegram)).toEqual([{ chat: String(TG_CHAT.id), text: relayed }])
    expect(slackSends().slice(before.slack)).toEqual([{ channel: SLACK_CHANNEL, text: relayed }])
    expect(w.slack.messages(SLACK_CHANNEL).at(-1)).toMatchObject({ text: relayed, user: w.slack.identity.botUserId })
    await echoSlackBotPosts(before.slack)
    await echoTelegramBotPosts(tgOwnBefore)

    await expectSettled()
    expect(discordSends().length).toBe(before.discord)
    expect(await roomTexts()).toEqual([...messagesBefore, text])
    expect(counts()).toEqual({ telegram: before.telegram + 1, slack: before.slack + 1, discord: before.discord })
  })

  it('stores each original exactly once and no relayed copy', async () => {
    const texts = await roomTexts()
    expect(texts).toEqual(['hello from telegram', 'hello from slack', 'hello from discord'])
    const { messages } = await w.messaging.listMessages(w.room.id, { limit: 100 })
    expect(messages.map((m) => m.metadata['channel'])).toEqual(['telegram', 'slack', 'discord'])
    expect(receivedInRoom()).toBe(3)
    // no other room was created by an echo or a relay
    expect((await w.messaging.listRooms()).rooms.map((r) => r.id)).toEqual([w.room.id])
  })

  it('broadcasts an agent\'s routeOutbound to all three platforms', async () => {
    const before = counts()
    const discordIngressBefore = await discordLastIngress()
    const result = await w.messaging.routeOutbound(w.room.id, 'to everyone')
    expect(result.deliveries.map((d) => [d.bridgeId, d.externalRoomId]).sort()).toEqual([
      [DISCORD_BRIDGE, w.discordChannel], [SLACK_BRIDGE, SLACK_CHANNEL], [TG_BRIDGE, String(TG_CHAT.id)],
    ].sort())
    await waitFor(() => telegramSends().length === before.telegram + 1 && slackSends().length === before.slack + 1 && discordSends().length === before.discord + 1, 'the broadcast')
    expect(telegramSends().slice(before.telegram)).toEqual([{ chat: String(TG_CHAT.id), text: 'to everyone' }])
    expect(slackSends().slice(before.slack)).toEqual([{ channel: SLACK_CHANNEL, text: 'to everyone' }])
    expect(discordSends().slice(before.discord)).toEqual([{ channel: w.discordChannel, text: 'to everyone' }])
    await waitFor(async () => (await w.messaging.getMessage(result.message.id))?.status === 'sent', 'the message marked sent')
    await waitForDiscordEcho('to everyone', discordIngressBefore)
    await echoSlackBotPosts(before.slack)

    await expectSettled()
    expect(counts()).toEqual({ telegram: before.telegram + 1, slack: before.slack + 1, discord: before.discord + 1 })
    expect(await roomTexts()).toEqual(['hello from telegram', 'hello from slack', 'hello from discord', 'to everyone'])
  })
})
