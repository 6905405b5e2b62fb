import { createMessaging, type DeadLetter, type Messaging, type MessagingStore, type PlatformAdapter } from '@jido-messaging/core'
import { afterEach, describe, expect, it } from 'vitest'
import { isoAt, makeDeadLetter, makeDelivery } from '../factories.js'
import { text, useMessaging, type MessagingConformanceOptions } from './harness.js'

/** An adapter that does nothing: enough for ensureBridgeRoom to accept bridge configs naming it. */
const stubAdapter: PlatformAdapter = {
  name: 'stub',
  channel: 'stub',
  capabilities: {
    send: 'unsupported', edit: 'unsupported', delete: 'unsupported', reactions: 'unsupported', typing: 'unsupported',
    threads: 'unsupported', replies: 'unsupported', media: 'unsupported',
    webhook: false, listener: false, ingressSubscriptions: false, textLimit: 4096, markdown: 'none',
  },
}

const NOT_DUE = '2999-01-01T00:00:00.000Z'

/** Regression cases for defects found in review; each test names the bug it pins. */
export function reviewDefectCases(options: MessagingConformanceOptions): void {
  describe('review defects', { timeout: 60_000 }, () => {
    describe('with the conformance harness', () => {
      const h = useMessaging(options)

      it('a bridge config read with getBridgeConfig, changed and put back with its revision, is accepted (insertedAt/updatedAt ignored)', async () => {
        const { messaging } = h()
        const created = await messaging.putBridgeConfig({ id: 'cfg_roundtrip', adapter: 'webhook', options: { a: 1 } })
        const read = (await messaging.getBridgeConfig('cfg_roundtrip'))!
        const put = await messaging.putBridgeConfig({ ...read, enabled: false })
        expect(put).toMatchObject({ id: 'cfg_roundtrip', revision: 2, enabled: false, options: { a: 1 }, insertedAt: created.insertedAt })
        // the store sets the timestamps: ones given on input are ignored, not stored
        const again = await messaging.putBridgeConfig({ ...put, insertedAt: '2001-01-01T00:00:00.000Z', updatedAt: '2001-01-01T00:00:00.000Z' })
        expect(again.revision).toBe(3)
        expect(again.insertedAt).toBe(created.insertedAt)
        expect(again.updatedAt).not.toBe('2001-01-01T00:00:00.000Z')
        expect(await messaging.getBridgeConfig('cfg_roundtrip')).toEqual(again)
        // the stale read put back still conflicts
        await expect(messaging.putBridgeConfig({ ...read, enabled: true })).rejects.toMatchObject({ code: 'REVISION_CONFLICT' })
      })

      it('a routing policy read with getRoutingPolicy, changed and put back with its revision, is accepted (insertedAt/updatedAt ignored)', async () => {
        const { messaging } = h()
        const room = await messaging.createRoom()
        const created = await messaging.putRoutingPolicy(room.id, { deliveryMode: 'broadcast' })
        const read = (await messaging.getRoutingPolicy(room.id))!
        const put = await messaging.putRoutingPolicy(room.id, { ...read, mirror: true })
        expect(put).toMatchObject({ roomId: room.id, revision: 2, deliveryMode: 'broadcast', mirror: true, insertedAt: created.insertedAt })
        expect(await messaging.getRoutingPolicy(room.id)).toEqual(put)
        await expect(messaging.putRoutingPolicy(room.id, { ...read, mirror: false })).rejects.toMatchObject({ code: 'REVISION_CONFLICT' })
        // a policy read from another room is not put onto this one
        const other = await messaging.createRoom()
        await expect(messaging.putRoutingPolicy(other.id, { ...put })).rejects.toMatchObject({ code: 'VALIDATION' })
        expect(await messaging.getRoutingPolicy(other.id)).toBeNull()
      })

      it('unknown keys on bridge config and routing policy input stay VALIDATION errors and store nothing', async () => {
        const { messaging } = h()
        await expect(messaging.putBridgeConfig({ id: 'cfg_bogus', adapter: 'webhook', bogus: 1 } as never)).rejects.toMatchObject({ code: 'VALIDATION' })
        expect(await messaging.getBridgeConfig('cfg_bogus')).toBeNull()
        const room = await messaging.createRoom()
        await expect(messaging.putRoutingPolicy(room.id, { mirror: true, bogus: 1 } as never)).rejects.toMatchObject({ code: 'VALIDATION' })
        expect(await messaging.getRoutingPolicy(room.id)).toBeNull()
        await expect(messaging.putBridgeConfig({ id: 'cfg_bogus', adapter: 'webhook', insertedAt: 'not a time' } as never)).rejects.toMatchObject({ code: 'VALIDATION' })
      })

      it('participantJoined emits room.participant_joined once per participant and room, not on every call', async () => {
        const { messaging, store } = h()
        const room = await messaging.createRoom()
        const p = await messaging.createParticipant({ identity: { name: 'Ada' } })
        const first = await messaging.participantJoined(room.id, p.id, { via: 'first' })
        expect(first.signals.map((s) => s.type)).toEqual(['jido.messaging.room.participant_joined'])
        const members = await store.listRoomMembers(room.id)
        expect(members).toHaveLength(1)
        expect(await messaging.participantJoined(room.id, p.id, { via: 'again' })).toEqual({ signals: [] })
        expect(await messaging.participantJoined(room.id, p.id)).toEqual({ signals: [] })
        expect(await store.listRoomMembers(room.id)).toEqual(members)
        const journaled = await messaging.readSignals({ pattern: 'jido.messaging.room.participant_joined', roomId: room.id })
        expect(journaled.signals.map((s) => s.id)).toEqual([first.signals[0]!.id])
        // after leaving, joining again is a new membership and is announced again
        await messaging.participantLeft(room.id, p.id)
        expect((await messaging.participantJoined(room.id, p.id)).signals).toHaveLength(1)
      })

      it('listDeadLetters returns { deadLetters, nextCursor } so a caller can page (3 pages with limit 2)', async () => {
        const { messaging, store } = h()
        const room = await messaging.createRoom()
        const message = await messaging.saveMessage({ roomId: room.id, senderId: 'p_dl', role: 'assistant', content: text('hi') })
        const stored: DeadLetter[] = []
        for (let i = 0; i < 5; i++) {
          // never due, so the running delivery worker leaves it alone
          const queued = makeDelivery(room.id, message.id, { nextAttemptAt: NOT_DUE })
          await store.enqueueDeliveries([queued])
          stored.push(await store.deadLetterDelivery({ ...queued, status: 'dead_lettered', attempts: 5 }, makeDeadLetter(queued, { insertedAt: isoAt(i), updatedAt: isoAt(i) })))
        }
        const newestFirst = stored.map((d) => d.id).reverse()
        const pages: string[][] = []
        let cursor: string | undefined
        for (let i = 0; i < 10; i++) {
          const page = await messaging.listDeadLetters({ limit: 2, ...(cursor === undefined ? {} : { cursor }) })
          pages.push(page.deadLetters.map((d) => d.id))
          cursor = page.nextCursor
          if (cursor === undefined) break
        }
        expect(pages).toEqual([newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4)])
        // the status filter pages too
        await messaging.archiveDeadLetter(newestFirst[0]!)
        const active = await messaging.listDeadLetters({ status: 'active', limit: 2 })
        expect(active.deadLetters.map((d) => d.id)).toEqual(newestFirst.slice(1, 3))
        const rest = await messaging.listDeadLetters({ status: 'active', limit: 2, cursor: active.nextCursor! })
        expect(rest).toEqual({ deadLetters: (await Promise.all(newestFirst.slice(3).map((id) => messaging.getDeadLetter(id)))) })
        await expect(messaging.listDeadLetters({ cursor: 'garbage' })).rejects.toMatchObject({ code: 'INVALID_CURSOR' })
      })
    })

    describe('ensureBridgeRoom applies all or nothing', () => {
      const opened: Array<{ messaging: Messaging; store: MessagingStore }> = []
      afterEach(async () => {
        for (const { messaging, store } of opened.splice(0)) {
          await messaging.stop()
          await options.destroy?.(store)
        }
      })
      async function open(): Promise<Messaging> {
        const store = await options.create()
        const messaging = createMessaging({ store, instanceId: 'review-defects', adapters: [stubAdapter] })
        opened.push({ messaging, store })
        await messaging.start()
        return messaging
      }
      const issuesOf = (err: unknown) => (err as { issues: Array<Record<string, unknown>> }).issues

      it('a stale routingPolicy.revision rejects with TOPOLOGY and creates no bridge config, room or binding', async () => {
        const messaging = await open()
        const err = await messaging.ensureBridgeRoom({
          roomName: 'stale',
          bridgeConfigs: [{ id: 'stub_a', adapter: 'stub' }],
          bindings: [{ channel: 'stub', bridgeId: 'stub_a', externalRoomId: 'ext-stale' }],
          routingPolicy: { deliveryMode: 'broadcast', revision: 3 },
        }).catch((e: unknown) => e)
        expect(err).toMatchObject({ code: 'TOPOLOGY' })
        expect(issuesOf(err)).toEqual([expect.objectContaining({ kind: 'revision_conflict', expected: 3, actual: 0 })])
        expect(await messaging.listBridgeConfigs()).toEqual([])
        expect((await messaging.listRooms()).rooms).toEqual([])
        expect(await messaging.getRoomByExternalBinding('stub', 'stub_a', 'ext-stale')).toBeNull()

        // with the right revision (0: no policy yet) the same spec applies
        const room = await messaging.ensureBridgeRoom({
          roomName: 'stale',
          bridgeConfigs: [{ id: 'stub_a', adapter: 'stub' }],
          bindings: [{ channel: 'stub', bridgeId: 'stub_a', externalRoomId: 'ext-stale' }],
          routingPolicy: { deliveryMode: 'broadcast', revision: 0 },
        })
        expect(room.externalBindings).toEqual({ stub: { stub_a: 'ext-stale' } })
        expect(await messaging.getRoutingPolicy(room.id)).toMatchObject({ deliveryMode: 'broadcast', revision: 1 })
      })

      it('every stale revision on an existing room is listed and nothing of the spec is applied', async () => {
        const messaging = await open()
        const room = await messaging.createRoom({ name: 'existing' })
        const policy = await messaging.putRoutingPolicy(room.id, { deliveryMode: 'primary' })
        await messaging.putBridgeConfig({ id: 'stub_b', adapter: 'stub', options: { v: 1 } })
        const err = await messaging.ensureBridgeRoom({
          roomId: room.id,
          bridgeConfigs: [{ id: 'stub_b', adapter: 'stub', options: { v: 2 }, revision: 0 }, { id: 'stub_c', adapter: 'stub' }],
          bindings: [
            { channel: 'stub', bridgeId: 'stub_b', externalRoomId: 'ext-b' },
            { channel: 'stub', bridgeId: 'stub_c', externalRoomId: 'ext-c' },
          ],
          routingPolicy: { deliveryMode: 'broadcast', revision: 0 },
        }).catch((e: unknown) => e)
        expect(err).toMatchObject({ code: 'TOPOLOGY' })
        expect(issuesOf(err).map((i) => [i['kind'], i['expected'], i['actual']])).toEqual([
          ['revision_conflict', 0, 1],
          ['revision_conflict', 0, 1],
        ])
        expect((await messaging.getBridgeConfig('stub_b'))!.options).toEqual({ v: 1 })
        expect(await messaging.getBridgeConfig('stub_c')).toBeNull()
        expect(await messaging.listRoomBindings(room.id)).toEqual([])
        expect(await messaging.getRoutingPolicy(room.id)).toEqual(policy)
      })

      it('a routing policy read back with getRoutingPolicy is accepted by ensureBridgeRoom', async () => {
        const messaging = await open()
        const spec = {
          roomId: 'room_review_rt',
          bridgeConfigs: [{ id: 'stub_d', adapter: 'stub' }],
          bindings: [{ channel: 'stub', bridgeId: 'stub_d', externalRoomId: 'ext-d' }],
        }
        await messaging.ensureBridgeRoom({ ...spec, routingPolicy: { deliveryMode: 'primary' } })
        const config = (await messaging.getBridgeConfig('stub_d'))!
        const policy = (await messaging.getRoutingPolicy('room_review_rt'))!
        await messaging.ensureBridgeRoom({ ...spec, bridgeConfigs: [{ ...config, enabled: true }], routingPolicy: { ...policy, mirror: true } })
        expect(await messaging.getRoutingPolicy('room_review_rt')).toMatchObject({ mirror: true, revision: 2 })
        expect(await messaging.getBridgeConfig('stub_d')).toMatchObject({ revision: 2 })
      })
    })
  })
}
