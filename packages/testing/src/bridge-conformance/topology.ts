import type { InboundEvent, PlatformAdapter } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { event, INBOUND_SECRET, useBridge, type BridgeConformanceOptions } from './harness.js'

export function topologyCases(options: BridgeConformanceOptions): void {
  const setup = useBridge(options)

  describe('bridge configs, topology, mirror, workers, ingress subscriptions', () => {
    it('ensureBridgeRoom is idempotent and reports every problem at once, changing nothing', async () => {
      const h = await setup()
      const spec = {
        roomName: 'ops',
        bridgeConfigs: [{ id: 'wh1', adapter: 'webhook', credentials: { secret: INBOUND_SECRET }, options: { outboundUrl: 'http://127.0.0.1:9/x' } }],
        bindings: [{ channel: 'webhook', bridgeId: 'wh1', externalRoomId: 'ops-room' }],
        routingPolicy: { deliveryMode: 'broadcast' as const, mirror: true },
      }
      const room = await h.messaging.ensureBridgeRoom(spec)
      const again = await h.messaging.ensureBridgeRoom(spec)
      expect(again.id).toBe(room.id)
      expect(room.externalBindings).toEqual({ webhook: { wh1: 'ops-room' } })
      expect((await h.messaging.getRoutingPolicy(room.id))!.mirror).toBe(true)
      expect((await h.messaging.listRooms()).rooms).toHaveLength(1)
      await h.waitFor(() => h.typesSeen().includes('room.created'), 'room.created')
      expect(h.typesSeen().filter((t) => t === 'room.created')).toHaveLength(1)

      await h.messaging.putBridgeConfig({ id: 'off', adapter: 'webhook', enabled: false })
      const other = await h.messaging.createRoom()
      const err = await h.messaging.ensureBridgeRoom({
        roomId: other.id,
        bridgeConfigs: [{ id: 'dup', adapter: 'webhook' }, { id: 'dup', adapter: 'webhook' }, { id: 'x', adapter: 'nope' }],
        bindings: [
          { channel: 'webhook', bridgeId: 'missing', externalRoomId: 'r1' },
          { channel: 'webhook', bridgeId: 'off', externalRoomId: 'r2' },
          { channel: 'webhook', bridgeId: 'wh1', externalRoomId: 'ops-room' },
          { channel: 'webhook', bridgeId: 'wh1', externalRoomId: 'ops-room' },
          { channel: 'slack', bridgeId: 'wh1', externalRoomId: 'r3' },
        ],
      }).catch((e: unknown) => e)
      expect(err).toMatchObject({ code: 'TOPOLOGY' })
      const kinds = (err as { issues: Array<{ kind: string }> }).issues.map((i) => i.kind).sort()
      expect(kinds).toEqual(['binding_conflict', 'binding_conflict', 'channel_mismatch', 'disabled_bridge', 'duplicate_binding', 'duplicate_bridge_config', 'unknown_adapter', 'unknown_bridge'])
      expect(await h.messaging.getBridgeConfig('dup')).toBeNull()
      expect(await h.messaging.listRoomBindings(other.id)).toEqual([])
      expect((await h.messaging.getRoomByExternalBinding('webhook', 'wh1', 'ops-room'))!.id).toBe(room.id)
    })

    it('mirror relays a message from one bound platform to the others and never back', async () => {
      const h = await setup()
      const a = await h.addBridge('a')
      const b = await h.addBridge('b')
      const c = await h.addBridge('c')
      await h.messaging.ensureBridgeRoom({
        bindings: ['a', 'b', 'c'].map((id) => ({ channel: 'webhook', bridgeId: id, externalRoomId: `room-${id}` })),
        routingPolicy: { deliveryMode: 'broadcast', mirror: true },
      })
      const r = await h.inbound('a', event({ room: 'room-a', text: 'from a', displayName: 'Ada' }))
      expect(r.outcome!.status).toBe('message')
      await h.waitFor(() => b.deliveries.length === 1 && c.deliveries.length === 1, 'mirror to b and c')
      expect(b.deliveries[0]!.body).toMatchObject({ room: 'room-b', text: 'Ada: from a' })
      expect(c.deliveries[0]!.body).toMatchObject({ room: 'room-c', text: 'Ada: from a' })
      await h.inbound('b', event({ room: 'room-b', text: 'from b', displayName: 'Bo' }))
      await h.waitFor(() => a.deliveries.length === 1 && c.deliveries.length === 2, 'mirror from b')
      await new Promise((r2) => setTimeout(r2, 100))
      expect(a.deliveries.map((d) => d.body.text)).toEqual(['Bo: from b'])
      expect(b.deliveries.map((d) => d.body.text)).toEqual(['Ada: from a'])
    })

    it('bridge config revisions, and credentials as env references resolved at use', async () => {
      const h = await setup()
      const rx = await h.addBridge('tmp')
      process.env['JIDO_TEST_WEBHOOK_SECRET'] = INBOUND_SECRET
      await h.messaging.putBridgeConfig({ id: 'env', adapter: 'webhook', credentials: { secret: 'env:JIDO_TEST_WEBHOOK_SECRET' }, options: { outboundUrl: rx.url }, revision: 0 })
      await expect(h.messaging.putBridgeConfig({ id: 'env', adapter: 'webhook', revision: 0 })).rejects.toMatchObject({ code: 'REVISION_CONFLICT', details: { expected: 0, actual: 1 } })
      expect((await h.inbound('env', event())).response.status).toBe(200)
      await h.messaging.putBridgeConfig({ id: 'env2', adapter: 'webhook', credentials: { secret: 'env:JIDO_TEST_UNSET_SECRET' } })
      const unset = await h.inbound('env2', event())
      expect(unset.response).toMatchObject({ status: 500, body: { error: { code: 'VALIDATION' } } })
      expect(JSON.stringify(unset.response.body)).not.toContain(INBOUND_SECRET)
      delete process.env['JIDO_TEST_WEBHOOK_SECRET']
    })

    it('ingress subscriptions for a webhook bridge ask for a manual step with the URL', async () => {
      const h = await setup()
      await h.addBridge('wh')
      const sub = await h.messaging.ensureIngressSubscription('wh', { url: 'https://gw.example.test/webhooks/wh' })
      expect(sub).toMatchObject({ bridgeId: 'wh', adapter: 'webhook', status: 'manual_action_required', url: 'https://gw.example.test/webhooks/wh' })
      expect(await h.messaging.listIngressSubscriptions('wh')).toEqual([sub])
      expect(await h.messaging.deleteIngressSubscription('wh', sub.id)).toBe(true)
      expect(await h.messaging.listIngressSubscriptions('wh')).toEqual([])
      await expect(h.messaging.ensureIngressSubscription('nope')).rejects.toMatchObject({ code: 'BRIDGE_NOT_FOUND' })
    })

    it('bridge workers run listeners, restart them with backoff, reconcile on config changes, report status', async () => {
      let starts = 0
      let failFirst = true
      let push: ((e: InboundEvent) => Promise<unknown>) | undefined
      const listening: PlatformAdapter = {
        name: 'listening',
        channel: 'listening',
        capabilities: { send: 'unsupported', edit: 'unsupported', delete: 'unsupported', reactions: 'unsupported', typing: 'unsupported',
          threads: 'unsupported', replies: 'unsupported', media: 'unsupported', webhook: false, listener: true, ingressSubscriptions: false,
          textLimit: 1000, markdown: 'none' },
        defaultIngressMode: 'gateway',
        async startListener(_bridge, ctx) {
          starts++
          if (failFirst) {
            failFirst = false
            throw new Error('gateway unreachable')
          }
          push = ctx.ingest
          let close!: () => void
          const closed = new Promise<void>((r) => (close = r))
          return { closed, stop: async () => close() }
        },
      }
      const h = await setup({ adapters: [options.createWebhookAdapter(), listening], bridgeWorkers: { restartBaseMs: 20, reconcileMs: 60_000 } })
      await h.messaging.putBridgeConfig({ id: 'gw', adapter: 'listening' })
      await h.waitFor(async () => (await h.messaging.bridgeStatus('gw'))?.state === 'running', 'listener running')
      const status = (await h.messaging.bridgeStatus('gw'))!
      expect(status).toMatchObject({ bridgeId: 'gw', adapter: 'listening', enabled: true, revision: 1, listenerCount: 1, restarts: 1, lastError: 'gateway unreachable' })
      expect(starts).toBe(2)
      expect((await h.messaging.listRunningBridgeWorkers()).map((s) => s.bridgeId)).toEqual(['gw'])
      const outcome = (await push!({ kind: 'message', externalRoomId: 'c1', externalUserId: 'u1', externalMessageId: 'm1', text: 'via listener',
        media: [], chatType: 'group', isSelf: false, timestamp: new Date().toISOString(), raw: {} })) as { status: string }
      expect(outcome.status).toBe('message')
      expect((await h.messaging.bridgeStatus('gw'))!.lastIngressAt).toEqual(expect.any(String))

      await h.messaging.putBridgeConfig({ id: 'gw', adapter: 'listening', enabled: false })
      await h.waitFor(async () => (await h.messaging.bridgeStatus('gw'))?.state === 'stopped', 'listener stopped')
      expect(await h.messaging.listRunningBridgeWorkers()).toEqual([])
      // The status is read from the worker at once; its signal reaches subscribers after its commit.
      const transitions = () => h.signals.filter((s) => s.type === 'jido.messaging.bridge.status_changed').map((s) => s.data!['to'])
      await h.waitFor(() => transitions().includes('stopped'), 'the stopped signal', 30_000)
      expect(transitions()).toEqual(expect.arrayContaining(['starting', 'backoff', 'running', 'stopped']))
      expect(await h.messaging.bridgeStatus('nope')).toBeNull()
    })
  })
}
