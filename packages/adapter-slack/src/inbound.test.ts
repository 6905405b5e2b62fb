import { isMessagingError } from '@jido-messaging/core'
import { slackEventCallback, slackMessageChangedEvent, slackMessageEvent, slackReactionEvent, slackUrlVerification } from '@jido-messaging/testing'
import { describe, expect, it } from 'vitest'
import { parseEnvelope, tsToIso, type InboundContext } from './inbound.js'

function context(identity = { userId: 'U0BOT', botId: 'B0BOT' }): InboundContext & { asked: number } {
  const ctx = {
    asked: 0,
    identity: async () => {
      ctx.asked++
      return identity
    },
  }
  return ctx
}

async function only(payload: unknown, ctx = context()) {
  const { events } = await parseEnvelope(payload, ctx)
  expect(events).toHaveLength(1)
  return events[0]!
}

describe('parseEnvelope', () => {
  it('answers url_verification with the challenge and no events', async () => {
    expect(await parseEnvelope(slackUrlVerification('3eZbrw1aB'), context())).toEqual({ events: [], reply: { status: 200, body: { challenge: '3eZbrw1aB' } } })
  })

  it('rejects bodies that are not Events API objects with a VALIDATION error', async () => {
    for (const body of [null, [], 'text', { type: 'url_verification' }]) {
      const error = await parseEnvelope(body, context()).catch((e: unknown) => e)
      expect(isMessagingError(error, 'VALIDATION'), JSON.stringify(body)).toBe(true)
    }
  })

  it('does not ask auth.test when authorizations name the bot', async () => {
    const ctx = context()
    const event = await only(slackEventCallback(slackMessageEvent({ channel: 'C1', user: 'U0HUMAN', text: 'hi' })), ctx)
    expect(event.isSelf).toBe(false)
    expect(ctx.asked).toBe(0)
  })

  it('recognizes its own legacy bot_message by bot id through auth.test', async () => {
    const ctx = context()
    const own = await only(slackEventCallback(slackMessageEvent({ channel: 'C1', botId: 'B0BOT', text: 'mine' })), ctx)
    const other = await only(slackEventCallback(slackMessageEvent({ channel: 'C1', botId: 'B0ELSE', text: 'theirs' })), ctx)
    expect([own.isSelf, own.isBot, other.isSelf, other.isBot]).toEqual([true, true, false, true])
    expect(ctx.asked).toBe(2)
  })

  it('treats a thread root (thread_ts equal to its ts) as top level', async () => {
    const root = await only(slackEventCallback(slackMessageEvent({ channel: 'C1', user: 'U1', text: 'root', ts: '1714566600.000100', threadTs: '1714566600.000100' })))
    expect(root.externalThreadId).toBeUndefined()
    const edit = await only(slackEventCallback(slackMessageChangedEvent({ channel: 'C1', messageTs: '1714566660.000200', threadTs: '1714566600.000100', user: 'U1', text: 'edited reply' })))
    expect(edit).toMatchObject({ kind: 'edit', externalMessageId: '1714566660.000200', externalThreadId: '1714566600.000100', text: 'edited reply' })
  })

  it('maps a tombstoned thread root to a delete', async () => {
    const event = slackMessageChangedEvent({ channel: 'C1', messageTs: '1714566600.000100', user: 'U1', text: 'This message was deleted.' })
    ;(event.message as Record<string, unknown>).subtype = 'tombstone'
    expect(await only(slackEventCallback(event))).toMatchObject({ kind: 'delete', externalMessageId: '1714566600.000100', text: '' })
  })

  it('ignores events it does not model, and reactions to files', async () => {
    const ignored = [
      slackEventCallback({ type: 'member_joined_channel', user: 'U1', channel: 'C1', event_ts: '1.000001' }),
      slackEventCallback(slackMessageEvent({ channel: 'C1', user: 'U1', text: 'set the topic', subtype: 'channel_topic' })),
      slackEventCallback({ ...slackReactionEvent({ added: true, user: 'U1', reaction: 'tada', channel: 'C1', messageTs: '1.000001' }), item: { type: 'file', file: 'F1' } }),
      { type: 'app_rate_limited', team_id: 'T1', minute_rate_limited: 1518467820 },
    ]
    for (const payload of ignored) expect((await parseEnvelope(payload, context())).events, JSON.stringify(payload)).toEqual([])
  })

  it('names senders from user_profile and bot names', async () => {
    const event = slackMessageEvent({ channel: 'C1', user: 'U1', text: 'hi' })
    event.user_profile = { name: 'ada', display_name: 'Ada L.', real_name: 'Ada Lovelace' }
    expect(await only(slackEventCallback(event))).toMatchObject({ username: 'ada', displayName: 'Ada L.' })
  })

  it('keeps the envelope as raw, without the verification token', async () => {
    const payload = slackEventCallback(slackMessageEvent({ channel: 'C1', user: 'U1', text: 'hi' }))
    const event = await only(payload)
    expect(event.raw).toMatchObject({ type: 'event_callback', event_id: payload.event_id, team_id: 'T0TEAM' })
    expect((event.raw as Record<string, unknown>).token).toBeUndefined()
  })
})

describe('app_mention', () => {
  it('is a message with the same ids as its message event, so core keeps one of the two', async () => {
    const ts = '1714566600.000100'
    const mention = await only(slackEventCallback({ type: 'app_mention', user: 'U1', text: '<@U0BOT> hi', ts, channel: 'C1', event_ts: ts }))
    const message = await only(slackEventCallback(slackMessageEvent({ channel: 'C1', user: 'U1', text: '<@U0BOT> hi', ts })))
    expect(mention).toMatchObject({ kind: 'message', externalRoomId: 'C1', externalUserId: 'U1', externalMessageId: ts, text: '<@U0BOT> hi', chatType: 'group' })
    expect([mention.externalRoomId, mention.externalMessageId]).toEqual([message.externalRoomId, message.externalMessageId])
  })
})

describe('tsToIso', () => {
  it('reads Slack ts as ISO-8601 UTC with milliseconds', () => {
    expect(tsToIso('1714566600.000100')).toBe('2024-05-01T12:30:00.000Z')
    expect(tsToIso('1714566600.123456')).toBe('2024-05-01T12:30:00.123Z')
  })
  it('falls back to now for missing or malformed ts', () => {
    const before = Date.now()
    for (const ts of [undefined, '', 'abc', '-5']) {
      const at = Date.parse(tsToIso(ts))
      expect(at).toBeGreaterThanOrEqual(before)
    }
  })
})
