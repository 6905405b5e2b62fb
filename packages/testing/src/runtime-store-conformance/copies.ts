import type { OutboxDelivery } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { isoAt, makeDeadLetter, makeDelivery, makeIngressSubscription, makeMessage, uniqueSuffix } from '../factories.js'
import { seedRoom } from '../store-conformance/context.js'
import { seedMessage, type RuntimeSuiteContext } from './context.js'

export function runtimeCopyCases(ctx: RuntimeSuiteContext): void {
  describe('runtime records are copies', () => {
    it('mutating what a runtime method returned does not change the stored record', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const message = makeMessage(room.id, { metadata: { k: 'v' } })
      const delivery = makeDelivery(room.id, message.id, { nextAttemptAt: isoAt(0) })
      const committed = await store.commitMessage({ message, deliveries: [delivery] })
      if (committed.status !== 'created') throw new Error('expected created')
      committed.message.metadata['k'] = 'mutated'
      expect((await store.getMessage(message.id))?.metadata).toEqual({ k: 'v' })

      const fetched = (await store.getDelivery(delivery.id))!
      fetched.text = 'mutated'
      const [listed] = await store.listDeliveries(message.id)
      listed!.status = 'failed'
      const [claimed] = await store.claimDeliveries({ now: isoAt(1), limit: 1, owner: 'w_1', leaseUntil: isoAt(100) })
      claimed!.leaseOwner = 'mutated'
      expect(await store.getDelivery(delivery.id)).toMatchObject({ text: 'hello', status: 'sending', leaseOwner: 'w_1' })

      const saved = await store.saveDelivery({ ...claimed!, leaseOwner: 'w_1', status: 'dead_lettered' })
      saved.text = 'mutated'
      const current = (await store.getDelivery(delivery.id))!
      expect(current.text).toBe('hello')
      const deadLetter = await store.deadLetterDelivery(current, makeDeadLetter(current))
      deadLetter.reason = 'mutated'
      ;(await store.getDeadLetter(deadLetter.id))!.reason = 'mutated'
      ;(await store.listDeadLetters({ limit: 1 })).items[0]!.reason = 'mutated'
      const replayed = (await store.replayDeadLetter(deadLetter.id, isoAt(2)))!
      replayed.deadLetter.reason = 'mutated'
      replayed.delivery.text = 'mutated'
      expect((await store.getDeadLetter(deadLetter.id))?.reason).toBe('platform rejected the message')
      expect((await store.getDelivery(delivery.id))?.text).toBe('hello')

      const bridgeId = `bridge_${uniqueSuffix()}`
      const put = await store.putIngressSubscription(makeIngressSubscription(bridgeId, { metadata: { n: 1 } }))
      put.metadata['n'] = 2
      ;(await store.listIngressSubscriptions(bridgeId))[0]!.metadata['n'] = 3
      expect((await store.listIngressSubscriptions(bridgeId))[0]?.metadata).toEqual({ n: 1 })
    })

    it('mutating a record after passing it to a runtime method does not change the stored one', async () => {
      const store = ctx.store()
      const { room, message } = await seedMessage(store)
      const delivery: OutboxDelivery = makeDelivery(room.id, message.id)
      await store.enqueueDeliveries([delivery])
      delivery.text = 'mutated'
      expect((await store.getDelivery(delivery.id))?.text).toBe('hello')

      const committed = makeMessage(room.id, { metadata: { k: 'v' } })
      const chunk = makeDelivery(room.id, committed.id)
      await store.commitMessage({ message: committed, deliveries: [chunk] })
      committed.metadata['k'] = 'mutated'
      chunk.text = 'mutated'
      expect((await store.getMessage(committed.id))?.metadata).toEqual({ k: 'v' })
      expect((await store.getDelivery(chunk.id))?.text).toBe('hello')

      const stored = (await store.getDelivery(delivery.id))!
      const deadLetter = makeDeadLetter(stored)
      await store.deadLetterDelivery({ ...stored, status: 'dead_lettered' }, deadLetter)
      deadLetter.reason = 'mutated'
      expect((await store.getDeadLetter(deadLetter.id))?.reason).toBe('platform rejected the message')

      const subscription = makeIngressSubscription(`bridge_${uniqueSuffix()}`, { metadata: { n: 1 } })
      await store.putIngressSubscription(subscription)
      subscription.metadata['n'] = 2
      expect((await store.listIngressSubscriptions(subscription.bridgeId))[0]?.metadata).toEqual({ n: 1 })
    })
  })
}
