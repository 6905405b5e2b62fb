import type { RuntimeStore } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { event, useBridge, type BridgeConformanceOptions } from './harness.js'

/** Two-way sync through the outbox (SPEC 8.1) and the outbound defects fixed with it, on every store. */
export function syncCases(options: BridgeConformanceOptions): void {
  const setup = useBridge(options)

  async function bound(h: Awaited<ReturnType<typeof setup>>, bridges: string[]) {
    return h.messaging.ensureBridgeRoom({ roomName: 'synced', bindings: bridges.map((b) => ({ channel: 'webhook', bridgeId: b, externalRoomId: `room-${b}` })) })
  }

  describe('two-way sync', { timeout: 60_000 }, () => {
    it('editMessage emits message.edited and edits the platform copy once; a platform that cannot edit gets a recorded failure instead', async () => {
      const h = await setup({}, { edit: true })
      const rx = await h.addBridge('wh')
      const room = await bound(h, ['wh'])
      const { message } = await h.messaging.postMessage({ roomId: room.id, senderId: 'ptc_app', role: 'assistant', content: [{ type: 'text', text: 'before' }] })
      await h.waitFor(() => rx.deliveries.length === 1, 'the send', 30_000)
      const edited = await h.messaging.editMessage(message.id, 'after')
      expect(edited.message.content).toEqual([{ type: 'text', text: 'after' }])
      expect(edited.signals.map((s) => s.type)).toEqual(['jido.messaging.message.edited'])
      expect(edited.signals[0]!.data).toMatchObject({ messageId: message.id, previousContent: [{ type: 'text', text: 'before' }] })
      await h.waitFor(() => rx.edits.length === 1, 'the edit on the platform', 30_000)
      expect(rx.edits[0]).toMatchObject({ room: 'room-wh', messageId: rx.deliveries[0]!.id, text: 'after' })
      expect(rx.textOf(rx.deliveries[0]!.id)).toBe('after')
      // The same content again changes nothing and sends nothing.
      expect((await h.messaging.editMessage(message.id, 'after')).signals).toEqual([])
      await expect(h.messaging.editMessage('msg_missing', 'x')).rejects.toMatchObject({ code: 'NOT_FOUND' })
      await expect(h.messaging.editMessage(message.id, [])).rejects.toMatchObject({ code: 'VALIDATION' })
      // The send's status is the message's; the edit does not count as another route.
      await h.waitFor(async () => (await h.messaging.getMessage(message.id))?.status === 'sent', 'sent status')
      await new Promise((r) => setTimeout(r, 100))
      expect(rx.edits).toHaveLength(1)
    })

    it('changes a platform cannot apply are recorded with the reason and never sent', async () => {
      const h = await setup()
      const rx = await h.addBridge('wh')
      const room = await bound(h, ['wh'])
      const { message } = await h.messaging.postMessage({ roomId: room.id, senderId: 'ptc_app', role: 'assistant', content: [{ type: 'text', text: 'hello' }] })
      await h.waitFor(() => rx.deliveries.length === 1, 'the send', 30_000)
      await h.messaging.editMessage(message.id, 'hello again')
      await h.messaging.addReaction(message.id, 'ptc_app', '👍')
      const store = h.store as unknown as RuntimeStore
      await h.waitFor(async () => (await store.listDeliveries(message.id)).length === 3, 'the changes recorded', 30_000)
      const changes = (await store.listDeliveries(message.id)).filter((d) => d.action !== undefined)
      expect(changes.map((d) => [d.action, d.status])).toEqual([['edit', 'failed'], ['react', 'failed']])
      expect(changes[0]!.lastError).toMatch(/cannot edit \(capability unsupported/)
      expect(changes[1]!.lastError).toMatch(/cannot react \(capability unsupported/)
      await new Promise((r) => setTimeout(r, 100))
      expect(rx.attempts).toBe(1)
      expect((await h.messaging.getMessage(message.id))!.status).toBe('sent')
    })

    it('removeMessage emits message.deleted once; deleteMessage stays signal-free', async () => {
      const h = await setup()
      await h.addBridge('wh')
      const room = await bound(h, ['wh'])
      const a = await h.messaging.postMessage({ roomId: room.id, senderId: 'ptc_app', role: 'assistant', content: [{ type: 'text', text: 'a' }] }, { deliver: false })
      const b = await h.messaging.postMessage({ roomId: room.id, senderId: 'ptc_app', role: 'assistant', content: [{ type: 'text', text: 'b' }] }, { deliver: false })
      const removed = await h.messaging.removeMessage(a.message.id)
      expect(removed.deleted).toBe(true)
      expect(removed.signals.map((s) => [s.type, s.data?.['messageId']])).toEqual([['jido.messaging.message.deleted', a.message.id]])
      expect(await h.messaging.removeMessage(a.message.id)).toEqual({ deleted: false, signals: [] })
      const seen = h.signals.length
      expect(await h.messaging.deleteMessage(b.message.id)).toBe(true)
      await new Promise((r) => setTimeout(r, 100))
      expect(h.signals.slice(seen).filter((s) => s.type === 'jido.messaging.message.deleted')).toEqual([])
      expect(await h.messaging.getMessage(a.message.id)).toBeNull()
    })

    it("an agent's typing reaches the platforms that show typing, at once; a person's does not", async () => {
      const h = await setup({}, { typing: true })
      const rx = await h.addBridge('wh')
      const room = await bound(h, ['wh'])
      const agent = await h.messaging.getOrCreateParticipantByExternalId('agent', 'typer', { type: 'agent' })
      const person = await h.messaging.createParticipant({ type: 'human', identity: { name: 'Ada' } })
      await h.messaging.participantTyping(room.id, person.id, { isTyping: true })
      await h.messaging.participantTyping(room.id, agent.id, { isTyping: true })
      await h.waitFor(() => rx.typing.length === 1, 'typing on the platform', 30_000)
      expect(rx.typing[0]).toMatchObject({ room: 'room-wh' })
      await h.messaging.participantTyping(room.id, agent.id, { isTyping: false })
      await new Promise((r) => setTimeout(r, 100))
      expect(rx.typing).toHaveLength(1)
      expect(rx.deliveries).toEqual([])
    })

    it('a room created by a first message that gating rejects is announced: room.created, and no message', async () => {
      const h = await setup({ ingest: { gating: { run: () => ({ action: 'reject', reason: 'closed' }), fallback: 'allow' } } })
      await h.addBridge('wh')
      const result = await h.inbound('wh', event({ room: 'room-new', text: 'first words' }))
      expect(result.response.status).toBe(200)
      expect(result.outcome).toMatchObject({ status: 'rejected', reason: 'gating: closed' })
      const room = result.outcome!.room!
      await h.waitFor(() => h.signals.some((s) => s.type === 'jido.messaging.room.created' && s.data?.['roomId'] === room.id), 'room.created', 30_000)
      expect(await h.messaging.getRoom(room.id)).not.toBeNull()
      expect((await h.messaging.listMessages(room.id)).messages).toEqual([])
      expect(h.signals.filter((s) => s.type === 'jido.messaging.room.message_added')).toEqual([])
    })

    it('routeOutbound into a thread emits thread.reply_added, as postMessage does', async () => {
      const h = await setup()
      const rx = await h.addBridge('wh')
      const inbound = await h.inbound('wh', event({ room: 'room-wh', text: 'question', thread: 'T-1' }))
      const asked = inbound.outcome!.message!
      const result = await h.messaging.routeOutbound(asked.roomId, 'answer', { threadId: asked.threadId!, replyToId: asked.id })
      await h.waitFor(() => h.signals.some((s) => s.type === 'jido.messaging.thread.reply_added' && s.data?.['messageId'] === result.message.id), 'thread.reply_added')
      const reply = h.signals.find((s) => s.type === 'jido.messaging.thread.reply_added' && s.data?.['messageId'] === result.message.id)!
      expect(reply.data).toMatchObject({ roomId: asked.roomId, threadId: asked.threadId, senderId: result.message.senderId })
      expect(rx.deliveries).toHaveLength(1)
    })

    it('postMessage and routeOutbound refuse a replyToId that is not a message of the room, and store nothing', async () => {
      const h = await setup()
      await h.addBridge('wh')
      const room = await bound(h, ['wh'])
      const other = await h.messaging.createRoom({ name: 'other' })
      const elsewhere = await h.messaging.postMessage({ roomId: other.id, senderId: 'u', role: 'user', content: [{ type: 'text', text: 'elsewhere' }] })
      for (const replyToId of ['msg_missing', elsewhere.message.id]) {
        await expect(h.messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: [{ type: 'text', text: 'x' }], replyToId }))
          .rejects.toMatchObject({ code: 'NOT_FOUND' })
        await expect(h.messaging.routeOutbound(room.id, 'x', { replyToId })).rejects.toMatchObject({ code: 'NOT_FOUND' })
      }
      expect((await h.messaging.listMessages(room.id)).messages).toEqual([])
    })
  })
}
