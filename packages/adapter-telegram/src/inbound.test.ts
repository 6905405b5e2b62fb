import type { BridgeContext, WebhookRequest } from '@jido-messaging/core'
import { expectInboundShape, tgChats, tgUpdates, tgUsers } from '@jido-messaging/testing'
import { describe, expect, it } from 'vitest'
import { parseUpdate, SECRET_HEADER, updatesOf, verifySecretToken } from './inbound.js'
import type { TgUpdate } from './types.js'

const bridge = (credentials: Record<string, string>, options: Record<string, unknown> = {}): BridgeContext => ({ bridgeId: 'tg', credentials, options })
const request = (headers: Record<string, string> = {}): WebhookRequest => ({ method: 'POST', path: '/webhooks/tg', headers, rawBody: '{}' })
const BOT = String(tgUsers.bot.id)

describe('verifySecretToken', () => {
  it('accepts exactly the configured secret token', () => {
    const b = bridge({ botToken: 't', webhookSecret: 's3cret' })
    expect(verifySecretToken(b, request({ [SECRET_HEADER]: 's3cret' }))).toBe(true)
    expect(verifySecretToken(b, request({ [SECRET_HEADER]: 's3cre' }))).toBe(false)
    expect(verifySecretToken(b, request())).toBe(false)
  })

  it('rejects every webhook of a bridge without a secret unless allowUnsignedWebhooks is true', () => {
    expect(verifySecretToken(bridge({ botToken: 't' }), request())).toBe(false)
    expect(verifySecretToken(bridge({ botToken: 't' }), request({ [SECRET_HEADER]: 'anything' }))).toBe(false)
    expect(verifySecretToken(bridge({ botToken: 't' }, { allowUnsignedWebhooks: 'true' }), request())).toBe(false)
    expect(verifySecretToken(bridge({ botToken: 't' }, { allowUnsignedWebhooks: true }), request())).toBe(true)
  })

  it('still demands the secret when one is configured, whatever allowUnsignedWebhooks says', () => {
    expect(verifySecretToken(bridge({ webhookSecret: 's' }, { allowUnsignedWebhooks: true }), request())).toBe(false)
  })
})

describe('updatesOf', () => {
  it('takes one update or an array of them and refuses anything without update_id', () => {
    expect(updatesOf(tgUpdates.privateText)).toHaveLength(1)
    expect(updatesOf([tgUpdates.privateText, tgUpdates.groupText])).toHaveLength(2)
    for (const bad of [null, 'x', {}, { update_id: '1' }, [tgUpdates.privateText, {}]]) {
      expect(() => updatesOf(bad), JSON.stringify(bad)).toThrow(/update_id/)
    }
  })
})

describe('parseUpdate', () => {
  it('does not flag anyone isSelf while the bot id is unknown', () => {
    const [event] = parseUpdate(tgUpdates.ownMessage as TgUpdate, undefined)
    expect(event).toMatchObject({ isSelf: false, isBot: true })
  })

  it('keeps the message ids of two chats apart even when Telegram numbers them the same', () => {
    const a = parseUpdate({ update_id: 1, message: { message_id: 7, from: tgUsers.ada, chat: tgChats.team, date: 1, text: 'a' } }, BOT)
    const b = parseUpdate({ update_id: 2, message: { message_id: 7, from: tgUsers.ada, chat: tgChats.lounge, date: 1, text: 'b' } }, BOT)
    expect(a[0]!.externalMessageId).toBe('-4001:7')
    expect(b[0]!.externalMessageId).toBe('-1009876543210:7')
  })

  it('maps video, voice, audio and stickers', () => {
    const update: TgUpdate = {
      update_id: 9,
      message: {
        message_id: 30, from: tgUsers.ada, chat: tgChats.team, date: 1,
        video: { file_id: 'vid', mime_type: 'video/mp4', file_size: 900, duration: 12, width: 640, height: 360 },
        voice: { file_id: 'voc', mime_type: 'audio/ogg', duration: 3 },
        sticker: { file_id: 'stk', width: 512, height: 512, emoji: '😀' },
      },
    }
    const [event] = parseUpdate(update, BOT)
    expectInboundShape(event!, 'media')
    expect(event!.media).toEqual([
      { type: 'video', url: 'tg-file:vid', mediaType: 'video/mp4', size: 900, duration: 12 },
      { type: 'audio', url: 'tg-file:voc', mediaType: 'audio/ogg', duration: 3 },
      { type: 'image', url: 'tg-file:stk', width: 512, height: 512, altText: '😀' },
    ])
  })

  it('attributes an anonymous reaction to the chat that reacted, and names custom emoji', () => {
    const events = parseUpdate({
      update_id: 10,
      message_reaction: {
        chat: tgChats.lounge, message_id: 77, actor_chat: tgChats.lounge, date: 1,
        old_reaction: [], new_reaction: [{ type: 'custom_emoji', custom_emoji_id: '5368' }, { type: 'emoji', emoji: '❤' }],
      },
    }, BOT)
    expect(events.map((e) => [e.externalUserId, e.reaction])).toEqual([
      ['-1009876543210', { emoji: 'custom:5368', added: true }],
      ['-1009876543210', { emoji: '❤', added: true }],
    ])
    expect(new Set(events.map((e) => e.eventId)).size).toBe(2)
  })

  it('gives a reaction update that changes nothing no event', () => {
    const same = [{ type: 'emoji' as const, emoji: '👍' }]
    expect(parseUpdate({ update_id: 11, message_reaction: { chat: tgChats.team, message_id: 21, user: tgUsers.ada, date: 1, old_reaction: same, new_reaction: same } }, BOT)).toEqual([])
  })

  it('dates an edit by edit_date and a message by date', () => {
    const [edit] = parseUpdate(tgUpdates.edited as TgUpdate, BOT)
    const [message] = parseUpdate(tgUpdates.privateText as TgUpdate, BOT)
    expect(Date.parse(edit!.timestamp) - Date.parse(message!.timestamp)).toBe(300_000)
  })
})
