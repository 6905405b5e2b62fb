import type { OutboxDelivery } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { isoAt, makeDelivery, uniqueSuffix } from '../factories.js'
import { byKey, expectCode, shuffled } from '../store-conformance/context.js'
import { seedMessage, type RuntimeSuiteContext } from './context.js'

export function deliveryCases(ctx: RuntimeSuiteContext): void {
  describe('outbox deliveries', () => {
    it('enqueueDeliveries stores them; listDeliveries returns a message\'s deliveries in (insertedAt, id) order', async () => {
      const store = ctx.store()
      const { room, message } = await seedMessage(store)
      const { message: other } = await seedMessage(store)
      const ticks = [3, 1, 1, 2, 1, 0]
      const deliveries = ticks.map((t, i) => makeDelivery(room.id, message.id, { insertedAt: isoAt(t), chunkIndex: i }))
      const foreign = makeDelivery(room.id, other.id)
      await store.enqueueDeliveries(shuffled([...deliveries, foreign], 5))
      expect(await store.listDeliveries(message.id)).toEqual([...deliveries].sort(byKey))
      expect(await store.listDeliveries(other.id)).toEqual([foreign])
      expect(await store.getDelivery(deliveries[0]!.id)).toEqual(deliveries[0])
      expect(await store.getDelivery(`dlv_missing_${uniqueSuffix()}`)).toBeNull()
      expect(await store.listDeliveries(`msg_missing_${uniqueSuffix()}`)).toEqual([])
      await store.enqueueDeliveries([])
    })

    it('enqueueDeliveries rejects a taken or repeated id with CONFLICT and stores nothing of that call', async () => {
      const store = ctx.store()
      const { room, message } = await seedMessage(store)
      const taken = makeDelivery(room.id, message.id, { insertedAt: isoAt(0) })
      await store.enqueueDeliveries([taken])
      const fresh = makeDelivery(room.id, message.id, { insertedAt: isoAt(1) })
      await expectCode(store.enqueueDeliveries([fresh, { ...taken, text: 'other' }]), 'CONFLICT')
      const twin = makeDelivery(room.id, message.id, { insertedAt: isoAt(2) })
      await expectCode(store.enqueueDeliveries([twin, twin]), 'CONFLICT')
      expect(await store.listDeliveries(message.id)).toEqual([taken])
    })

    it('saveDelivery replaces a delivery by id, including clearing optional fields', async () => {
      const store = ctx.store()
      const { room, message } = await seedMessage(store)
      const delivery = makeDelivery(room.id, message.id, {
        status: 'sending',
        leaseOwner: 'w_1',
        leaseUntil: isoAt(5000),
        lastError: 'timeout',
        insertedAt: isoAt(0),
      })
      await store.enqueueDeliveries([delivery])
      const sent: OutboxDelivery = { ...delivery, status: 'sent', attempts: 2, externalMessageId: 'ext_1', updatedAt: isoAt(10) }
      delete sent.leaseOwner
      delete sent.leaseUntil
      delete sent.lastError
      expect(await store.saveDelivery(sent)).toEqual(sent)
      const stored = await store.getDelivery(delivery.id)
      expect(stored).toEqual(sent)
      expect(stored).not.toHaveProperty('leaseOwner')
      expect(stored).not.toHaveProperty('lastError')
      expect(await store.listDeliveries(message.id)).toEqual([sent])
    })

    it('saveDelivery of an unknown delivery rejects NOT_FOUND and creates nothing', async () => {
      const store = ctx.store()
      const { room, message } = await seedMessage(store)
      const ghost = makeDelivery(room.id, message.id)
      await expectCode(store.saveDelivery(ghost), 'NOT_FOUND')
      expect(await store.getDelivery(ghost.id)).toBeNull()
    })
  })
}
