import { makeExternalMessage, makeMessage, makeParticipant, makeThread } from '@jido-messaging/testing'
import { describe, expect, it } from 'vitest'
import { fromJson, messageOf, messageRowOf, participantOf, participantRowOf, threadOf, threadRowOf } from './codec.js'

describe('store-sql codec', () => {
  it('round-trips a message, leaving unset optional fields absent rather than undefined', () => {
    const message = makeMessage('room_1', { content: [{ type: 'text', text: 'hi' }], reactions: { '👍': ['ptc_a'] } })
    const decoded = messageOf(messageRowOf(message))
    expect(decoded).toStrictEqual(message)
    expect('threadId' in decoded).toBe(false)
  })

  it('derives the external key columns only when channel, bridgeId and externalId are all set', () => {
    const external = messageRowOf(makeExternalMessage('room_1', { channel: 'telegram', bridgeId: 'tg', externalId: '42' }))
    expect([external.ext_channel, external.ext_bridge_id, external.external_id]).toEqual(['telegram', 'tg', '42'])
    const partial = messageRowOf(makeMessage('room_1', { externalId: '42', metadata: { channel: 'telegram' } }))
    expect([partial.ext_channel, partial.ext_bridge_id]).toEqual([null, null])
  })

  it('round-trips threads and participants', () => {
    const thread = makeThread('room_1', { externalThreadId: 't1' })
    expect(threadOf(threadRowOf(thread))).toStrictEqual(thread)
    const participant = makeParticipant({ externalIds: { telegram: 'u1' }, capabilities: ['chat'] })
    expect(participantOf(participantRowOf(participant))).toStrictEqual(participant)
  })

  it('decodes JSON from text (SQLite) and from parsed values (Postgres jsonb), always as fresh objects', () => {
    expect(fromJson('{"a":1}')).toEqual({ a: 1 })
    expect(fromJson({ a: 1 })).toEqual({ a: 1 })
    const a = fromJson<Record<string, unknown>>('{}')
    a['x'] = 1
    expect(fromJson('{}')).toEqual({})
    expect(fromJson('[]')).toEqual([])
  })
})
