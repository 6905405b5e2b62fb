import type { OutboxDelivery } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { isoAt, makeDelivery, makeMessage, uniqueSuffix } from '../factories.js'
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

    it('a delivery keeps its media blocks through enqueue, commit, claim and save; without media it has none', async () => {
      const store = ctx.store()
      const { room, message } = await seedMessage(store)
      const media = [
        { type: 'image' as const, url: 'https://example.test/cat.png', mediaType: 'image/png', altText: 'a cat', width: 640, height: 480 },
        { type: 'file' as const, url: 'tg-file:BQAC', filename: 'report.pdf', size: 1234 },
      ]
      const withMedia = makeDelivery(room.id, message.id, { media, insertedAt: isoAt(0) })
      const plain = makeDelivery(room.id, message.id, { insertedAt: isoAt(1), chunkIndex: 1 })
      await store.enqueueDeliveries([withMedia, plain])
      expect(await store.getDelivery(withMedia.id)).toEqual(withMedia)
      expect(await store.getDelivery(plain.id)).not.toHaveProperty('media')
      const claimed = await store.claimDeliveries({ owner: 'w_1', now: isoAt(10), leaseUntil: isoAt(1010), limit: 10 })
      expect(claimed.find((d) => d.id === withMedia.id)?.media).toEqual(media)
      const { media: _dropped, ...withoutMedia } = withMedia
      expect(await store.saveDelivery(withoutMedia)).toEqual(withoutMedia)
      expect(await store.getDelivery(withMedia.id)).not.toHaveProperty('media')

      const posted = makeMessage(room.id)
      await store.commitMessage({ message: posted, deliveries: [makeDelivery(room.id, posted.id, { media: [media[0]!] })] })
      expect((await store.listDeliveries(posted.id))[0]?.media).toEqual([media[0]])
    })

    it('change deliveries keep their action and emoji; a send has no action; both survive claim and save', async () => {
      const store = ctx.store()
      const { room, message } = await seedMessage(store)
      const send = makeDelivery(room.id, message.id, { insertedAt: isoAt(0) })
      const edit = makeDelivery(room.id, message.id, { action: 'edit', text: 'new text', insertedAt: isoAt(1), conversationKey: 'other:1' })
      const react = makeDelivery(room.id, message.id, { action: 'react', emoji: '🎉', text: '', externalMessageId: 'ext-9', insertedAt: isoAt(2), conversationKey: 'other:2' })
      await store.enqueueDeliveries([send, edit, react])
      expect(await store.getDelivery(send.id)).not.toHaveProperty('action')
      expect(await store.getDelivery(edit.id)).toEqual(edit)
      expect(await store.getDelivery(react.id)).toEqual(react)
      const claimed = await store.claimDeliveries({ owner: 'w_1', now: isoAt(10), leaseUntil: isoAt(1010), limit: 10 })
      expect(claimed.find((d) => d.id === react.id)).toMatchObject({ action: 'react', emoji: '🎉', externalMessageId: 'ext-9' })
      const saved = await store.saveDelivery({ ...edit, status: 'sent', externalMessageId: 'ext-1' })
      expect(saved).toMatchObject({ action: 'edit', status: 'sent' })
      expect((await store.listDeliveries(message.id)).map((d) => d.action ?? 'send')).toEqual(['send', 'edit', 'react'])
    })

    it('findDeliveryByExternalId finds the sent delivery carrying a platform id on a bridge, and nothing else', async () => {
      const store = ctx.store()
      const { room, message } = await seedMessage(store)
      const other = makeMessage(room.id)
      await store.saveMessage(other)
      const first = makeDelivery(room.id, message.id, { bridgeId: 'b1', insertedAt: isoAt(0) })
      const second = makeDelivery(room.id, other.id, { bridgeId: 'b1', insertedAt: isoAt(1) })
      const elsewhere = makeDelivery(room.id, other.id, { bridgeId: 'b2', insertedAt: isoAt(2) })
      await store.enqueueDeliveries([first, second, elsewhere])
      // Not sent yet: not a platform copy.
      expect(await store.findDeliveryByExternalId('b1', 'p-1')).toBeNull()
      await store.saveDelivery({ ...first, status: 'sent', externalMessageId: 'p-1' })
      await store.saveDelivery({ ...second, status: 'sent', externalMessageId: 'p-2' })
      await store.saveDelivery({ ...elsewhere, status: 'sent', externalMessageId: 'p-1' })
      expect((await store.findDeliveryByExternalId('b1', 'p-1'))?.messageId).toBe(message.id)
      expect((await store.findDeliveryByExternalId('b1', 'p-2'))?.messageId).toBe(other.id)
      expect((await store.findDeliveryByExternalId('b2', 'p-1'))?.messageId).toBe(other.id)
      expect(await store.findDeliveryByExternalId('b2', 'p-2')).toBeNull()
      expect(await store.findDeliveryByExternalId('b3', 'p-1')).toBeNull()
      // A delivery that is no longer sent (replayed, say) is not found by its old id.
      await store.saveDelivery({ ...second, status: 'pending', externalMessageId: 'p-2' })
      expect(await store.findDeliveryByExternalId('b1', 'p-2')).toBeNull()
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
