import { describe, expect, it } from 'vitest'
import { event, useBridge, type BridgeConformanceOptions } from './harness.js'

export function outboundCases(options: BridgeConformanceOptions): void {
  const setup = useBridge(options)

  async function boundRoom(h: Awaited<ReturnType<typeof setup>>, bridges: string[], policy?: Record<string, unknown>) {
    return h.messaging.ensureBridgeRoom({
      roomName: 'bridged',
      bindings: bridges.map((b) => ({ channel: 'webhook', bridgeId: b, externalRoomId: `room-${b}` })),
      ...(policy ? { routingPolicy: policy } : {}),
    })
  }

  describe('outbound delivery', () => {
    it('routeOutbound delivers, records platform ids, updates status and emits message.sent', async () => {
      const h = await setup()
      const rx = await h.addBridge('wh')
      const room = await boundRoom(h, ['wh'])
      expect(await h.messaging.resolveOutboundRoutes(room.id)).toEqual([
        expect.objectContaining({ bridgeId: 'wh', channel: 'webhook', externalRoomId: 'room-wh', adapter: 'webhook' }),
      ])
      const result = await h.messaging.routeOutbound(room.id, 'Hello platform', { senderId: 'agent_1' })
      expect(result.deliveries).toEqual([expect.objectContaining({ bridgeId: 'wh', externalRoomId: 'room-wh', status: 'sent', externalIds: [rx.deliveries[0]!.id] })])
      expect(rx.deliveries.map((d) => d.body)).toEqual([{ deliveryId: result.deliveries[0]!.id, room: 'room-wh', text: 'Hello platform' }])
      await h.waitFor(async () => (await h.messaging.getMessage(result.message.id))!.status === 'sent', 'status sent')
      const stored = (await h.messaging.getMessage(result.message.id))!
      expect(stored.metadata['externalIds']).toEqual({ wh: [rx.deliveries[0]!.id] })
      expect((await h.messaging.getMessageByExternalId('webhook', 'wh', rx.deliveries[0]!.id))!.id).toBe(stored.id)
      await h.waitFor(() => h.typesSeen().includes('message.sent'), 'message.sent')
      expect(h.signals.find((s) => s.type.endsWith('message.sent'))!.data).toMatchObject({ roomId: room.id, messageId: stored.id, bridgeId: 'wh', externalIds: [rx.deliveries[0]!.id] })
    })

    it('postMessage into a bound room reaches its platforms by default; deliver: false keeps it local', async () => {
      const h = await setup()
      const rx = await h.addBridge('wh')
      const room = await boundRoom(h, ['wh'])
      const { message, signals } = await h.messaging.postMessage(
        { roomId: room.id, senderId: 'agent_1', role: 'assistant', content: [{ type: 'text', text: 'posted and delivered' }] })
      expect(signals.map((s) => s.type)).toEqual(['jido.messaging.room.message_added'])
      await h.waitFor(() => rx.deliveries.length === 1, 'delivery of the posted message')
      expect(rx.deliveries[0]!.body).toMatchObject({ room: 'room-wh', text: 'posted and delivered' })
      await h.waitFor(async () => ((await h.messaging.getMessage(message.id))!.metadata['externalIds'] as object | undefined) !== undefined, 'external ids')
      const plain = await h.messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: [{ type: 'text', text: 'local only' }] }, { deliver: false })
      const explicit = await h.messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: [{ type: 'text', text: 'explicitly delivered' }] }, { deliver: true })
      await h.waitFor(() => rx.deliveries.length === 2, 'the explicitly delivered message')
      expect(rx.deliveries.map((d) => d.body.text)).toEqual(['posted and delivered', 'explicitly delivered'])
      expect(plain.message.status).toBe('sent')
      expect(explicit.message.id).not.toBe(plain.message.id)
    })

    it('a reply in a thread goes into the platform thread as a platform reply', async () => {
      const h = await setup()
      const rx = await h.addBridge('wh')
      const inbound = await h.inbound('wh', event({ room: 'room-wh', text: 'question', thread: 'T-9' }))
      const asked = inbound.outcome!.message!
      await h.messaging.routeOutbound(asked.roomId, 'answer', { threadId: asked.threadId!, replyToId: asked.id })
      expect(rx.deliveries[0]!.body).toMatchObject({ room: 'room-wh', text: 'answer', thread: 'T-9', replyTo: asked.externalId })
    })

    it('NO_ROUTES without a usable binding; NOT_FOUND for an unknown room', async () => {
      const h = await setup()
      const room = await h.messaging.createRoom()
      await expect(h.messaging.routeOutbound(room.id, 'x')).rejects.toMatchObject({ code: 'NO_ROUTES' })
      await expect(h.messaging.routeOutbound('room_nope', 'x')).rejects.toMatchObject({ code: 'NOT_FOUND' })
    })

    it('retries 5xx with backoff and keeps the delivery id, so the receiver sees one message', async () => {
      const h = await setup()
      const rx = await h.addBridge('wh', { deliveryPolicy: { maxAttempts: 5, baseBackoffMs: 20, maxBackoffMs: 100, deadLetter: true } })
      const room = await boundRoom(h, ['wh'])
      rx.failNext(2, { status: 503 })
      const result = await h.messaging.routeOutbound(room.id, 'eventually')
      expect(result.deliveries[0]!.status).toBe('retrying')
      await h.waitFor(() => rx.deliveries.length === 1, 'delivery after retries')
      expect(rx.attempts).toBe(3)
      expect(rx.deliveries[0]!.deliveryId).toBe(result.deliveries[0]!.id)
      await h.waitFor(async () => (await h.messaging.getMessage(result.message.id))!.status === 'sent', 'sent')
    })

    it('honours a 429 Retry-After before trying again', async () => {
      const h = await setup()
      const rx = await h.addBridge('wh', { deliveryPolicy: { maxAttempts: 5, baseBackoffMs: 1, maxBackoffMs: 5, deadLetter: true } })
      const room = await boundRoom(h, ['wh'])
      rx.failNext(1, { status: 429, retryAfterSeconds: 1 })
      const started = Date.now()
      await h.messaging.routeOutbound(room.id, 'patience')
      await h.waitFor(() => rx.deliveries.length === 1, 'delivery after Retry-After', 30_000)
      expect(Date.now() - started).toBeGreaterThanOrEqual(950)
    })

    it('rate-limits sends per conversation with a token bucket and keeps their order', async () => {
      const h = await setup()
      const rx = await h.addBridge('wh', { rateLimit: { perConversation: { perSecond: 10, burst: 1 } } })
      const room = await boundRoom(h, ['wh'])
      const started = Date.now()
      for (let i = 0; i < 5; i++) await h.messaging.routeOutbound(room.id, `m${i}`, { waitMs: 0 })
      await h.waitFor(() => rx.deliveries.length === 5, 'five deliveries')
      expect(Date.now() - started).toBeGreaterThanOrEqual(350)
      expect(rx.deliveries.map((d) => d.body.text)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4'])
    })

    it('splits long text at the adapter limit into ordered chunks that re-join to the text, one logical message', async () => {
      const h = await setup({}, { textLimit: 100 })
      const rx = await h.addBridge('wh')
      const room = await boundRoom(h, ['wh'])
      const paragraphs = Array.from({ length: 6 }, (_, i) => `Paragraph ${i} ${'word '.repeat(10).trim()}.`)
      const text = `${paragraphs.join('\n\n')}\n\n\`\`\`\ncode line one\ncode line two\n\`\`\`\nend`
      const result = await h.messaging.routeOutbound(room.id, text)
      expect(rx.deliveries.length).toBeGreaterThan(1)
      expect(rx.deliveries.map((d) => d.body.text).join('')).toBe(text)
      for (const d of rx.deliveries) expect(d.body.text.length).toBeLessThanOrEqual(100)
      expect(result.deliveries).toHaveLength(1)
      expect(result.deliveries[0]!.externalIds).toEqual(rx.deliveries.map((d) => d.id))
      expect((await h.messaging.listMessages(room.id)).messages).toHaveLength(1)
    })

    it('neutralizes mass mentions unless allowed', async () => {
      const h = await setup()
      const rx = await h.addBridge('wh')
      const room = await boundRoom(h, ['wh'])
      await h.messaging.routeOutbound(room.id, 'ping @everyone and @here')
      expect(rx.deliveries[0]!.body.text).not.toMatch(/@everyone|@here/)
      await h.messaging.routeOutbound(room.id, 'ping @everyone', { allowMassMentions: true })
      expect(rx.deliveries[1]!.body.text).toBe('ping @everyone')
    })

    it('a repeated idempotencyKey returns the first message and sends nothing new', async () => {
      const h = await setup()
      const rx = await h.addBridge('wh')
      const room = await boundRoom(h, ['wh'])
      const a = await h.messaging.routeOutbound(room.id, 'once', { idempotencyKey: 'k-1' })
      const b = await h.messaging.routeOutbound(room.id, 'once', { idempotencyKey: 'k-1' })
      expect(b.message.id).toBe(a.message.id)
      expect(rx.deliveries).toHaveLength(1)
    })

    it('broadcast reaches every route; primary only the first; best_effort fails over on a terminal failure', async () => {
      const h = await setup()
      const a = await h.addBridge('a', { deliveryPolicy: { maxAttempts: 1, baseBackoffMs: 1, maxBackoffMs: 1, deadLetter: true } })
      const b = await h.addBridge('b')
      const broadcast = await boundRoom(h, ['a', 'b'], { deliveryMode: 'broadcast' })
      const r1 = await h.messaging.routeOutbound(broadcast.id, 'to all')
      expect(r1.deliveries.map((d) => [d.bridgeId, d.status])).toEqual([['a', 'sent'], ['b', 'sent']])

      await h.messaging.putRoutingPolicy(broadcast.id, { deliveryMode: 'primary', fallbackOrder: ['b', 'a'] })
      await h.messaging.routeOutbound(broadcast.id, 'to primary')
      expect(b.deliveries.map((d) => d.body.text)).toEqual(['to all', 'to primary'])
      expect(a.deliveries.map((d) => d.body.text)).toEqual(['to all'])

      await h.messaging.putRoutingPolicy(broadcast.id, { deliveryMode: 'best_effort', failoverPolicy: 'next_available', fallbackOrder: ['a', 'b'] })
      a.failNext(1, { status: 400 })
      const r3 = await h.messaging.routeOutbound(broadcast.id, 'fail over')
      expect(r3.deliveries.map((d) => [d.bridgeId, d.status])).toEqual([['a', 'dead_lettered'], ['b', 'sent']])
      expect(b.deliveries.map((d) => d.body.text)).toContain('fail over')
    })

    it('terminal failures become dead letters; DELIVERY_FAILED; list, replay (same delivery id), archive, purge', async () => {
      const h = await setup()
      const rx = await h.addBridge('wh', { deliveryPolicy: { maxAttempts: 2, baseBackoffMs: 5, maxBackoffMs: 10, deadLetter: true } })
      const room = await boundRoom(h, ['wh'])
      rx.failNext(1, { status: 400 })
      const err = await h.messaging.routeOutbound(room.id, 'rejected').catch((e: unknown) => e)
      expect(err).toMatchObject({ code: 'DELIVERY_FAILED', details: { summary: [expect.objectContaining({ status: 'dead_lettered' })] } })
      await h.waitFor(() => h.typesSeen().includes('message.failed'), 'message.failed')
      const [dl] = (await h.messaging.listDeadLetters()).deadLetters
      expect(dl).toMatchObject({ roomId: room.id, bridgeId: 'wh', externalRoomId: 'room-wh', status: 'active', attempts: 1, reason: expect.any(String) })
      expect(await h.messaging.getDeadLetter(dl!.id)).toEqual(dl)

      const replay = await h.messaging.replayDeadLetter(dl!.id)
      expect(replay.delivery.id).toBe(dl!.deliveryId)
      await h.waitFor(() => rx.deliveries.length === 1, 'replayed delivery')
      expect(rx.deliveries[0]!.deliveryId).toBe(dl!.deliveryId)
      expect((await h.messaging.getDeadLetter(dl!.id))!.status).toBe('replayed')
      await expect(h.messaging.replayDeadLetter(dl!.id)).rejects.toMatchObject({ code: 'INVALID_TRANSITION' })

      rx.failNext(2, { status: 500 })
      await h.messaging.routeOutbound(room.id, 'exhausted').catch(() => undefined)
      await h.waitFor(async () => (await h.messaging.listDeadLetters({ status: 'active' })).deadLetters.length === 1, 'second dead letter')
      const [second] = (await h.messaging.listDeadLetters({ status: 'active' })).deadLetters
      expect(second!.attempts).toBe(2)
      expect((await h.messaging.archiveDeadLetter(second!.id)).status).toBe('archived')
      expect(await h.messaging.listDeadLetters({ status: 'active' })).toEqual({ deadLetters: [] })
      expect(await h.messaging.purgeDeadLetters({ status: 'archived' })).toBe(1)
      expect(await h.messaging.purgeDeadLetters()).toBe(1)
      expect(await h.messaging.listDeadLetters()).toEqual({ deadLetters: [] })
    })
  })
}
