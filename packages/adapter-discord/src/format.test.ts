import { describe, expect, it } from 'vitest'
import { botUserIdFromToken, commandText, emojiForRoute, emojiFromGateway, isoTime, nonceFor, snowflakeTime } from './format.js'

describe('format', () => {
  it('reads the bot user id out of a bot token, and nothing out of other strings', () => {
    const id = '1200000000000000001'
    expect(botUserIdFromToken(`${Buffer.from(id).toString('base64').replace(/=+$/, '')}.GabcDE.xyz`)).toBe(id)
    expect(botUserIdFromToken('not-a-token')).toBeUndefined()
    expect(botUserIdFromToken(undefined)).toBeUndefined()
  })

  it('dates snowflakes and Discord timestamps', () => {
    // 175928847299117063 is the example snowflake of the Discord docs: 2016-04-30T11:18:25.796Z
    expect(snowflakeTime('175928847299117063')).toBe('2016-04-30T11:18:25.796Z')
    expect(snowflakeTime('abc')).toBeUndefined()
    expect(isoTime('2024-05-01T12:30:00.123456+00:00')).toBe('2024-05-01T12:30:00.123Z')
    expect(isoTime(null)).toBeUndefined()
  })

  it('writes reactions as Discord markup and encodes them for the route', () => {
    expect(emojiFromGateway({ id: null, name: '👍' })).toBe('👍')
    expect(emojiFromGateway({ id: '123456789012345678', name: 'party', animated: true })).toBe('<a:party:123456789012345678>')
    expect(emojiForRoute('👍')).toBe('%F0%9F%91%8D')
    expect(emojiForRoute('<:party:123456789012345678>')).toBe('party%3A123456789012345678')
  })

  it('renders slash commands with sub-commands and options', () => {
    expect(commandText('help', undefined)).toBe('/help')
    expect(commandText('admin', [{ name: 'user', type: 2, options: [{ name: 'ban', type: 1, options: [{ name: 'who', type: 6, value: '42' }, { name: 'days', type: 4, value: 7 }] }] }]))
      .toBe('/admin user ban who:42 days:7')
  })

  it('derives a short stable nonce from a delivery id', () => {
    expect(nonceFor('dlv_1')).toBe(nonceFor('dlv_1'))
    expect(nonceFor('dlv_1')).not.toBe(nonceFor('dlv_2'))
    expect(nonceFor('dlv_'.repeat(40))).toHaveLength(25)
  })
})
