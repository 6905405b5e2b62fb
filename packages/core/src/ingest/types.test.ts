import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InboundEventSchema, isPlainInboundEvent } from './types.js'

const valid = {
  kind: 'message', externalRoomId: 'room-1', externalUserId: 'user-1', externalMessageId: 'ext-1', text: 'hello', media: [],
  chatType: 'group', isSelf: false, timestamp: '2024-01-01T00:00:00.000Z', raw: { id: 'ext-1' },
}

const anyValue = fc.oneof(
  fc.constant(undefined), fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.string({ maxLength: 3 }),
  fc.constantFrom('', 'x'.repeat(256), 'x'.repeat(1001), 'message', 'edit', 'reaction', 'other', 'direct', 'group', 'channel', 'nope'),
  fc.constant([]), fc.constant([{ type: 'image', url: 'u' }]), fc.constant([{ type: 'nope' }]), fc.constant({}),
  fc.constant({ emoji: 'x', added: true }), fc.constant({ emoji: '', added: true }), fc.constant(new Date(0)),
)
const fields = [...Object.keys(valid), 'externalThreadId', 'externalReplyToId', 'chatTitle', 'username', 'displayName', 'isBot', 'reaction', 'eventId', 'extra']

describe('isPlainInboundEvent', () => {
  it('passes plain valid events', () => {
    expect(isPlainInboundEvent(valid)).toBe(true)
    expect(isPlainInboundEvent({ ...valid, kind: 'command', externalThreadId: 't', externalReplyToId: 'r', chatTitle: 'T', username: 'u',
      displayName: 'U', isBot: true, eventId: 'e', chatType: 'direct', raw: undefined })).toBe(true)
  })

  it('passes nothing the schema refuses (the schema decides the rest and words its errors)', () => {
    fc.assert(fc.property(fc.dictionary(fc.constantFrom(...fields), anyValue, { maxKeys: 3 }), fc.uniqueArray(fc.constantFrom(...fields), { maxLength: 2 }), (changes, removed) => {
      const event: Record<string, unknown> = { ...valid, ...changes }
      for (const key of removed) delete event[key]
      if (isPlainInboundEvent(event)) expect(InboundEventSchema.safeParse(event).success).toBe(true)
    }), { numRuns: 5000 })
    for (const input of [null, undefined, 'event', 1, [valid], { ...valid, raw: undefined, text: 1 }]) {
      expect(isPlainInboundEvent(input)).toBe(false)
    }
    const { raw: _raw, ...withoutRaw } = valid
    expect(isPlainInboundEvent(withoutRaw)).toBe(InboundEventSchema.safeParse(withoutRaw).success)
  })
})
