// Two-way sync (SPEC 8.1) across one room mirrored to Telegram, Slack and Discord, against their stateful
// fakes: an edit, a delete or a reaction made on one platform reaches the copies on the other two exactly
// once and never comes back; an agent's edit and reaction reach all three. (Telegram's Bot API tells a
// bot nothing about deleted messages, so a delete can start on Slack or Discord only.)
import { createDiscordAdapter } from '@jido-messaging/adapter-discord'
import { createSlackAdapter } from '@jido-messaging/adapter-slack'
import { createTelegramAdapter } from '@jido-messaging/adapter-telegram'
import { createMessaging, type Message, type Messaging, type Room } from '@jido-messaging/core'
import { createMemoryStore } from '@jido-messaging/store-memory'
import {
  signedSlackRequest,
  slackEventCallback,
  slackMessageChangedEvent,
  slackMessageDeletedEvent,
  slackMessageEvent,
  slackReactionEvent,
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

const TG = 'telegram-bridge'
const SL = 'slack-bridge'
const DC = 'discord-bridge'
const TG_SECRET = 'sync-telegram-secret'
const SLACK_SECRET = 'sync-slack-signing-secret'
const TG_CHAT = tgChats.team
const SLACK_CHANNEL = 'C0GENERAL'
const SETTLE_MS = 600

async function waitFor(predicate: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

let messaging: Messaging
let telegram: TelegramFake
let slack: FakeSlack
let discord: DiscordFake
let room: Room
let discordChannel: string
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
    instanceId: 'e2e-sync',
    adapters: [
      createTelegramAdapter({ requestTimeoutMs: 2000 }),
      createSlackAdapter({ timeoutMs: 2000 }),
      createDiscordAdapter({ readyTimeoutMs: 5000, restTimeoutMs: 2000 }),
    ],
    delivery: { pollMs: 20 },
    bridgeWorkers: { reconcileMs: 200, restartBaseMs: 50 },
  })
  await messaging.start()
  cleanups.push(() => messaging.stop())
  discordChannel = discord.world.ids.general
  room = await messaging.ensureBridgeRoom({
    roomName: 'synced',
    bridgeConfigs: [
      { id: TG, adapter: 'telegram', credentials: { botToken: TELEGRAM_BOT_TOKEN, webhookSecret: TG_SECRET }, options: { apiRoot: telegram.apiRoot } },
      { id: SL, adapter: 'slack', credentials: { botToken: slack.botToken, signingSecret: SLACK_SECRET }, options: { apiUrl: slack.url } },
      { id: DC, adapter: 'discord', credentials: { botToken: discord.token, applicationId: discord.world.bot.id }, options: { apiUrl: discord.apiUrl } },
    ],
    bindings: [
      { channel: 'telegram', bridgeId: TG, externalRoomId: String(TG_CHAT.id) },
      { channel: 'slack', bridgeId: SL, externalRoomId: SLACK_CHANNEL },
      { channel: 'discord', bridgeId: DC, externalRoomId: discordChannel },
    ],
    routingPolicy: { deliveryMode: 'broadcast', mirror: true },
  })
  await waitFor(async () => (await messaging.bridgeStatus(DC))?.state === 'running', 'the Discord gateway bridge to run')
}, 120_000)

afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function telegramWebhook(update: unknown) {
  return messaging.routeWebhookRequest(TG, {
    method: 'POST', path: `/webhooks/${TG}`,
    headers: { 'content-type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': TG_SECRET }, rawBody: JSON.stringify(update),
  })
}
function slackEvent(event: Record<string, unknown>) {
  const request = signedSlackRequest(SLACK_SECRET, slackEventCallback(event), { path: `/webhooks/${SL}` })
  return messaging.routeWebhookRequest(SL, { method: request.method, path: request.path, headers: { ...request.headers }, rawBody: request.rawBody })
}

/** Every call that changes something on a platform, by platform. */
function changeCalls() {
  return {
    telegram: telegram.calls.filter((c) => c.ok && ['editMessageText', 'deleteMessage', 'setMessageReaction'].includes(c.method)).map((c) => ({ method: c.method, params: c.params })),
    slack: slack.calls.filter((c) => c.ok && ['chat.update', 'chat.delete', 'reactions.add', 'reactions.remove'].includes(c.method)).map((c) => ({ method: c.method, params: c.params })),
    discord: discord.rest.operations.filter((o) => ['edit', 'delete', 'addReaction', 'removeReaction'].includes(o.op)),
  }
}
type Calls = ReturnType<typeof changeCalls>
const since = (before: Calls) => {
  const now = changeCalls()
  return { telegram: now.telegram.slice(before.telegram.length), slack: now.slack.slice(before.slack.length), discord: now.discord.slice(before.discord.length) }
}

/** Waits SETTLE_MS and checks that no further change was made anywhere (no echo, no loop). */
async function expectSettled(): Promise<void> {
  const before = JSON.stringify(changeCalls())
  await sleep(SETTLE_MS)
  expect(JSON.stringify(changeCalls())).toBe(before)
}

/** The bot's copy of a message on each platform, found by its text (none on the platform it came from). */
async function copies(text: string, from?: 'telegram' | 'slack' | 'discord') {
  const found = {
    telegram: () => telegram.messages(TG_CHAT.id).some((m) => m.from?.id === tgUsers.bot.id && m.text === text),
    slack: () => slack.messages(SLACK_CHANNEL).some((m) => m.text === text),
    discord: () => [...discord.world.messages.values()].some((m) => m.author.id === discord.world.bot.id && m.content === text),
  }
  await waitFor(() => (Object.keys(found) as Array<keyof typeof found>).every((p) => p === from || found[p]()), `the copies of "${text}"`)
  return {
    telegram: telegram.messages(TG_CHAT.id).filter((m) => m.from?.id === tgUsers.bot.id && m.text === text).at(-1),
    slack: slack.messages(SLACK_CHANNEL).filter((m) => m.text === text).at(-1),
    discord: [...discord.world.messages.values()].filter((m) => m.author.id === discord.world.bot.id && m.content === text).at(-1),
  }
}

async function ingestedBy(channel: string, bridgeId: string, externalId: string): Promise<Message> {
  await waitFor(async () => (await messaging.getMessageByExternalId(channel, bridgeId, externalId)) !== null, `message ${externalId} ingested`)
  return (await messaging.getMessageByExternalId(channel, bridgeId, externalId))!
}

describe('two-way sync across Telegram, Slack and Discord', { timeout: 120_000 }, () => {
  it('a Telegram edit reaches the Slack and Discord copies once, never Telegram; a Telegram reaction too', async () => {
    const update = telegram.userMessage({ chat: TG_CHAT, from: tgUsers.ada, text: 'draft from telegram' })
    expect((await telegramWebhook(update)).response.status).toBe(200)
    const copy = await copies('Ada Lovelace: draft from telegram', 'telegram')
    const before = changeCalls()
    const id = update.message!.message_id
    expect((await telegramWebhook(telegram.editMessage(TG_CHAT.id, id, 'final from telegram'))).response.status).toBe(200)
    await waitFor(() => since(before).slack.length === 1 && since(before).discord.length === 1, 'the edit on Slack and Discord')
    expect(since(before).slack[0]).toMatchObject({ method: 'chat.update', params: { channel: SLACK_CHANNEL, ts: copy.slack!.ts, text: 'Ada Lovelace: final from telegram' } })
    expect(since(before).discord[0]).toMatchObject({ op: 'edit', externalMessageId: copy.discord!.id, text: 'Ada Lovelace: final from telegram' })
    expect(since(before).telegram).toEqual([])

    const reacted = changeCalls()
    expect((await telegramWebhook(telegram.react({ chat: TG_CHAT, messageId: id, user: tgUsers.grace, reactions: ['👍'] }))).response.status).toBe(200)
    await waitFor(() => since(reacted).slack.length === 1 && since(reacted).discord.length === 1, 'the reaction on Slack and Discord')
    expect(since(reacted).slack[0]).toMatchObject({ method: 'reactions.add', params: { channel: SLACK_CHANNEL, timestamp: copy.slack!.ts } })
    expect(since(reacted).discord[0]).toMatchObject({ op: 'addReaction', externalMessageId: copy.discord!.id, emoji: '👍' })
    expect(since(reacted).telegram).toEqual([])
    // Slack announces the bot's own edit and reaction as events too: they are the bot's, nothing moves.
    const bot = slack.identity.botUserId
    const echoes = [
      await slackEvent(slackMessageChangedEvent({ channel: SLACK_CHANNEL, user: bot, messageTs: copy.slack!.ts, text: 'Ada Lovelace: final from telegram' })),
      await slackEvent(slackReactionEvent({ added: true, user: bot, reaction: '+1', channel: SLACK_CHANNEL, messageTs: copy.slack!.ts })),
    ]
    for (const echo of echoes) {
      expect(echo.response.status).toBe(200)
      expect(echo.outcome?.status).not.toBe('error')
    }
    await expectSettled()
    const stored = (await messaging.getMessageByExternalId('telegram', TG, `${TG_CHAT.id}:${id}`))!
    expect(stored.content).toEqual([{ type: 'text', text: 'final from telegram' }])
    expect(Object.values(stored.reactions).map((ids) => ids.length)).toEqual([1])
  })

  it('a Slack edit, reaction and delete reach the Telegram and Discord copies once, never Slack', async () => {
    const seeded = slack.postAs(SLACK_CHANNEL, 'draft from slack', { user: 'U0HUMAN' })
    expect((await slackEvent(slackMessageEvent({ channel: SLACK_CHANNEL, user: 'U0HUMAN', text: 'draft from slack', ts: seeded.ts }))).response.status).toBe(200)
    const copy = await copies('U0HUMAN: draft from slack', 'slack')
    const before = changeCalls()
    expect((await slackEvent(slackMessageChangedEvent({ channel: SLACK_CHANNEL, user: 'U0HUMAN', messageTs: seeded.ts, text: 'final from slack', previousText: 'draft from slack' }))).response.status).toBe(200)
    await waitFor(() => since(before).telegram.length === 1 && since(before).discord.length === 1, 'the edit on Telegram and Discord')
    expect(since(before).telegram[0]).toMatchObject({ method: 'editMessageText', params: { chat_id: TG_CHAT.id, message_id: copy.telegram!.message_id, text: 'U0HUMAN: final from slack' } })
    expect(since(before).discord[0]).toMatchObject({ op: 'edit', externalMessageId: copy.discord!.id, text: 'U0HUMAN: final from slack' })

    const reacted = changeCalls()
    expect((await slackEvent(slackReactionEvent({ added: true, user: 'U0OTHER', reaction: 'tada', channel: SLACK_CHANNEL, messageTs: seeded.ts }))).response.status).toBe(200)
    await waitFor(() => since(reacted).telegram.length === 1 && since(reacted).discord.length === 1, 'the reaction on Telegram and Discord')
    expect(since(reacted).telegram[0]).toMatchObject({ method: 'setMessageReaction', params: { chat_id: TG_CHAT.id, message_id: copy.telegram!.message_id } })
    expect(since(reacted).discord[0]).toMatchObject({ op: 'addReaction', externalMessageId: copy.discord!.id })

    const deleted = changeCalls()
    expect((await slackEvent(slackMessageDeletedEvent({ channel: SLACK_CHANNEL, user: 'U0HUMAN', deletedTs: seeded.ts }))).response.status).toBe(200)
    await waitFor(() => since(deleted).telegram.length === 1 && since(deleted).discord.length === 1, 'the delete on Telegram and Discord')
    expect(since(deleted).telegram[0]).toMatchObject({ method: 'deleteMessage', params: { chat_id: TG_CHAT.id, message_id: copy.telegram!.message_id } })
    expect(since(deleted).discord[0]).toMatchObject({ op: 'delete', externalMessageId: copy.discord!.id })
    expect(since(before).slack).toEqual([])
    await expectSettled()
    expect(telegram.record(TG_CHAT.id, copy.telegram!.message_id)?.deleted).toBe(true)
  })

  it('a Discord edit, reaction and delete reach the Telegram and Slack copies once, never Discord', async () => {
    const posted = discord.postMessage({ channelId: discordChannel, author: discord.world.grace, content: 'draft from discord' })
    await ingestedBy('discord', DC, posted.id)
    const copy = await copies('Grace Hopper: draft from discord', 'discord')
    const before = changeCalls()
    discord.editMessage(posted.id, 'final from discord')
    await waitFor(() => since(before).telegram.length === 1 && since(before).slack.length === 1, 'the edit on Telegram and Slack')
    expect(since(before).telegram[0]).toMatchObject({ method: 'editMessageText', params: { message_id: copy.telegram!.message_id, text: 'Grace Hopper: final from discord' } })
    expect(since(before).slack[0]).toMatchObject({ method: 'chat.update', params: { ts: copy.slack!.ts, text: 'Grace Hopper: final from discord' } })

    const reacted = changeCalls()
    discord.react(posted.id, '🔥')
    await waitFor(() => since(reacted).telegram.length === 1 && since(reacted).slack.length === 1, 'the reaction on Telegram and Slack')
    expect(since(reacted).telegram[0]).toMatchObject({ method: 'setMessageReaction', params: { message_id: copy.telegram!.message_id } })
    expect(since(reacted).slack[0]).toMatchObject({ method: 'reactions.add', params: { timestamp: copy.slack!.ts } })

    const deleted = changeCalls()
    discord.deleteMessage(posted.id)
    await waitFor(() => since(deleted).telegram.length === 1 && since(deleted).slack.length === 1, 'the delete on Telegram and Slack')
    expect(since(deleted).telegram[0]).toMatchObject({ method: 'deleteMessage', params: { message_id: copy.telegram!.message_id } })
    expect(since(deleted).slack[0]).toMatchObject({ method: 'chat.delete', params: { ts: copy.slack!.ts } })
    expect(since(before).discord).toEqual([])
    await expectSettled()
    expect(await messaging.getMessageByExternalId('discord', DC, posted.id)).toBeNull()
  })

  it('a reaction on a relayed copy reaches the original and the other copy, not the copy it was made on', async () => {
    const update = telegram.userMessage({ chat: TG_CHAT, from: tgUsers.ada, text: 'react to my copy' })
    expect((await telegramWebhook(update)).response.status).toBe(200)
    const copy = await copies('Ada Lovelace: react to my copy', 'telegram')
    // The copy is known as ours once its delivery is recorded (a reaction before that finds no message).
    const original = await ingestedBy('telegram', TG, `${TG_CHAT.id}:${update.message!.message_id}`)
    await waitFor(async () => ((await messaging.getMessage(original.id))!.metadata['externalIds'] as Record<string, unknown> | undefined)?.[DC] !== undefined, 'the Discord copy recorded')
    const before = changeCalls()
    discord.react(copy.discord!.id, '🎉', { userId: discord.world.grace.id })
    await waitFor(() => since(before).telegram.length === 1 && since(before).slack.length === 1, 'the reaction on Telegram and Slack')
    // On Telegram the bot reacts on Ada's own message; on Slack on its copy.
    expect(since(before).telegram[0]).toMatchObject({ method: 'setMessageReaction', params: { chat_id: TG_CHAT.id, message_id: update.message!.message_id } })
    expect(since(before).slack[0]).toMatchObject({ method: 'reactions.add', params: { timestamp: copy.slack!.ts } })
    expect(since(before).discord).toEqual([])
    await expectSettled()
    const stored = (await messaging.getMessageByExternalId('telegram', TG, `${TG_CHAT.id}:${update.message!.message_id}`))!
    expect(Object.keys(stored.reactions)).toEqual(['🎉'])
  })

  it("an agent's edit and reaction reach every bound platform", async () => {
    const agent = await messaging.getOrCreateParticipantByExternalId('agent', 'sync-bot', { type: 'agent', identity: { name: 'Sync bot' } })
    const { message } = await messaging.postMessage({ roomId: room.id, senderId: agent.id, role: 'assistant', content: [{ type: 'text', text: 'agent draft' }] })
    const copy = await copies('agent draft')
    const before = changeCalls()
    await messaging.editMessage(message.id, 'agent final')
    await messaging.addReaction(message.id, agent.id, '✅')
    await waitFor(() => since(before).telegram.length === 2 && since(before).slack.length === 2 && since(before).discord.length === 2, 'the edit and reaction everywhere')
    expect(since(before).telegram.map((c) => c.method)).toEqual(['editMessageText', 'setMessageReaction'])
    expect(since(before).telegram[0]!.params).toMatchObject({ message_id: copy.telegram!.message_id, text: 'agent final' })
    expect(since(before).slack.map((c) => c.method)).toEqual(['chat.update', 'reactions.add'])
    expect(since(before).discord.map((o) => o.op)).toEqual(['edit', 'addReaction'])
    await expectSettled()
    const removed = await messaging.removeMessage(message.id)
    expect(removed.deleted).toBe(true)
    await waitFor(() => since(before).telegram.length === 3 && since(before).slack.length === 3 && since(before).discord.length === 3, 'the delete everywhere')
    expect([since(before).telegram[2]!.method, since(before).slack[2]!.method, since(before).discord[2]!.op]).toEqual(['deleteMessage', 'chat.delete', 'delete'])
    await expectSettled()
  })
})
