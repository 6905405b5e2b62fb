import { isMessagingError, type BridgeContext, type ValidationError } from '@jido-messaging/core'
import { signedWebhookRequest } from '@jido-messaging/testing'
import { describe, expect, it } from 'vitest'
import { createWebhookAdapter } from './index.js'

const nowMs = Date.UTC(2024, 4, 1, 12, 0, 0)
const adapter = createWebhookAdapter({ now: () => nowMs })
const bridge: BridgeContext = { bridgeId: 'b-1', credentials: { secret: 's3cret' }, options: { outboundUrl: 'http://127.0.0.1:1/' } }
const base = { id: 'm-1', room: 'r-1', user: 'u-1', text: 'hi' }

function transform(payload: unknown) {
  return adapter.transformPayload!(bridge, payload)
}

function validationIssues(payload: unknown): string[] {
  try {
    transform(payload)
  } catch (error) {
    expect(isMessagingError(error, 'VALIDATION'), String(error)).toBe(true)
    expect((error as Error).message).toMatch(/^\[adapter-webhook\] invalid inbound body/)
    return (error as ValidationError).issues.map((issue) => issue.path)
  }
  return expect.unreachable(`accepted ${JSON.stringify(payload)}`)
}

describe('inbound mapping', () => {
  it('defaults chatType to group, isSelf to false, media to [] and the timestamp to now', async () => {
    expect(await transform(base)).toEqual([
      {
        kind: 'message',
        externalMessageId: 'm-1',
        externalRoomId: 'r-1',
        externalUserId: 'u-1',
        text: 'hi',
        media: [],
        chatType: 'group',
        isSelf: false,
        timestamp: '2024-05-01T12:00:00.000Z',
        raw: base,
      },
    ])
  })

  it('accepts unix seconds (fractions too) and ISO strings with offsets, normalized to UTC', async () => {
    const [a] = await transform({ ...base, timestamp: 1714564800.25 })
    expect(a?.timestamp).toBe('2024-05-01T12:00:00.250Z')
    const [b] = await transform({ ...base, timestamp: '2024-05-01T14:00:00+02:00' })
    expect(b?.timestamp).toBe('2024-05-01T12:00:00.000Z')
  })

  it('treats null optional fields as absent and ignores unknown fields', async () => {
    const [event] = await transform({ ...base, thread: null, replyTo: null, chatType: null, self: null, extra: { x: 1 } })
    expect(event).toMatchObject({ chatType: 'group', isSelf: false })
    expect(event?.externalThreadId).toBeUndefined()
    expect(event?.externalReplyToId).toBeUndefined()
  })

  it('maps a batch in order, with raw being each event object', async () => {
    const second = { ...base, id: 'm-2', self: true }
    const events = await transform({ events: [base, second] })
    expect(events.map((e) => [e.externalMessageId, e.isSelf, e.raw])).toEqual([
      ['m-1', false, base],
      ['m-2', true, second],
    ])
  })

  it('parses a signed request through parseWebhook, using the body core already parsed', async () => {
    const request = signedWebhookRequest('s3cret', base)
    expect(adapter.verifyWebhook!(bridge, request)).toBe(false) // signed now, but this adapter's clock is 2024
    const live = createWebhookAdapter()
    expect(live.verifyWebhook!(bridge, request)).toBe(true)
    const parsed = await live.parseWebhook!(bridge, { ...request, body: { ...base, id: 'from-body' } })
    expect(parsed.events[0]?.externalMessageId).toBe('from-body')
    expect(parsed.reply).toBeUndefined()
  })

  it('parses rawBody when core did not, and rejects invalid JSON as a validation error', async () => {
    const request = signedWebhookRequest('s3cret', base)
    const { body: _body, ...withoutBody } = request
    expect((await adapter.parseWebhook!(bridge, withoutBody)).events[0]?.externalMessageId).toBe('m-1')
    const broken = signedWebhookRequest('s3cret', null, { rawBody: '{"id": ' })
    expect(() => adapter.parseWebhook!(bridge, broken)).toThrow(expect.objectContaining({ code: 'VALIDATION' }))
  })

  it('does not verify a bridge without a secret', () => {
    const request = signedWebhookRequest('', base)
    const noSecret: BridgeContext = { ...bridge, credentials: {} }
    expect(createWebhookAdapter().verifyWebhook!(noSecret, request)).toBe(false)
  })
})

describe('inbound validation names every bad field', () => {
  it.each([
    ['a string', 'hello', ['body']],
    ['null', null, ['body']],
    ['an array', [base], ['body']],
    ['an empty object', {}, ['id', 'room', 'user', 'text']],
    ['an empty id', { ...base, id: '' }, ['id']],
    ['a numeric room', { ...base, room: 42 }, ['room']],
    ['a missing user', { id: 'm', room: 'r', text: 't' }, ['user']],
    ['a non-string text', { ...base, text: { rich: true } }, ['text']],
    ['a numeric thread', { ...base, thread: 7 }, ['thread']],
    ['an empty replyTo', { ...base, replyTo: '' }, ['replyTo']],
    ['a numeric username', { ...base, username: 1 }, ['username']],
    ['an unknown chatType', { ...base, chatType: 'thread' }, ['chatType']],
    ['a string self', { ...base, self: 'true' }, ['self']],
    ['an unparsable timestamp', { ...base, timestamp: 'yesterday' }, ['timestamp']],
    ['a negative timestamp', { ...base, timestamp: -5 }, ['timestamp']],
    ['a huge timestamp', { ...base, timestamp: 1e15 }, ['timestamp']],
    ['a boolean timestamp', { ...base, timestamp: true }, ['timestamp']],
    ['events that are not an array', { events: base }, ['events']],
    ['an empty batch', { events: [] }, ['events']],
    ['bad events inside a batch', { events: [base, { ...base, user: 3 }, 'x'] }, ['events[1].user', 'events[2]']],
  ])('%s', (_name, payload, paths) => {
    expect(validationIssues(payload)).toEqual(paths)
  })
})
