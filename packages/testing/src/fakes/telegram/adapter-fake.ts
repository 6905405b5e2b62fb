import type { WebhookRequest } from '@jido-messaging/core'
import type { AdapterFake, ExpectedInbound, FakeOperation, RecordedPayload } from '../../adapter-conformance/types.js'
import { OPS_TOPIC_ID, OPS_TOPIC_MESSAGE_ID, T0, TELEGRAM_BOT_TOKEN, tgChats, tgUpdates, tgUsers } from './fixtures.js'
import { startTelegramFake, type TelegramCall, type TelegramFake } from './server.js'
import type { TgMessage } from './types.js'

// The AdapterFake of adapter-telegram: the Bot API fake for outbound calls, and webhook requests
// carrying X-Telegram-Bot-Api-Secret-Token for inbound. Message ids are "<chat.id>:<message_id>"
// because Telegram numbers messages per chat.

export const TELEGRAM_WEBHOOK_SECRET = 'conformance_secret-token-1'
const SECRET_HEADER = 'x-telegram-bot-api-secret-token'
const iso = (seconds: number): string => new Date(seconds * 1000).toISOString()

const none = { externalThreadId: undefined, externalReplyToId: undefined }
const ada = { externalUserId: '501', username: 'ada', displayName: 'Ada Lovelace', isSelf: false, isBot: false }
const grace = { externalUserId: '502', username: undefined, displayName: 'Grace', isSelf: false, isBot: false }
const team = { externalRoomId: '-4001', chatType: 'group', chatTitle: 'Team' } as const
const ops = { externalRoomId: String(tgChats.ops.id), chatType: 'group', chatTitle: 'Ops' } as const
const news = { externalRoomId: '-1005550001', chatType: 'channel', chatTitle: 'News' } as const

function payload(name: string, update: object, expected: ExpectedInbound[]): RecordedPayload {
  return { name, payload: update, expected: expected.map((e) => ({ raw: update, ...e })) }
}

const recordedPayloads: RecordedPayload[] = [
  payload('a private text message', tgUpdates.privateText, [{
    kind: 'message', externalRoomId: '501', externalMessageId: '501:11', text: 'hello bot', media: [], chatType: 'direct', chatTitle: 'Ada Lovelace',
    ...ada, ...none, timestamp: iso(T0),
  }]),
  payload('a group message from a user without last name or username', tgUpdates.groupText, [{
    kind: 'message', ...team, externalMessageId: '-4001:21', text: 'morning all', media: [], ...grace, ...none, timestamp: iso(T0 + 60),
  }]),
  payload('a reply inside a forum topic', tgUpdates.topicReply, [{
    kind: 'message', ...ops, externalMessageId: `${tgChats.ops.id}:105`, text: 'on it', ...ada,
    externalThreadId: String(OPS_TOPIC_ID), externalReplyToId: `${tgChats.ops.id}:${OPS_TOPIC_MESSAGE_ID}`,
  }]),
  payload('a forum topic message (its reply_to_message is the topic root, not a reply)', tgUpdates.topicMessage, [{
    kind: 'message', ...ops, externalMessageId: `${tgChats.ops.id}:106`, text: 'status?', ...ada, externalThreadId: String(OPS_TOPIC_ID), externalReplyToId: undefined,
  }]),
  payload('a reply in a supergroup without topics (message_thread_id without is_topic_message is no thread)', tgUpdates.supergroupReply, [{
    kind: 'message', externalRoomId: '-1009876543210', chatType: 'group', chatTitle: 'Lounge', externalMessageId: '-1009876543210:78', text: 'agreed', ...grace,
    externalThreadId: undefined, externalReplyToId: '-1009876543210:77',
  }]),
  payload('a channel post', tgUpdates.channelPost, [{
    kind: 'message', ...news, externalUserId: '-1005550001', externalMessageId: '-1005550001:5', text: 'release 1.2 is out', username: 'news_channel', displayName: 'News',
    isSelf: false, isBot: false, ...none,
  }]),
  payload('an edited message', tgUpdates.edited, [{
    kind: 'edit', externalRoomId: '501', chatType: 'direct', externalMessageId: '501:11', text: 'hello bot!', ...ada, timestamp: iso(T0 + 300), eventId: 'update:1007',
  }]),
  payload('an edited channel post', tgUpdates.editedChannelPost, [{
    kind: 'edit', ...news, externalUserId: '-1005550001', externalMessageId: '-1005550001:5', text: 'release 1.2.1 is out', isSelf: false, timestamp: iso(T0 + 120),
  }]),
  payload('a reaction added', tgUpdates.reactionAdded, [{
    kind: 'reaction', ...team, externalMessageId: '-4001:21', text: '', media: [], ...ada, reaction: { emoji: '👍', added: true }, timestamp: iso(T0 + 90),
  }]),
  payload('a reaction changed (one removed, one added)', tgUpdates.reactionChanged, [
    { kind: 'reaction', ...team, externalMessageId: '-4001:21', text: '', ...ada, reaction: { emoji: '👍', added: false } },
    { kind: 'reaction', ...team, externalMessageId: '-4001:21', text: '', ...ada, reaction: { emoji: '🔥', added: true } },
  ]),
  payload('a photo with a caption (the largest size)', tgUpdates.photo, [{
    kind: 'message', ...team, externalMessageId: '-4001:22', text: 'the whiteboard', ...ada,
    media: [{ type: 'image', url: 'tg-file:AgAC-large', width: 1280, height: 960, size: 154321 }],
  }]),
  payload('a document', tgUpdates.document, [{
    kind: 'message', ...team, externalMessageId: '-4001:23', text: '', ...ada,
    media: [{ type: 'file', url: 'tg-file:BQAC-report', filename: 'report.pdf', mediaType: 'application/pdf', size: 48213 }],
  }]),
  payload("the bot's own message", tgUpdates.ownMessage, [{
    kind: 'message', ...team, externalUserId: String(tgUsers.bot.id), externalMessageId: '-4001:24', text: 'I am the bot', isSelf: true, isBot: true,
  }]),
  payload('a message from another bot', tgUpdates.otherBot, [{
    kind: 'message', ...team, externalUserId: String(tgUsers.helperBot.id), externalMessageId: '-4001:25', text: 'beep', username: 'helper_bot', displayName: 'Helper',
    isSelf: false, isBot: true,
  }]),
  payload('an anonymous group admin (sent as the group)', tgUpdates.anonymousAdmin, [{
    kind: 'message', externalRoomId: '-1009876543210', chatType: 'group', externalUserId: '-1009876543210', externalMessageId: '-1009876543210:79',
    text: 'pinned the rules', displayName: 'Lounge', isSelf: false, isBot: false,
  }]),
  payload('an update it does not ingest (the bot joined a chat)', tgUpdates.memberChange, []),
]

export interface TelegramAdapterFake extends AdapterFake {
  /** The Bot API fake of the current session (after `start()`). */
  telegram(): TelegramFake
}

/** The fake platform adapter-telegram runs the conformance suite against. */
export function telegramAdapterFake(options: { bridgeId?: string; secret?: string } = {}): TelegramAdapterFake {
  const secret = options.secret ?? TELEGRAM_WEBHOOK_SECRET
  const bridgeId = options.bridgeId ?? 'telegram-conformance'
  let fake: TelegramFake | undefined

  function current(): TelegramFake {
    if (!fake) throw new Error('[testing] telegram fake: start() first')
    return fake
  }
  function request(update: unknown, headers: Record<string, string>): WebhookRequest {
    const rawBody = JSON.stringify(update)
    return { method: 'POST', path: `/webhooks/${bridgeId}`, headers: { 'content-type': 'application/json', ...headers }, rawBody, body: JSON.parse(rawBody) as unknown }
  }

  return {
    recordedPayloads,
    telegram: current,
    async start() {
      fake = await startTelegramFake({ token: TELEGRAM_BOT_TOKEN })
      for (const chat of Object.values(tgChats)) fake.addChat(chat)
      fake.createTopic(tgChats.ops.id, 'Incidents', OPS_TOPIC_ID)
      fake.state.post({ chat: tgChats.ops, from: tgUsers.grace, text: 'disk full on db-2', threadId: OPS_TOPIC_ID, messageId: OPS_TOPIC_MESSAGE_ID })
      return {
        bridge: { bridgeId, credentials: { botToken: TELEGRAM_BOT_TOKEN, webhookSecret: secret }, options: { apiRoot: fake.apiRoot } },
        target: {
          externalRoomId: String(tgChats.ops.id),
          externalThreadId: String(OPS_TOPIC_ID),
          externalReplyToId: `${tgChats.ops.id}:${OPS_TOPIC_MESSAGE_ID}`,
        },
      }
    },
    async stop() {
      await fake?.close()
    },
    signedRequest: (update) => request(update, { [SECRET_HEADER]: secret }),
    badlySignedRequests(update) {
      return [
        { name: 'another secret', request: request(update, { [SECRET_HEADER]: 'not-the-secret' }) },
        { name: 'no secret header', request: request(update, {}) },
        { name: 'an empty secret header', request: request(update, { [SECRET_HEADER]: '' }) },
        { name: 'the secret with a suffix', request: request(update, { [SECRET_HEADER]: `${secret}x` }) },
        { name: 'a prefix of the secret', request: request(update, { [SECRET_HEADER]: secret.slice(0, -1) }) },
        { name: 'the secret in another case', request: request(update, { [SECRET_HEADER]: secret.toUpperCase() }) },
        { name: 'the header sent twice', request: request(update, { [SECRET_HEADER]: `${secret}, ${secret}` }) },
      ]
    },
    operations() {
      return current().calls.filter((c) => c.ok).flatMap(toOperations)
    },
    failNext(count, failure) {
      current().failNext(count, { status: failure.status, ...(failure.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: failure.retryAfterSeconds }) })
    },
  }
}

/** A successful Bot API call in the canonical vocabulary of the conformance suite. */
export function toOperations(call: TelegramCall): FakeOperation[] {
  const p = call.params
  const room = String(p.chat_id)
  const id = (messageId: unknown) => `${room}:${String(messageId)}`
  switch (call.method) {
    case 'sendMessage':
    case 'sendPhoto':
    case 'sendDocument': {
      const m = call.result as TgMessage
      const chat = String(m.chat.id)
      const reply = m.reply_to_message
      // In a forum every topic message "replies" to the topic root; that is placement, not a reply.
      const isReply = reply !== undefined && !(m.is_topic_message && reply.message_id === m.message_thread_id)
      return [{
        op: 'send',
        externalRoomId: chat,
        externalMessageId: `${chat}:${m.message_id}`,
        text: m.text ?? m.caption ?? '',
        ...(m.is_topic_message ? { externalThreadId: String(m.message_thread_id) } : {}),
        ...(isReply ? { externalReplyToId: `${chat}:${reply.message_id}` } : {}),
      }]
    }
    case 'editMessageText':
    case 'editMessageCaption':
      return [{ op: 'edit', externalRoomId: room, externalMessageId: id(p.message_id), text: String(p.text ?? p.caption ?? '') }]
    case 'deleteMessage':
      return [{ op: 'delete', externalRoomId: room, externalMessageId: id(p.message_id) }]
    case 'setMessageReaction': {
      const target = { externalRoomId: room, externalMessageId: id(p.message_id) }
      return [
        ...(call.effects?.reactionsRemoved ?? []).map((emoji): FakeOperation => ({ op: 'removeReaction', ...target, emoji })),
        ...(call.effects?.reactionsAdded ?? []).map((emoji): FakeOperation => ({ op: 'addReaction', ...target, emoji })),
      ]
    }
    case 'sendChatAction':
      return [{ op: 'startTyping', externalRoomId: room, ...(p.message_thread_id === undefined ? {} : { externalThreadId: String(p.message_thread_id) }) }]
    default:
      return []
  }
}
