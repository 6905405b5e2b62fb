import { describe, expect, it } from 'vitest'
import { botIdFromToken, chatIdParam, messageKey, parseMessageKey, positiveInt, reactionKey, reactionType } from './format.js'

describe('external message ids', () => {
  it('round-trips "<chat.id>:<message_id>" with negative supergroup and channel ids', () => {
    for (const [chat, id] of [['501', 11], ['-4001', 21], ['-1001234567890', 105]] as const) {
      expect(parseMessageKey(messageKey(chat, id))).toEqual({ chatId: chat, messageId: id })
    }
  })

  it('reads a bare message id in the fallback chat', () => {
    expect(parseMessageKey('42', '-4001')).toEqual({ chatId: '-4001', messageId: 42 })
    expect(parseMessageKey('42')).toBeUndefined()
  })

  it('refuses ids that are not Telegram message ids', () => {
    for (const bad of ['', 'abc', '-4001:', '-4001:x', ':5', 'room:5', '-4001:0', '-4001:-3', '-4001:1.5']) {
      expect(parseMessageKey(bad, '-4001'), bad).toBeUndefined()
    }
  })

  it('sends numeric chat ids as numbers and @usernames as they are', () => {
    expect(chatIdParam('-1001234567890')).toBe(-1001234567890)
    expect(chatIdParam('@news_channel')).toBe('@news_channel')
  })

  it('takes only positive integers as topic ids', () => {
    expect(positiveInt('42')).toBe(42)
    expect(positiveInt('thread-3')).toBeUndefined()
    expect(positiveInt('0')).toBeUndefined()
    expect(positiveInt(undefined)).toBeUndefined()
  })
})

describe('reactions and tokens', () => {
  it('names emoji, custom emoji and paid reactions as one string and back', () => {
    expect(reactionKey({ type: 'emoji', emoji: '👍' })).toBe('👍')
    expect(reactionKey({ type: 'custom_emoji', custom_emoji_id: '5368' })).toBe('custom:5368')
    expect(reactionKey({ type: 'paid' })).toBe('paid')
    expect(reactionType('custom:5368')).toEqual({ type: 'custom_emoji', custom_emoji_id: '5368' })
    expect(reactionType('🔥')).toEqual({ type: 'emoji', emoji: '🔥' })
  })

  it('reads the bot id from the token prefix', () => {
    expect(botIdFromToken('7000000001:AAFake')).toBe('7000000001')
    expect(botIdFromToken('not-a-token')).toBeUndefined()
    expect(botIdFromToken(undefined)).toBeUndefined()
  })
})
