import { generateKeyPairSync, sign } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { InboundContext } from './inbound.js'
import { parseInteraction, verifyInteraction } from './interactions.js'

// Keys and signatures made here with node:crypto from the Discord docs' recipe, independently of the adapter.
const { publicKey, privateKey } = generateKeyPairSync('ed25519')
const der = publicKey.export({ format: 'der', type: 'spki' })
const publicHex = der.subarray(der.length - 32).toString('hex')
const body = '{"type":1,"id":"1","application_id":"2"}'
const ts = 1_714_564_800
const nowMs = ts * 1000
const signed = (timestamp: number | string = ts, raw = body) => ({
  'x-signature-ed25519': sign(null, Buffer.from(`${timestamp}${raw}`), privateKey).toString('hex'),
  'x-signature-timestamp': String(timestamp),
})

const ctx: InboundContext = { botUserId: 'bot', now: () => nowMs, resolveChannel: async () => undefined }
const ack = { commandReply: 'ack', ackText: 'Got it.' } as const
const user = { id: 'u1', username: 'ada', global_name: 'Ada' }

describe('verifyInteraction', () => {
  it('accepts a signature of timestamp + body by the application key', () => {
    expect(verifyInteraction(publicHex, signed(), body, nowMs)).toBe(true)
    expect(verifyInteraction(publicHex.toUpperCase(), signed(), body, nowMs)).toBe(true)
  })

  it('accepts 300 s of skew either way and rejects 301 s', () => {
    expect(verifyInteraction(publicHex, signed(ts - 300), body, nowMs)).toBe(true)
    expect(verifyInteraction(publicHex, signed(ts + 300), body, nowMs)).toBe(true)
    expect(verifyInteraction(publicHex, signed(ts - 301), body, nowMs)).toBe(false)
    expect(verifyInteraction(publicHex, signed(ts + 301), body, nowMs)).toBe(false)
  })

  it('rejects a changed body, a moved timestamp, malformed values and a missing or malformed key', () => {
    const headers = signed()
    expect(verifyInteraction(publicHex, headers, `${body} `, nowMs)).toBe(false)
    expect(verifyInteraction(publicHex, { ...headers, 'x-signature-timestamp': String(ts + 1) }, body, nowMs)).toBe(false)
    expect(verifyInteraction(publicHex, { ...headers, 'x-signature-timestamp': `${ts}.0` }, body, nowMs)).toBe(false)
    expect(verifyInteraction(publicHex, { ...headers, 'x-signature-ed25519': headers['x-signature-ed25519'].slice(2) }, body, nowMs)).toBe(false)
    expect(verifyInteraction(publicHex, { 'x-signature-timestamp': String(ts) }, body, nowMs)).toBe(false)
    expect(verifyInteraction(undefined, headers, body, nowMs)).toBe(false)
    expect(verifyInteraction('abcd', headers, body, nowMs)).toBe(false)
    expect(verifyInteraction('00'.repeat(32), headers, body, nowMs)).toBe(false)
  })
})

describe('parseInteraction', () => {
  it('answers PING with PONG and no events', async () => {
    expect(await parseInteraction({ id: '1', type: 1 }, ctx, ack)).toEqual({ events: [], reply: { status: 200, headers: { 'content-type': 'application/json' }, body: { type: 1 } } })
  })

  it('maps a command in a thread to the parent room and the thread, from the channel it carries', async () => {
    const interaction = { id: '175928847299117063', type: 2, data: { name: 'status' }, guild_id: 'g1', channel_id: 't1', channel: { id: 't1', type: 11, parent_id: 'c1' }, member: { user, nick: 'Countess' } }
    const { events, reply } = await parseInteraction(interaction, ctx, ack)
    expect(reply!.body).toEqual({ type: 4, data: { content: 'Got it.', flags: 64 } })
    expect(events).toEqual([{
      kind: 'command', externalRoomId: 'c1', externalThreadId: 't1', chatType: 'group', externalUserId: 'u1', externalMessageId: '175928847299117063',
      text: '/status', media: [], username: 'ada', displayName: 'Countess', isSelf: false, isBot: false, timestamp: '2016-04-30T11:18:25.796Z',
      eventId: 'interaction:175928847299117063', raw: interaction,
    }])
  })

  it('defers when configured, and acknowledges components, autocomplete and modals without events', async () => {
    const command = { id: '1', type: 2, data: { name: 'x' }, channel_id: 'dm1', user }
    expect((await parseInteraction(command, ctx, { ...ack, commandReply: 'deferred' })).reply!.body).toEqual({ type: 5 })
    expect((await parseInteraction({ id: '2', type: 3 }, ctx, ack))).toMatchObject({ events: [], reply: { body: { type: 6 } } })
    expect((await parseInteraction({ id: '3', type: 4 }, ctx, ack))).toMatchObject({ events: [], reply: { body: { type: 8, data: { choices: [] } } } })
    expect((await parseInteraction({ id: '4', type: 5 }, ctx, ack))).toMatchObject({ events: [], reply: { body: { type: 4 } } })
  })

  it('rejects unknown types and incomplete commands', async () => {
    await expect(parseInteraction({ id: '1', type: 99 }, ctx, ack)).rejects.toMatchObject({ code: 'VALIDATION' })
    await expect(parseInteraction({ id: '1', type: 2, data: { name: 'x' } }, ctx, ack)).rejects.toMatchObject({ code: 'VALIDATION' })
  })
})
