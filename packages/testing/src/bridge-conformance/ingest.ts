import type { InboundEvent, PlatformAdapter } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { event, useBridge, type BridgeConformanceOptions } from './harness.js'

export function ingestCases(options: BridgeConformanceOptions): void {
  const setup = useBridge(options)

  describe('ingest', () => {
    it('stores a signed event, answers 200 after commit, and emits joined, added, received in order', async () => {
      const h = await setup()
      await h.addBridge('wh')
      const first = event({ room: 'room-a', user: 'u-1' })
      const { response, outcome } = await h.inbound('wh', first)
      expect(response.status).toBe(200)
      expect(outcome!.status).toBe('message')
      const message = outcome!.message!
      expect(message).toMatchObject({ externalId: first.id, role: 'user', content: [{ type: 'text', text: first.text }],
        metadata: { channel: 'webhook', bridgeId: 'wh' }, deliveryExternalRoomId: 'room-a' })
      expect(await h.messaging.getMessageByExternalId('webhook', 'wh', first.id)).toEqual(message)
      const room = await h.messaging.getRoomByExternalBinding('webhook', 'wh', 'room-a')
      expect(room!.id).toBe(message.roomId)
      expect(room!.externalBindings).toEqual({ webhook: { wh: 'room-a' } })
      const sender = await h.messaging.getParticipant(message.senderId)
      expect(sender).toMatchObject({ externalIds: { webhook: 'u-1' }, identity: { username: 'ada', displayName: 'Ada' }, type: 'human' })
      await h.waitFor(() => h.signals.length >= 4, 'signals')
      expect(h.typesSeen()).toEqual(['room.created', 'room.participant_joined', 'room.message_added', 'message.received'])
      const received = h.signals[3]!
      expect(received.data).toMatchObject({ roomId: room!.id, messageId: message.id, bridgeId: 'wh', channel: 'webhook', externalRoomId: 'room-a' })

      await h.inbound('wh', event({ room: 'room-a', user: 'u-1' }))
      await h.waitFor(() => h.signals.length >= 6, 'second message signals')
      expect(h.typesSeen().slice(4)).toEqual(['room.message_added', 'message.received'])
    })

    it('100 concurrent deliveries of one platform event create exactly one message and all get 200', async () => {
      const h = await setup()
      await h.addBridge('wh')
      const e = event()
      const results = await Promise.all(Array.from({ length: 100 }, () => h.inbound('wh', e)))
      expect(results.map((r) => r.response.status)).toEqual(Array(100).fill(200))
      const statuses = results.map((r) => r.outcome!.status)
      expect(statuses.filter((s) => s === 'message')).toHaveLength(1)
      expect(statuses.filter((s) => s === 'duplicate')).toHaveLength(99)
      const room = await h.messaging.getRoomByExternalBinding('webhook', 'wh', 'chat-1')
      expect((await h.messaging.listMessages(room!.id)).messages).toHaveLength(1)
      const ids = new Set(results.map((r) => r.outcome!.message?.id))
      expect(ids.size).toBe(1)
      await h.waitFor(() => h.typesSeen().includes('message.received'), 'message.received')
      await new Promise((r) => setTimeout(r, 30))
      expect(h.typesSeen().filter((t) => t === 'message.received')).toHaveLength(1)
    })

    it('a platform retry after the commit is a duplicate and creates nothing', async () => {
      const h = await setup()
      await h.addBridge('wh')
      const e = event()
      expect((await h.inbound('wh', e)).outcome!.status).toBe('message')
      const again = await h.inbound('wh', e)
      expect(again.response.status).toBe(200)
      expect(again.outcome!.status).toBe('duplicate')
    })

    it('rejects bad, missing and stale signatures with 401 and stores nothing', async () => {
      const h = await setup()
      await h.addBridge('wh')
      const bad = await h.inbound('wh', event(), { secret: 'wrong' })
      const stale = await h.inbound('wh', event(), { timestampSeconds: Math.floor(Date.now() / 1000) - 600 })
      const missing = await h.messaging.routeWebhookRequest('wh', { method: 'POST', headers: {}, rawBody: JSON.stringify(event()) })
      for (const r of [bad, stale, missing]) {
        expect(r.response.status).toBe(401)
        expect(r.response.body).toMatchObject({ error: { code: 'INVALID_SIGNATURE', message: expect.any(String) } })
      }
      expect((await h.messaging.listRooms()).rooms).toEqual([])
    })

    it('bad JSON is 400, an invalid event shape is 400, an oversized body is 413, unknown bridge 404, disabled 409', async () => {
      const h = await setup({ ingest: { maxBodyBytes: 2048 } })
      await h.addBridge('wh')
      await h.addBridge('off', { enabled: false })
      const badJson = await h.inbound('wh', null, { rawBody: '{"id": "x", ' })
      expect(badJson.response).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION' } } })
      const badShape = await h.inbound('wh', { id: 'x', text: 'no room or user' })
      expect(badShape.response).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION' } } })
      const big = await h.inbound('wh', event({ text: 'x'.repeat(5000) }))
      expect(big.response).toMatchObject({ status: 413, body: { error: { code: 'VALIDATION' } } })
      const unknown = await h.inbound('nope', event())
      expect(unknown.response).toMatchObject({ status: 404, body: { error: { code: 'BRIDGE_NOT_FOUND' } } })
      const disabled = await h.inbound('off', event())
      expect(disabled.response).toMatchObject({ status: 409, body: { error: { code: 'BRIDGE_DISABLED' } } })
      expect((await h.messaging.listRooms()).rooms).toEqual([])
      await expect(h.messaging.routeWebhook('nope', event())).rejects.toMatchObject({ code: 'BRIDGE_NOT_FOUND' })
    })

    it('ignores the bot\'s own messages; ingests batches in order; commands, threads and replies', async () => {
      const h = await setup()
      await h.addBridge('wh')
      const self = await h.inbound('wh', event({ self: true }))
      expect(self.response.status).toBe(200)
      expect(self.outcome!.status).toBe('noop')
      expect((await h.messaging.listRooms()).rooms).toEqual([])

      const root = event({ text: 'root' })
      const reply = event({ text: '/deploy prod now', thread: 'T-1', replyTo: root.id })
      const batch = await h.inbound('wh', { events: [root, reply] })
      expect(batch.outcomes.map((o) => o.status)).toEqual(['message', 'message'])
      const replied = batch.outcomes[1]!.message!
      expect(replied.metadata['command']).toEqual({ prefix: '/', name: 'deploy', args: 'prod now' })
      expect(replied.replyToId).toBe(batch.outcomes[0]!.message!.id)
      expect(replied.threadId).toEqual(expect.stringMatching(/^thr_/))
      const thread = await h.messaging.getThreadByExternalId(replied.roomId, 'T-1')
      expect(thread!.id).toBe(replied.threadId)
      await h.waitFor(() => h.typesSeen().includes('thread.reply_added'), 'thread signals')
      expect(h.typesSeen()).toContain('thread.created')
    })

    it('platform edits, reactions and deletes update the canonical message and emit signals', async () => {
      // an adapter whose direct payloads are already normalized events: every event kind can be driven
      const passthrough: PlatformAdapter = {
        name: 'passthrough',
        channel: 'passthrough',
        capabilities: { send: 'unsupported', edit: 'unsupported', delete: 'unsupported', reactions: 'unsupported', typing: 'unsupported',
          threads: 'unsupported', replies: 'unsupported', media: 'unsupported', webhook: false, listener: false, ingressSubscriptions: false,
          textLimit: 1000, markdown: 'none' },
        transformPayload: (_bridge, payload) => [payload as InboundEvent],
      }
      const h = await setup({ adapters: [options.createWebhookAdapter(), passthrough] })
      await h.messaging.putBridgeConfig({ id: 'pt', adapter: 'passthrough' })
      const base = { externalRoomId: 'c1', externalUserId: 'u1', externalMessageId: 'm1', media: [], chatType: 'group' as const,
        isSelf: false, timestamp: new Date().toISOString(), raw: {} }
      const created = await h.messaging.routeDirectPayload('pt', { ...base, kind: 'message', text: 'first draft' })
      const id = created.message!.id
      const at = (ms: number) => new Date(Date.parse(base.timestamp) + ms).toISOString()
      const edited = await h.messaging.routeDirectPayload('pt', { ...base, kind: 'edit', text: 'final text', timestamp: at(2000) })
      expect(edited.status).toBe('event')
      expect((await h.messaging.getMessage(id))!.content).toEqual([{ type: 'text', text: 'final text' }])
      // A late retry of an earlier edit (older platform time) does not bring back the older text.
      const late = await h.messaging.routeDirectPayload('pt', { ...base, kind: 'edit', text: 'second draft', timestamp: at(1000) })
      expect(late.reason).toBe('stale_edit')
      expect((await h.messaging.getMessage(id))!.content).toEqual([{ type: 'text', text: 'final text' }])
      await h.messaging.routeDirectPayload('pt', { ...base, kind: 'reaction', externalUserId: 'u2', text: '', reaction: { emoji: '🔥', added: true } })
      const reacted = (await h.messaging.getMessage(id))!
      expect(Object.keys(reacted.reactions)).toEqual(['🔥'])
      await h.messaging.routeDirectPayload('pt', { ...base, kind: 'reaction', externalUserId: 'u2', text: '', reaction: { emoji: '🔥', added: false } })
      expect((await h.messaging.getMessage(id))!.reactions).toEqual({})
      // With the platform's event ids: a retry of an applied event is a duplicate, so a reaction removed
      // after it was added does not come back when the add is delivered again.
      const add = { ...base, kind: 'reaction', externalUserId: 'u3', text: '', reaction: { emoji: '👍', added: true }, eventId: 'ev-add' }
      expect((await h.messaging.routeDirectPayload('pt', add)).status).toBe('event')
      expect((await h.messaging.getMessage(id))!.reactions).toEqual({ '👍': [expect.any(String)] })
      await h.messaging.routeDirectPayload('pt', { ...add, reaction: { emoji: '👍', added: false }, eventId: 'ev-remove' })
      expect(await h.messaging.routeDirectPayload('pt', add)).toMatchObject({ status: 'duplicate', reason: 'already applied' })
      expect((await h.messaging.getMessage(id))!.reactions).toEqual({})
      // An event id seen for a message not ingested yet is not remembered: its retry applies later.
      const early = { ...base, externalMessageId: 'm-later', kind: 'edit', text: 'edited early', eventId: 'ev-early' }
      expect((await h.messaging.routeDirectPayload('pt', early)).reason).toBe('unknown_message')
      const later = await h.messaging.routeDirectPayload('pt', { ...base, externalMessageId: 'm-later', kind: 'message', text: 'original' })
      expect((await h.messaging.routeDirectPayload('pt', early)).reason).toBe('edited')
      expect((await h.messaging.getMessage(later.message!.id))!.content).toEqual([{ type: 'text', text: 'edited early' }])
      await h.messaging.routeDirectPayload('pt', { ...base, kind: 'delete', text: '' })
      expect(await h.messaging.getMessage(id)).toBeNull()
      expect((await h.messaging.routeDirectPayload('pt', { ...base, kind: 'edit', text: 'too late' })).reason).toBe('unknown_message')
      await h.waitFor(() => h.typesSeen().includes('message.deleted'), 'message.deleted')
      expect(h.typesSeen().filter((t) => t.startsWith('message.'))).toEqual(
        ['message.received', 'message.edited', 'message.reaction_added', 'message.reaction_removed',
          'message.reaction_added', 'message.reaction_removed', 'message.received', 'message.edited', 'message.deleted'])
    })

    it('routeDirectPayload ingests without a signature', async () => {
      const h = await setup()
      await h.addBridge('wh')
      const outcome = await h.messaging.routeDirectPayload('wh', event({ text: 'direct' }))
      expect(outcome.status).toBe('message')
      expect(outcome.message!.content).toEqual([{ type: 'text', text: 'direct' }])
    })

    it('gating and moderation hooks: reject, flag, and the declared fallback on timeout', async () => {
      const h = await setup({
        ingest: {
          gating: { run: ({ event: e }) => (e.text.includes('spam') ? { action: 'reject', reason: 'spam' } : { action: 'allow' }), fallback: 'allow' },
          moderation: {
            run: async ({ event: e }) => {
              if (e.text.includes('slow')) await new Promise((r) => setTimeout(r, 500))
              return e.text.includes('rude') ? { action: 'flag', reason: 'rude' } : { action: 'allow' }
            },
            timeoutMs: 50,
            fallback: 'reject',
          },
        },
      })
      await h.addBridge('wh')
      const spam = await h.inbound('wh', event({ text: 'buy spam' }))
      expect(spam.response.status).toBe(200)
      expect(spam.outcome).toMatchObject({ status: 'rejected', reason: 'gating: spam' })
      const rude = await h.inbound('wh', event({ text: 'rude words' }))
      expect(rude.outcome!.message!.metadata['moderation']).toEqual({ flagged: true, reason: 'rude' })
      const slow = await h.inbound('wh', event({ text: 'slow one' }))
      expect(slow.outcome!.status).toBe('rejected')
      expect(slow.outcome!.reason).toMatch(/timed out/)
      const room = await h.messaging.getRoomByExternalBinding('webhook', 'wh', 'chat-1')
      expect((await h.messaging.listMessages(room!.id)).messages.map((m) => m.content[0])).toEqual([{ type: 'text', text: 'rude words' }])
    })
  })
}
