import { CloudEvent } from 'cloudevents'
import { describe, expect, it } from 'vitest'
import { createSignalFactory, directMatchesConstructor, positionOf, sealSignal, signalFromJson, signalJsonText, signalToJson } from './factory.js'

describe('createSignalFactory', () => {
  it('builds its events without the constructor only while that gives the same event', () => {
    expect(directMatchesConstructor()).toBe(true)
  })

  it('makes frozen CloudEvents equal to the constructor-built ones', () => {
    const make = createSignalFactory('test')
    const data = { roomId: 'room_1', message: { id: 'msg_1' } }
    for (const [subject, ctx] of [['room_1', { correlationId: 'cor_1' }], ['room_1', { correlationId: 'cor_1', causationId: 'sig_0' }],
      [undefined, { correlationId: 'cor_2' }]] as const) {
      const signal = sealSignal(make('jido.messaging.room.message_added', subject, data, ctx), 42)
      const attributes: Record<string, unknown> = { specversion: '1.0', id: signal.id, source: '/jido/messaging/test', type: signal.type, time: signal.time,
        datacontenttype: 'application/json', data, correlationid: ctx.correlationId }
      if (subject !== undefined) attributes['subject'] = subject
      if ('causationId' in ctx) attributes['causationid'] = ctx.causationId
      attributes['position'] = 42
      const built = new CloudEvent(attributes, false)
      expect(signal).toBeInstanceOf(CloudEvent)
      expect(Object.isFrozen(signal)).toBe(true)
      expect(Reflect.ownKeys(signal)).toEqual(Reflect.ownKeys(built))
      expect({ ...signal }).toEqual({ ...built })
      expect(JSON.stringify(signal)).toBe(JSON.stringify(built))
      expect(signal.validate()).toBe(true)
      expect(signal.cloneWith({ type: 'x.y' }).type).toBe('x.y')
      expect(signal.id).toMatch(/^sig_[0-9A-Z]{26}$/)
      expect(positionOf(signal)).toBe(42)
      // What a store keeps (no position) and rebuilds with the position it assigned: the same event.
      expect(signalJsonText(signal)).toBe(JSON.stringify(signalToJson(signal)))
      const stored = JSON.parse(signalJsonText(signal)) as Record<string, unknown>
      expect(stored['position']).toBeUndefined()
      const rebuilt = signalFromJson(stored, 42)
      expect(Object.isFrozen(rebuilt)).toBe(true)
      expect(Reflect.ownKeys(rebuilt)).toEqual(Reflect.ownKeys(built))
      expect(JSON.stringify(rebuilt)).toBe(JSON.stringify(built))
      expect(signal.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    }
  })

  it('seals a live-only signal without a position', () => {
    const signal = sealSignal(createSignalFactory('test')('jido.messaging.participant.typing', 'room_1', { roomId: 'room_1' }, { correlationId: 'c' }))
    expect(Object.isFrozen(signal)).toBe(true)
    expect(positionOf(signal)).toBeUndefined()
    expect('position' in signal).toBe(false)
  })

  it('leaves binary data to the constructor', () => {
    const signal = createSignalFactory('test')('x.y', 'room_1', new Uint8Array([1, 2]) as unknown as Record<string, unknown>, { correlationId: 'c' })
    expect(signal.data_base64).toBe('AQI=')
  })
})
