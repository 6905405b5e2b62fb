import { positionOf } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { text, useMessaging, type MessagingConformanceOptions } from './harness.js'
import { until } from './journal.js'

export function signalCases(options: MessagingConformanceOptions): void {
  const h = useMessaging(options)

  describe('signals', () => {
    it('postMessage emits a CloudEvent with the exact envelope', async () => {
      const { messaging, waitForSignals } = h()
      const room = await messaging.createRoom()
      const { message, signals } = await messaging.postMessage({ roomId: room.id, senderId: 'u1', role: 'user', content: text('hi') })
      const [s] = signals
      expect(s).toMatchObject({
        specversion: '1.0',
        source: '/jido/messaging/conformance',
        type: 'jido.messaging.room.message_added',
        subject: room.id,
        datacontenttype: 'application/json',
        data: { roomId: room.id, messageId: message.id, senderId: 'u1', message },
      })
      expect(typeof s!.id).toBe('string')
      expect(Date.parse(s!.time!)).not.toBeNaN()
      expect(s!['correlationid']).toEqual(expect.any(String))
      const seen = await waitForSignals(1)
      expect(seen[0]!.id).toBe(s!.id)
    })

    it('a thread reply also emits thread.reply_added, caused by message_added; caller ids are kept', async () => {
      const { messaging } = h()
      const room = await messaging.createRoom()
      const root = await messaging.saveMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('root') })
      const thread = await messaging.saveThread({ roomId: room.id, rootMessageId: root.id })
      const { signals } = await messaging.postMessage(
        { roomId: room.id, senderId: 'u', role: 'user', content: text('reply'), threadId: thread.id },
        { correlationId: 'cor_given', causationId: 'evt_1' })
      expect(signals.map((s) => s.type)).toEqual(['jido.messaging.room.message_added', 'jido.messaging.thread.reply_added'])
      expect(signals[0]).toMatchObject({ correlationid: 'cor_given', causationid: 'evt_1' })
      expect(signals[1]).toMatchObject({ correlationid: 'cor_given', causationid: signals[0]!.id,
        data: { roomId: room.id, threadId: thread.id, messageId: signals[0]!.data!['messageId'] } })
    })

    it('low-level writes emit nothing', async () => {
      const { messaging, signals } = h()
      const room = await messaging.createRoom()
      await messaging.saveMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('quiet') })
      await messaging.createParticipant()
      await new Promise((r) => setTimeout(r, 20))
      expect(signals).toEqual([])
    })

    it('concurrent posts in one room are announced in commit (journal position) order, each once', async () => {
      const { messaging, waitForSignals } = h()
      const room = await messaging.createRoom()
      const posted = await Promise.all(Array.from({ length: 30 }, (_, i) =>
        messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text(String(i)) })))
      const seen = await waitForSignals(30)
      // Listing order is creation (insertedAt) order; concurrent commits may finish in another order,
      // and subscribers see commit order, which the positions record.
      const positions = seen.map((s) => positionOf(s)!)
      expect([...positions].sort((a, b) => a - b)).toEqual(positions)
      expect(new Set(positions).size).toBe(30)
      const byId = new Map(posted.map((p) => [p.signals[0]!.id, positionOf(p.signals[0]!)]))
      expect(seen.map((s) => byId.get(s.id))).toEqual(positions)
      const listed = await messaging.listMessages(room.id, { limit: 100 })
      expect(new Set(seen.map((s) => s.data!['messageId']))).toEqual(new Set(listed.messages.map((m) => m.id)))
    })

    it('reactions: persisted, idempotent, sorted unique lists, signals carry the reaction', async () => {
      const { messaging } = h()
      const room = await messaging.createRoom()
      const { message } = await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('x') })
      const a = await messaging.addReaction(message.id, 'ptc_b', '👍')
      expect(a.signals).toHaveLength(1)
      expect(a.signals[0]).toMatchObject({ type: 'jido.messaging.message.reaction_added', subject: room.id,
        data: { roomId: room.id, messageId: message.id, participantId: 'ptc_b', reaction: '👍' } })
      await messaging.addReaction(message.id, 'ptc_a', '👍')
      const again = await messaging.addReaction(message.id, 'ptc_a', '👍')
      expect(again.signals).toEqual([])
      expect(again.message.reactions).toEqual({ '👍': ['ptc_a', 'ptc_b'] })
      expect((await messaging.getMessage(message.id))!.reactions).toEqual({ '👍': ['ptc_a', 'ptc_b'] })
      const removed = await messaging.removeReaction(message.id, 'ptc_a', '👍')
      expect(removed.signals.map((s) => s.type)).toEqual(['jido.messaging.message.reaction_removed'])
      expect((await messaging.removeReaction(message.id, 'ptc_a', '👍')).signals).toEqual([])
      await messaging.removeReaction(message.id, 'ptc_b', '👍')
      expect((await messaging.getMessage(message.id))!.reactions).toEqual({})
      await expect(messaging.addReaction('msg_nope', 'p', '👍')).rejects.toMatchObject({ code: 'NOT_FOUND' })
      await expect(messaging.addReaction(message.id, 'p', '')).rejects.toMatchObject({ code: 'VALIDATION' })
    })

    it('concurrent reactions on one message are all kept', async () => {
      const { messaging } = h()
      const room = await messaging.createRoom()
      const { message } = await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('x') })
      await Promise.all(Array.from({ length: 20 }, (_, i) => messaging.addReaction(message.id, `ptc_${String(i).padStart(2, '0')}`, '🎉')))
      expect((await messaging.getMessage(message.id))!.reactions['🎉']).toHaveLength(20)
    })

    it('delivered and read receipts update receipts and status once', async () => {
      const { messaging } = h()
      const room = await messaging.createRoom()
      const { message } = await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('x') })
      const d = await messaging.markMessageDelivered(message.id, 'ptc_r')
      expect(d.message.status).toBe('delivered')
      expect(d.message.receipts['ptc_r']!.deliveredAt).toEqual(expect.any(String))
      expect(d.signals.map((s) => s.type)).toEqual(['jido.messaging.message.delivered'])
      expect((await messaging.markMessageDelivered(message.id, 'ptc_r')).signals).toEqual([])
      const r = await messaging.markMessageRead(message.id, 'ptc_r')
      expect(r.message.status).toBe('read')
      expect(r.signals[0]).toMatchObject({ type: 'jido.messaging.message.read', data: { messageId: message.id, participantId: 'ptc_r' } })
      expect((await messaging.markMessageRead(message.id, 'ptc_r')).signals).toEqual([])
      expect((await messaging.getMessage(message.id))!.receipts['ptc_r']).toEqual(r.message.receipts['ptc_r'])
    })

    it('participant joined/left/presence/typing and custom room events', async () => {
      const { messaging } = h()
      const room = await messaging.createRoom()
      const p = await messaging.createParticipant({ identity: { name: 'Ada' } })
      const joined = await messaging.participantJoined(room.id, p.id, { via: 'test' })
      expect(joined.signals[0]).toMatchObject({ type: 'jido.messaging.room.participant_joined', subject: room.id,
        data: { roomId: room.id, participantId: p.id } })
      const presence = await messaging.participantPresenceChanged(room.id, p.id, 'online')
      expect(presence.signals[0]).toMatchObject({ type: 'jido.messaging.participant.presence_changed', data: { from: 'offline', to: 'online' } })
      expect((await messaging.getParticipant(p.id))!.presence).toBe('online')
      expect((await messaging.participantPresenceChanged(room.id, p.id, 'online')).signals).toEqual([])
      const typing = await messaging.participantTyping(room.id, p.id, { isTyping: true })
      expect(typing.signals[0]).toMatchObject({ type: 'jido.messaging.participant.typing', data: { isTyping: true, participantId: p.id } })
      const left = await messaging.participantLeft(room.id, p.id)
      expect(left.signals[0]!.type).toBe('jido.messaging.room.participant_left')
      const custom = await messaging.dispatchRoomEvent(room.id, 'poll_opened', { pollId: 'p1' })
      expect(custom.signal).toMatchObject({ type: 'jido.messaging.room.poll_opened', subject: room.id, data: { pollId: 'p1', roomId: room.id } })
      await expect(messaging.dispatchRoomEvent(room.id, 'message_added', {})).rejects.toMatchObject({ code: 'VALIDATION' })
      await expect(messaging.dispatchRoomEvent(room.id, 'Bad Name', {})).rejects.toMatchObject({ code: 'VALIDATION' })
      await expect(messaging.dispatchRoomEvent('room_nope', 'x', {})).rejects.toMatchObject({ code: 'NOT_FOUND' })
      await expect(messaging.participantPresenceChanged(room.id, p.id, 'dancing' as never)).rejects.toMatchObject({ code: 'VALIDATION' })
      await expect(messaging.participantTyping('room_nope', p.id, { isTyping: true })).rejects.toMatchObject({ code: 'NOT_FOUND' })
    })

    it('subscribe patterns, unsubscribe, signals() iterator, room filter', async () => {
      const { messaging } = h()
      const room = await messaging.createRoom()
      const other = await messaging.createRoom()
      const reactions: string[] = []
      const sub = messaging.subscribe('jido.messaging.message.*', (s) => void reactions.push(s.type))
      const inRoom: string[] = []
      messaging.subscribe('**', (s) => void inRoom.push(s.subject!), { roomId: other.id })
      const iter = messaging.signals('jido.messaging.room.message_added')
      const { message } = await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('x') })
      await messaging.addReaction(message.id, 'p', '👍')
      await messaging.postMessage({ roomId: other.id, senderId: 'u', role: 'user', content: text('y') })
      const first = await iter.next()
      expect(first.value!.data!['messageId']).toBe(message.id)
      const second = await iter.next()
      expect(second.value!.subject).toBe(other.id)
      await iter.return!()
      expect((await iter.next()).done).toBe(true)
      await until(() => reactions.length >= 1 && inRoom.length >= 1, 'the reaction and the other room\'s signal', 30_000)
      await new Promise((r) => setTimeout(r, 10))
      expect(reactions).toEqual(['jido.messaging.message.reaction_added'])
      expect(inRoom).toEqual([other.id])
      expect(messaging.unsubscribe(sub.id)).toBe(true)
      expect(messaging.unsubscribe(sub.id)).toBe(false)
      await messaging.addReaction(message.id, 'q', '👍')
      await new Promise((r) => setTimeout(r, 10))
      expect(reactions).toHaveLength(1)
      expect(() => messaging.subscribe('bad..pattern', () => {})).toThrowError(expect.objectContaining({ code: 'VALIDATION' }))
    })

    it('a throwing or never-finishing subscriber does not fail or block commands', async () => {
      const { messaging } = h()
      const room = await messaging.createRoom()
      messaging.subscribe('**', () => { throw new Error('subscriber bug') })
      const stuck = messaging.subscribe('**', () => new Promise(() => {}))
      const results = []
      for (let i = 0; i < 10; i++) results.push(await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text(String(i)) }))
      expect(results).toHaveLength(10)
      // Nothing is dropped: the stuck subscriber simply has ten signals still to handle.
      expect(stuck.stats()).toMatchObject({ dropped: 0, queued: 10, delivered: 0 })
      messaging.unsubscribe(stuck.id) // lets stop() finish without waiting out its drain timeout
      expect((await messaging.listMessages(room.id)).messages).toHaveLength(10)
    })
  })
}
