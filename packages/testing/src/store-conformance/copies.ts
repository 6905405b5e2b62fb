import { describe, expect, it } from 'vitest'
import { isoAt, makeBinding, makeBridgeConfig, makeMessage, makeParticipant, makeRoom, makeRoutingPolicy, makeThread } from '../factories.js'
import { seedRoom, type SuiteContext } from './context.js'

export function copyCases(ctx: SuiteContext): void {
  describe('returned records are copies', () => {
    it('mutating a returned room, binding, participant, message or thread does not change the stored one', async () => {
      const store = ctx.store()
      const roomIn = makeRoom({ metadata: { tags: ['a'] } })
      const room = await store.createRoom(roomIn, [makeBinding(roomIn.id, { externalRoomId: 'x' })])
      const snapshot = structuredClone(room)
      room.metadata['tags'] = ['mutated']
      room.externalBindings['telegram']!['tg_main'] = 'mutated'
      const fetched = await store.getRoom(room.id)
      expect(fetched).toEqual(snapshot)
      fetched!.name = 'mutated'
      expect(await store.getRoom(room.id)).toEqual(snapshot)

      const [binding] = await store.listRoomBindings(room.id)
      binding!.externalRoomId = 'mutated'
      expect((await store.listRoomBindings(room.id))[0]?.externalRoomId).toBe('x')

      const participant = await store.createParticipant(makeParticipant({ capabilities: ['a'] }))
      participant.capabilities.push('mutated')
      expect((await store.getParticipant(participant.id))?.capabilities).toEqual(['a'])

      const message = await store.insertMessage(makeMessage(room.id, { reactions: { '👍': ['ptc_a'] } }))
      message.reactions['👍']!.push('ptc_mutated')
      ;(message.content[0] as { text: string }).text = 'mutated'
      const page = await store.listMessages({ roomId: room.id, limit: 10 })
      expect(page.messages[0]?.reactions).toEqual({ '👍': ['ptc_a'] })
      page.messages[0]!.status = 'failed'
      expect((await store.getMessage(message.id))?.status).toBe('sent')
      expect((await store.getMessage(message.id))?.content).toEqual([{ type: 'text', text: 'hello' }])

      const thread = await store.insertThread(makeThread(room.id, { metadata: { n: 1 } }))
      thread.metadata['n'] = 2
      expect((await store.getThread(thread.id))?.metadata).toEqual({ n: 1 })
    })

    it('mutating a record after passing it to the store does not change the stored one', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const message = makeMessage(room.id, { metadata: { k: 'v' } })
      await store.insertMessage(message)
      message.metadata['k'] = 'mutated'
      expect((await store.getMessage(message.id))?.metadata).toEqual({ k: 'v' })

      const config = makeBridgeConfig({ credentials: { token: 'env:A' } })
      await store.putBridgeConfig(config, { now: isoAt(1) })
      config.credentials['token'] = 'mutated'
      expect((await store.getBridgeConfig(config.id))?.credentials).toEqual({ token: 'env:A' })

      const policy = makeRoutingPolicy(room.id, { fallbackOrder: ['a'] })
      const stored = await store.putRoutingPolicy(policy, { now: isoAt(1) })
      policy.fallbackOrder.push('mutated')
      stored.fallbackOrder.push('mutated')
      expect((await store.getRoutingPolicy(room.id))?.fallbackOrder).toEqual(['a'])
    })

    it('an updater mutating its argument in place still updates only through its result', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const message = await store.insertMessage(makeMessage(room.id))
      await store.updateMessage(message.id, (m) => {
        m.status = 'failed'
        return undefined
      })
      expect(await store.getMessage(message.id)).toEqual(message)
    })
  })
}
