import type { Message, Signal } from '@jido-messaging/core'
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

    it('a streamed reply: typing while the handler runs, one platform message edited as text arrives, one canonical message stored', async () => {
      const h = await setup({}, { edit: true, typing: true })
      const rx = await h.addBridge('wh')
      const room = await h.messaging.ensureBridgeRoom({ bindings: [{ channel: 'webhook', bridgeId: 'wh', externalRoomId: 'chat-1' }] })
      const shown = () => (rx.deliveries.length === 0 ? undefined : rx.textOf(rx.deliveries[0]!.id))
      await h.messaging.registerAgent(room.id, {
        id: 'streamer', trigger: 'all', streaming: { editIntervalMs: 0 },
        async * handler() {
          // Nothing written yet: the platform shows the agent typing.
          await h.waitFor(() => rx.typing.length > 0, 'typing on the platform')
          yield 'Hello'
          await h.waitFor(() => shown() === 'Hello', 'the first text on the platform')
          yield ', wor'
          yield 'ld'
          await h.waitFor(() => shown() === 'Hello, world', 'the preview edited')
          yield '!'
        },
      })
      await h.inbound('wh', event({ id: 'q-1', text: 'say hello' }))
      await h.waitFor(() => h.signals.some((s) => s.type === 'jido.messaging.agent.completed'), 'agent.completed', 30_000)
      await h.waitFor(() => shown() === 'Hello, world!', 'the final text on the platform', 30_000)
      // One platform message, sent once (as a reply to the question) and only edited afterwards.
      expect(rx.deliveries).toHaveLength(1)
      expect(rx.deliveries[0]!.body).toMatchObject({ room: 'chat-1', replyTo: 'q-1' })
      expect(rx.edits.length).toBeGreaterThanOrEqual(2)
      expect(new Set(rx.edits.map((e) => e.messageId))).toEqual(new Set([rx.deliveries[0]!.id]))
      expect(rx.edits.at(-1)!.text).toBe('Hello, world!')
      expect(rx.typing[0]).toMatchObject({ room: 'chat-1' })
      // One canonical message, complete, whose platform id is the streamed one.
      const replies = (await h.messaging.listMessages(room.id)).messages.filter((m) => m.role === 'assistant')
      expect(replies.map(textOf)).toEqual(['Hello, world!'])
      await h.waitFor(async () => ((await h.messaging.getMessage(replies[0]!.id))!.metadata['externalIds'] as Record<string, string[]> | undefined)?.['wh'] !== undefined, 'the delivery recorded')
      expect((await h.messaging.getMessage(replies[0]!.id))!.metadata['externalIds']).toEqual({ wh: [rx.deliveries[0]!.id] })
      expect(h.signals.filter((s: Signal) => s.type === 'jido.messaging.room.message_added' && (s.data?.['message'] as Message).role === 'assistant')).toHaveLength(1)
    })

    it('a streamed reply longer than the platform limit: the preview becomes the first chunk, the rest follow as new messages', async () => {
      const h = await setup({}, { edit: true, textLimit: 100 })
      const rx = await h.addBridge('wh')
      const room = await h.messaging.ensureBridgeRoom({ bindings: [{ channel: 'webhook', bridgeId: 'wh', externalRoomId: 'chat-1' }] })
      const words = Array.from({ length: 60 }, (_, i) => `word${i}`)
      await h.messaging.registerAgent(room.id, {
        id: 'long', trigger: 'all', streaming: { editIntervalMs: 0 },
        async * handler() {
          for (const w of words) {
            yield `${w} `
            await new Promise((r) => setTimeout(r, 2))
          }
        },
      })
      await h.inbound('wh', event({ id: 'q-2', text: 'tell me a lot' }))
      const full = words.map((w) => `${w} `).join('')
      await h.waitFor(() => rx.deliveries.length >= 2 && rx.deliveries.map((d) => rx.textOf(d.id)).join(' ').replace(/\s+/g, ' ').trim() === full.trim(), 'every chunk on the platform', 30_000)
      for (const d of rx.deliveries) expect(rx.textOf(d.id)!.length).toBeLessThanOrEqual(100)
      for (const e of rx.edits) expect(e.text.length).toBeLessThanOrEqual(100)
      const replies = (await h.messaging.listMessages(room.id)).messages.filter((m) => m.role === 'assistant')
      expect(replies.map(textOf)).toEqual([full])
    })

    it('on a platform that cannot edit, a streamed reply arrives once, complete; typing only where the adapter has it', async () => {
      const h = await setup()
      const rx = await h.addBridge('wh')
      const room = await h.messaging.ensureBridgeRoom({ bindings: [{ channel: 'webhook', bridgeId: 'wh', externalRoomId: 'chat-1' }] })
      await h.messaging.registerAgent(room.id, {
        id: 'streamer', trigger: 'all',
        async * handler() {
          yield 'one, '
          await new Promise((r) => setTimeout(r, 20))
          yield 'two'
        },
      })
      await h.inbound('wh', event({ id: 'q-3', text: 'count' }))
      await h.waitFor(() => rx.deliveries.length === 1, 'the reply', 30_000)
      expect(rx.deliveries[0]!.body.text).toBe('one, two')
      expect(rx.edits).toEqual([])
      expect(rx.typing).toEqual([])
    })

    it('a stream that fails midway emits agent.failed, marks its preview as interrupted and stores no reply', async () => {
      const h = await setup({}, { edit: true })
      const rx = await h.addBridge('wh')
      const room = await h.messaging.ensureBridgeRoom({ bindings: [{ channel: 'webhook', bridgeId: 'wh', externalRoomId: 'chat-1' }] })
      await h.messaging.registerAgent(room.id, {
        id: 'flaky', trigger: 'all', streaming: { editIntervalMs: 0 },
        async * handler() {
          yield 'partial answer'
          await h.waitFor(() => rx.deliveries.length === 1, 'the preview')
          throw new Error('model went away')
        },
      })
      await h.inbound('wh', event({ id: 'q-4', text: 'ask' }))
      await h.waitFor(() => h.signals.some((s) => s.type === 'jido.messaging.agent.failed'), 'agent.failed', 30_000)
      await h.waitFor(() => rx.textOf(rx.deliveries[0]!.id)!.endsWith('[reply interrupted]'), 'the preview marked', 30_000)
      expect(rx.textOf(rx.deliveries[0]!.id)).toBe('partial answer [reply interrupted]')
      expect(h.signals.find((s) => s.type === 'jido.messaging.agent.failed')!.data).toMatchObject({ agentId: 'flaky', error: 'model went away' })
      expect((await h.messaging.listMessages(room.id)).messages.filter((m) => m.role === 'assistant')).toEqual([])
    })

    it('ctx.reply takes a stream too; a plain reply shows typing while the handler works', async () => {
      const h = await setup({}, { edit: true, typing: true })
      const rx = await h.addBridge('wh')
      const room = await h.messaging.ensureBridgeRoom({ bindings: [{ channel: 'webhook', bridgeId: 'wh', externalRoomId: 'chat-1' }] })
      await h.messaging.registerAgent(room.id, {
        id: 'replier', trigger: 'all', streaming: { editIntervalMs: 0 },
        async handler(m, ctx) {
          await h.waitFor(() => rx.typing.length > 0, 'typing')
          if (textOf(m) === 'plain') return 'plain answer'
          await ctx.reply((async function* () {
            yield 'streamed '
            yield 'through ctx'
          })())
          return null
        },
      })
      await h.inbound('wh', event({ id: 'q-5', text: 'plain' }))
      await h.waitFor(() => rx.deliveries.length === 1, 'the plain reply', 30_000)
      await h.inbound('wh', event({ id: 'q-6', text: 'stream' }))
      await h.waitFor(() => rx.deliveries.length === 2 && rx.textOf(rx.deliveries[1]!.id) === 'streamed through ctx', 'the streamed reply', 30_000)
      expect(rx.deliveries.map((d) => d.body.replyTo)).toEqual(['q-5', 'q-6'])
      const replies = (await h.messaging.listMessages(room.id)).messages.filter((m) => m.role === 'assistant')
      expect(replies.map(textOf)).toEqual(['plain answer', 'streamed through ctx'])
    })
  })
}
