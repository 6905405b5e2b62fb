import type { Message } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { event, useBridge, type BridgeConformanceOptions } from './harness.js'

const textOf = (m: Message) => m.content.map((b) => (b.type === 'text' ? b.text : '')).join('')

/** Agents in rooms bound to a platform: replies go out through the outbox into the right thread. */
export function agentBridgeCases(options: BridgeConformanceOptions): void {
  const setup = useBridge(options)

  describe('agents on a bound room', { timeout: 60_000 }, () => {
    it('an echo agent answers an ingested message on the platform, in its thread', async () => {
      const h = await setup()
      const rx = await h.addBridge('wh')
      const room = await h.messaging.ensureBridgeRoom({ bindings: [{ channel: 'webhook', bridgeId: 'wh', externalRoomId: 'chat-1' }] })
      await h.messaging.registerAgent(room.id, { id: 'echo', trigger: 'all', handler: (m) => `echo: ${textOf(m)}` })
      await h.inbound('wh', event({ id: 'top-1', text: 'hello there' }))
      await h.inbound('wh', event({ id: 'in-thread-1', text: 'threaded', thread: 'root-9' }))
      await h.waitFor(() => rx.deliveries.length === 2, 'two platform replies', 30_000)
      const byText = new Map(rx.deliveries.map((d) => [d.body.text, d.body]))
      expect(byText.get('echo: hello there')).toMatchObject({ room: 'chat-1', replyTo: 'top-1' })
      expect(byText.get('echo: hello there')!.thread).toBeUndefined()
      expect(byText.get('echo: threaded')).toMatchObject({ room: 'chat-1', thread: 'root-9' })
    })

    it('an @mention of exactly one agent opens a thread on the message and assigns it; the thread goes on with that agent', async () => {
      const h = await setup()
      const rx = await h.addBridge('wh')
      const room = await h.messaging.ensureBridgeRoom({ bindings: [{ channel: 'webhook', bridgeId: 'wh', externalRoomId: 'chat-1' }] })
      const seen: string[] = []
      await h.messaging.registerAgent(room.id, { id: 'helper', trigger: 'mention', mentionHandles: ['helper'], handler: (m) => {
        seen.push(textOf(m))
        return `on it: ${textOf(m)}`
      } })
      await h.messaging.registerAgent(room.id, { id: 'other', trigger: 'mention', mentionHandles: ['other'], handler: () => 'other' })
      const { outcome } = await h.inbound('wh', event({ id: 'ask-1', text: '@helper can you look?' }))
      expect(outcome).toMatchObject({ status: 'message', thread: { rootMessageId: outcome!.message!.id, assignedAgentId: 'helper', externalThreadId: 'ask-1' } })
      const threadId = outcome!.thread!.id
      expect(await h.messaging.getThreadAssignment(room.id, threadId)).toEqual({ roomId: room.id, threadId, agentId: 'helper' })
      // A later message in that platform thread, without a mention, still goes to the assigned agent.
      await h.inbound('wh', event({ id: 'follow-1', text: 'and also this', thread: 'ask-1' }))
      await h.waitFor(() => rx.deliveries.length === 2, 'two replies in the thread', 30_000)
      expect(rx.deliveries.map((d) => d.body.thread)).toEqual(['ask-1', 'ask-1'])
      expect(seen).toEqual(['@helper can you look?', 'and also this'])
      // Two agents mentioned: no thread is opened for either.
      const both = await h.inbound('wh', event({ id: 'ask-2', text: '@helper @other both?' }))
      expect(both.outcome!.thread).toBeUndefined()
      expect(h.typesSeen().filter((t) => t === 'thread.assigned')).toHaveLength(1)
    })
  })
}
