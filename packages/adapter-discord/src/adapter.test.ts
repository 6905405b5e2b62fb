import type { BridgeContext } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { settingsOf } from './adapter.js'
import { createDiscordAdapter, DEFAULT_INTENTS } from './index.js'

const bridge = (options: Record<string, unknown> = {}, credentials: Record<string, string> = { botToken: 'x' }): BridgeContext => ({ bridgeId: 'b-1', credentials, options })

describe('createDiscordAdapter', () => {
  it('is the discord adapter on the discord channel, gateway by default', () => {
    const adapter = createDiscordAdapter()
    expect([adapter.name, adapter.channel, adapter.defaultIngressMode]).toEqual(['discord', 'discord', 'gateway'])
    expect(adapter.capabilities).toEqual({
      send: 'native', edit: 'native', delete: 'native', reactions: 'native', typing: 'native', threads: 'native', replies: 'native', media: 'fallback',
      uploads: { maxBytes: 10 * 1024 * 1024 }, webhook: true, listener: true, ingressSubscriptions: false, textLimit: 2000, markdown: 'discord',
    })
    expect(adapter.massMentions).toEqual(['@everyone', '@here'])
    expect(adapter.rateLimits?.perConversation).toEqual({ perSecond: 5, burst: 5 })
  })

  it('rejects invalid config', () => {
    for (const config of [{ restTimeoutMs: 0 }, { readyTimeoutMs: -1 }, { commandReply: 'later' as never }]) {
      expect(() => createDiscordAdapter(config), JSON.stringify(config)).toThrow(expect.objectContaining({ code: 'VALIDATION' }))
    }
  })

  it('refuses payloads that are neither interactions nor dispatches', async () => {
    await expect(createDiscordAdapter().transformPayload!(bridge(), { hello: 'world' })).rejects.toMatchObject({ code: 'VALIDATION' })
  })
})

describe('bridge settings', () => {
  it('defaults to the real API, the message intents and no pings', () => {
    expect(settingsOf(bridge())).toMatchObject({ apiUrl: 'https://discord.com/api', intents: DEFAULT_INTENTS, allowedMentions: [] })
  })

  it('reads intents as a bitfield or as names, and a trailing slash off apiUrl', () => {
    expect(settingsOf(bridge({ intents: 513 })).intents).toBe(513)
    expect(settingsOf(bridge({ intents: ['Guilds', 'GuildMessages'] })).intents).toBe(513)
    expect(settingsOf(bridge({ apiUrl: 'http://127.0.0.1:1/api/' })).apiUrl).toBe('http://127.0.0.1:1/api')
  })

  it('finds the bot user id in the option, the token or the application id', () => {
    const id = '1200000000000000001'
    const token = `${Buffer.from(id).toString('base64').replace(/=+$/, '')}.x.y`
    expect(settingsOf(bridge({ botUserId: '7' })).botUserId).toBe('7')
    expect(settingsOf(bridge({}, { botToken: token })).botUserId).toBe(id)
    expect(settingsOf(bridge({}, { botToken: 'opaque', applicationId: '99' })).botUserId).toBe('99')
  })

  it('rejects bad options with a validation error naming the bridge', () => {
    for (const options of [{ intents: ['NoSuchIntent'] }, { intents: -1 }, { apiUrl: 'discord.com' }, { allowedMentions: ['all'] }]) {
      expect(() => settingsOf(bridge(options)), JSON.stringify(options)).toThrow(/bridge b-1/)
    }
  })
})
