import { createMessaging, isMessagingError } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { text, useMessaging, type MessagingConformanceOptions } from './harness.js'
import { until } from './journal.js'

export function errorCases(options: MessagingConformanceOptions): void {
  const h = useMessaging(options)

  describe('errors and isolation', () => {
    it('bad input rejects with VALIDATION and stores nothing', async () => {
      const { messaging } = h()
      const room = await messaging.createRoom()
      const bad: unknown[] = [
        { senderId: 'u', role: 'user', content: text('no room') },
        { roomId: room.id, senderId: 'u', role: 'wizard', content: text('x') },
        { roomId: room.id, senderId: 'u', role: 'user', content: [{ type: 'text' }] },
        { roomId: room.id, senderId: 'u', role: 'user', content: [{ type: 'image' }] },
        { roomId: room.id, senderId: 'u', role: 'user', content: 'not an array' },
        { roomId: room.id, senderId: 'u', role: 'user', content: text('x'), surprise: true },
        null,
      ]
      for (const attrs of bad) {
        await expect(messaging.postMessage(attrs as never), JSON.stringify(attrs)).rejects.toMatchObject({ code: 'VALIDATION' })
        await expect(messaging.saveMessage(attrs as never)).rejects.toMatchObject({ code: 'VALIDATION' })
      }
      await expect(messaging.createRoom({ type: 'lobby' } as never)).rejects.toMatchObject({ code: 'VALIDATION' })
      await expect(messaging.createParticipant({ presence: 'asleep' } as never)).rejects.toMatchObject({ code: 'VALIDATION' })
      await expect(messaging.getRoom(42 as never)).rejects.toMatchObject({ code: 'VALIDATION' })
      expect((await messaging.listMessages(room.id)).messages).toEqual([])
      expect((await messaging.listRooms()).rooms).toHaveLength(1)
      try {
        await messaging.postMessage({ roomId: room.id } as never)
      } catch (error) {
        expect(isMessagingError(error, 'VALIDATION')).toBe(true)
        expect((error as Error).message).toMatch(/senderId/)
      }
    })

    it('writing into a missing room, message or thread is NOT_FOUND', async () => {
      const { messaging } = h()
      await expect(messaging.postMessage({ roomId: 'room_nope', senderId: 'u', role: 'user', content: text('x') }))
        .rejects.toMatchObject({ code: 'NOT_FOUND' })
      await expect(messaging.saveMessage({ roomId: 'room_nope', senderId: 'u', role: 'user', content: text('x') }))
        .rejects.toMatchObject({ code: 'NOT_FOUND' })
      await expect(messaging.markMessageRead('msg_nope', 'p')).rejects.toMatchObject({ code: 'NOT_FOUND' })
      await expect(messaging.participantJoined('room_nope', 'p')).rejects.toMatchObject({ code: 'NOT_FOUND' })
    })

    it('two instances over separate stores are isolated', async () => {
      const { messaging } = h()
      const store2 = await options.create()
      const other = createMessaging({ store: store2, instanceId: 'other' })
      await other.start()
      try {
        const seenByOther: string[] = []
        other.subscribe('**', (s) => void seenByOther.push(s.type))
        const room = await messaging.createRoom()
        await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('x') })
        expect(await other.getRoom(room.id)).toBeNull()
        const { signals } = await other.postMessage({ roomId: (await other.createRoom()).id, senderId: 'u', role: 'user', content: text('y') })
        expect(signals[0]!.source).toBe('/jido/messaging/other')
        await until(() => seenByOther.length >= 1, 'the other instance\'s own signal', 30_000)
        await new Promise((r) => setTimeout(r, 10))
        expect(seenByOther).toEqual(['jido.messaging.room.message_added'])
      } finally {
        await other.stop()
        await options.destroy?.(store2)
      }
    })

    it('stop drains in-flight commands and refuses new ones', async () => {
      const { messaging } = h()
      const room = await messaging.createRoom()
      const pending = Array.from({ length: 10 }, (_, i) =>
        messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text(String(i)) }))
      await messaging.stop()
      const settled = await Promise.allSettled(pending)
      expect(settled.every((s) => s.status === 'fulfilled')).toBe(true)
      await expect(messaging.getRoom(room.id)).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' })
    })
  })
}
