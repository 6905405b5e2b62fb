import type { BridgeContext, OutboundMessage, PlatformAdapter } from '@jido-messaging/core'
import { expectAdapterError, TELEGRAM_OPS_TOPIC_ID, startTelegramFake, TELEGRAM_BOT_TOKEN, tgChats, tgUsers, type TelegramFake } from '@jido-messaging/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTelegramAdapter } from './index.js'

let fake: TelegramFake
let adapter: PlatformAdapter
let bridge: BridgeContext
let n = 0
const ops = String(tgChats.ops.id)
const team = String(tgChats.team.id)

beforeEach(async () => {
  fake = await startTelegramFake({ token: TELEGRAM_BOT_TOKEN })
  for (const chat of Object.values(tgChats)) fake.addChat(chat)
  fake.createTopic(tgChats.ops.id, 'Incidents', TELEGRAM_OPS_TOPIC_ID)
  adapter = createTelegramAdapter({ requestTimeoutMs: 30_000 })
  bridge = { bridgeId: 'tg', credentials: { botToken: TELEGRAM_BOT_TOKEN, webhookSecret: 's' }, options: { apiRoot: fake.apiRoot } }
})
afterEach(() => fake.close())

const message = (extra: Partial<OutboundMessage> & { externalRoomId: string }): OutboundMessage => ({ deliveryId: `dlv_${++n}`, text: '', ...extra })
const send = (m: OutboundMessage) => adapter.send!(bridge, m)

describe('send', () => {
  it('sends plain text (no parse_mode) into a topic as a reply and returns "<chat>:<message>"', async () => {
    const asked = fake.state.post({ chat: tgChats.ops, from: tgUsers.ada, text: 'help?', threadId: TELEGRAM_OPS_TOPIC_ID })
    const result = await send(message({ externalRoomId: ops, text: 'a *b* <i>c</i>', externalThreadId: String(TELEGRAM_OPS_TOPIC_ID), externalReplyToId: `${ops}:${asked.message_id}` }))
    const [call] = fake.callsTo('sendMessage')
    expect(call!.params).toEqual({ chat_id: tgChats.ops.id, text: 'a *b* <i>c</i>', message_thread_id: TELEGRAM_OPS_TOPIC_ID, reply_parameters: { message_id: asked.message_id, allow_sending_without_reply: true } })
    const sent = fake.messages(tgChats.ops.id).at(-1)!
    expect(result.externalMessageId).toBe(`${ops}:${sent.message_id}`)
    expect(sent).toMatchObject({ text: 'a *b* <i>c</i>', message_thread_id: TELEGRAM_OPS_TOPIC_ID, is_topic_message: true, reply_to_message: { message_id: asked.message_id } })
  })

  it('still delivers a reply whose target was deleted meanwhile', async () => {
    const gone = fake.state.post({ chat: tgChats.team, from: tgUsers.ada, text: 'oops' })
    fake.state.find(tgChats.team.id, gone.message_id)!.deleted = true
    await send(message({ externalRoomId: team, text: 'answer', externalReplyToId: `${team}:${gone.message_id}` }))
    expect(fake.messages(tgChats.team.id).at(-1)).toMatchObject({ text: 'answer' })
    expect(fake.messages(tgChats.team.id).at(-1)!.reply_to_message).toBeUndefined()
  })

  it('drops a reply target in another chat and a thread id that is no topic id', async () => {
    await send(message({ externalRoomId: team, text: 'hi', externalReplyToId: `${ops}:5`, externalThreadId: 'slack-thread-1' }))
    expect(fake.callsTo('sendMessage')[0]!.params).toEqual({ chat_id: tgChats.team.id, text: 'hi' })
  })

  it('sends an image by Telegram file id with the text as caption', async () => {
    const result = await send(message({ externalRoomId: team, text: 'look', media: [{ type: 'image', url: 'tg-file:AgAC-known' }] }))
    const [call] = fake.callsTo('sendPhoto')
    expect(call!.params).toMatchObject({ chat_id: tgChats.team.id, photo: 'AgAC-known', caption: 'look' })
    expect(fake.callsTo('sendMessage')).toEqual([])
    expect(result.externalMessageId).toBe(`${team}:${(call!.result as { message_id: number }).message_id}`)
  })

  it('uploads inline file data as multipart, reply included', async () => {
    const asked = fake.state.post({ chat: tgChats.team, from: tgUsers.ada, text: 'send the report' })
    const data = Buffer.from('%PDF-1.4 fake report').toString('base64')
    await send(message({
      externalRoomId: team, text: 'here', externalReplyToId: `${team}:${asked.message_id}`,
      media: [{ type: 'file', data, filename: 'report.pdf', mediaType: 'application/pdf' }],
    }))
    const [call] = fake.callsTo('sendDocument')
    expect(call!.files.document).toMatchObject({ filename: 'report.pdf', size: 20 })
    expect(fake.messages(tgChats.team.id).at(-1)).toMatchObject({ caption: 'here', document: { file_name: 'report.pdf' }, reply_to_message: { message_id: asked.message_id } })
  })

  it('sends text too long for a caption first, then the media, and resumes a half-sent delivery without repeating', async () => {
    const text = 'x'.repeat(1500)
    const m = message({ externalRoomId: team, text, media: [{ type: 'image', url: 'https://example.com/a.png' }, { type: 'file', url: 'tg-file:BQAC-1' }] })
    fake.failNext(1, { status: 502, method: 'sendDocument' })
    await expectAdapterError(send(m), { retryable: true, status: 502 })
    const result = await send(m)
    expect(fake.callsTo('sendMessage')).toHaveLength(1)
    expect(fake.callsTo('sendPhoto')).toHaveLength(1)
    expect(fake.callsTo('sendDocument')).toHaveLength(1)
    expect(fake.callsTo('sendPhoto')[0]!.params).not.toHaveProperty('caption')
    const first = fake.callsTo('sendMessage')[0]!.result as { message_id: number }
    expect(result.externalMessageId).toBe(`${team}:${first.message_id}`)
  })

  it('fails terminally on an empty message, an unknown chat, a blocked bot and a bad token', async () => {
    await expectAdapterError(send(message({ externalRoomId: team, text: '  ' })), { retryable: false })
    await expectAdapterError(send(message({ externalRoomId: '-999', text: 'hi' })), { retryable: false, status: 400 })
    fake.failNext(1, { status: 403 })
    await expectAdapterError(send(message({ externalRoomId: team, text: 'hi' })), { retryable: false, status: 403 })
    const wrongToken = { ...bridge, credentials: { botToken: '7000000001:wrong' } }
    await expectAdapterError(adapter.send!(wrongToken, message({ externalRoomId: team, text: 'hi' })), { retryable: false, status: 401 })
    await expectAdapterError(adapter.send!({ ...bridge, credentials: {} }, message({ externalRoomId: team, text: 'hi' })), { retryable: false })
  })

  it('turns a 429 into retryAfterMs and never puts the token in an error message', async () => {
    fake.failNext(1, { status: 429, retryAfterSeconds: 3 })
    const error = await expectAdapterError(send(message({ externalRoomId: team, text: 'hi' })), { retryable: true, retryAfterMs: 3000, status: 429 })
    await fake.close()
    const network = await send(message({ externalRoomId: team, text: 'hi' })).catch((e: Error) => e)
    for (const e of [error, network as Error]) expect(e.message).not.toContain(TELEGRAM_BOT_TOKEN.split(':')[1])
  })
})

describe('edit, delete, reactions, typing', () => {
  async function sent(text: string, extra: Partial<OutboundMessage> = {}) {
    return (await send(message({ externalRoomId: team, text, ...extra }))).externalMessageId
  }

  it('edits text, edits a caption when the message is media, and treats an unchanged edit as done', async () => {
    const id = await sent('v1')
    await adapter.edit!(bridge, { externalRoomId: team, externalMessageId: id, text: 'v2' })
    await adapter.edit!(bridge, { externalRoomId: team, externalMessageId: id, text: 'v2' })
    const photo = await sent('caption v1', { media: [{ type: 'image', url: 'tg-file:AgAC-9' }] })
    await adapter.edit!(bridge, { externalRoomId: team, externalMessageId: photo, text: 'caption v2' })
    const texts = fake.messages(tgChats.team.id).map((m) => m.text ?? m.caption)
    expect(texts).toEqual(['v2', 'caption v2'])
  })

  it('refuses to edit what is not a Telegram message id, and edits nothing', async () => {
    await expectAdapterError(adapter.edit!(bridge, { externalRoomId: team, externalMessageId: 'msg_123', text: 'x' }), { retryable: false })
    expect(fake.calls).toEqual([])
  })

  it('deletes idempotently', async () => {
    const id = await sent('doomed')
    await adapter.delete!(bridge, { externalRoomId: team, externalMessageId: id })
    await adapter.delete!(bridge, { externalRoomId: team, externalMessageId: id })
    expect(fake.messages(tgChats.team.id)).toEqual([])
    expect(fake.callsTo('deleteMessage')).toHaveLength(1)
  })

  it('sets, replaces and clears the bot reaction, custom emoji included', async () => {
    const id = await sent('react')
    const messageId = Number(id.split(':')[1])
    await adapter.addReaction!(bridge, { externalRoomId: team, externalMessageId: id, emoji: '👍' })
    expect(fake.record(tgChats.team.id, messageId)!.botReactions).toEqual(['👍'])
    await adapter.addReaction!(bridge, { externalRoomId: team, externalMessageId: id, emoji: 'custom:5368' })
    expect(fake.record(tgChats.team.id, messageId)!.botReactions).toEqual(['custom:5368'])
    await adapter.removeReaction!(bridge, { externalRoomId: team, externalMessageId: id, emoji: 'custom:5368' })
    expect(fake.record(tgChats.team.id, messageId)!.botReactions).toEqual([])
  })

  it('types into a topic', async () => {
    await adapter.startTyping!(bridge, { externalRoomId: ops, externalThreadId: String(TELEGRAM_OPS_TOPIC_ID) })
    expect(fake.callsTo('sendChatAction')[0]!.params).toEqual({ chat_id: tgChats.ops.id, action: 'typing', message_thread_id: TELEGRAM_OPS_TOPIC_ID })
  })
})
