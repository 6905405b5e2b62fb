import type { OutboundMessage, SendResult } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { expectAdapterError } from './assertions.js'
import type { SuiteContext } from './context.js'
import type { FakeOperation } from './types.js'

let deliveries = 0

export function outboundCases(ctx: SuiteContext): void {
  const { fake, capabilities: caps } = ctx
  const cannotSend = caps.send === 'unsupported'

  function message(text: string, extra: Partial<OutboundMessage> = {}): OutboundMessage {
    deliveries += 1
    return { deliveryId: `dlv_conformance_${process.pid}_${deliveries}`, externalRoomId: ctx.session().target.externalRoomId, text, ...extra }
  }
  async function send(m: OutboundMessage): Promise<SendResult> {
    return ctx.adapter().send!(ctx.session().bridge, m)
  }
  async function operations(op: FakeOperation['op']): Promise<FakeOperation[]> {
    return (await fake.operations()).filter((o) => o.op === op)
  }

  // The send cases skip only for an adapter that declares send unsupported (a listen-only adapter);
  // every adapter in this repository can send, so none of them skips here.
  describe('outbound', () => {
    it.skipIf(cannotSend)('sends to the room, thread and reply target and returns the platform id', async () => {
      const { target } = ctx.session()
      const extra: Partial<OutboundMessage> = {}
      // A thread and a reply are sent only where the adapter declares them and the fake has them.
      if (caps.threads !== 'unsupported' && target.externalThreadId) extra.externalThreadId = target.externalThreadId
      if (caps.replies !== 'unsupported' && target.externalReplyToId) extra.externalReplyToId = target.externalReplyToId
      const result = await send(message('conformance: hello', extra))
      expect(typeof result.externalMessageId).toBe('string')
      expect(result.externalMessageId).not.toBe('')
      expect(await operations('send')).toEqual([
        { op: 'send', externalRoomId: target.externalRoomId, externalMessageId: result.externalMessageId, text: 'conformance: hello', ...extra },
      ])
    })

    it.skipIf(cannotSend)('sends a plain message without thread or reply', async () => {
      const result = await send(message('conformance: plain'))
      const [sent] = await operations('send')
      expect(sent).toEqual({ op: 'send', externalRoomId: ctx.session().target.externalRoomId, externalMessageId: result.externalMessageId, text: 'conformance: plain' })
    })

    // Only for adapters that declare uploads (Slack, Discord); the others get labels from core instead.
    it.skipIf(cannotSend || caps.uploads === undefined)('uploads files with a message: the platform holds their bytes', async () => {
      const image = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 255])
      const pdf = new TextEncoder().encode('%PDF-1.7 conformance')
      const result = await send(message('conformance: with files', {
        uploads: [
          { type: 'image', data: image, filename: 'chart.png', mediaType: 'image/png', altText: 'a chart' },
          { type: 'file', data: pdf, filename: 'report.pdf', mediaType: 'application/pdf' },
        ],
      }))
      expect(result.externalMessageId).not.toBe('')
      const { externalRoomId } = ctx.session().target
      expect((await operations('send')).map((o) => o.op === 'send' && o.text)).toEqual(['conformance: with files'])
      const b64 = (data: Uint8Array) => Buffer.from(data).toString('base64')
      expect((await operations('upload')).map((o) => (o.op === 'upload' ? { ...o, data: b64(o.data) } : o))).toEqual([
        { op: 'upload', externalRoomId, filename: 'chart.png', data: b64(image) },
        { op: 'upload', externalRoomId, filename: 'report.pdf', data: b64(pdf) },
      ])
    })

    it.skipIf(cannotSend)('surfaces a 429 as a retryable AdapterError with the platform delay', async () => {
      fake.failNext(1, { status: 429, retryAfterSeconds: 7 })
      await expectAdapterError(send(message('conformance: limited')), { retryable: true, retryAfterMs: 7000, status: 429 })
      expect(await operations('send')).toEqual([])
      // The failure was one response, not a broken adapter: the next send goes through.
      await send(message('conformance: after the limit'))
      expect(await operations('send')).toHaveLength(1)
    })

    it.skipIf(cannotSend)('surfaces a 4xx as a non-retryable AdapterError', async () => {
      fake.failNext(1, { status: 400 })
      await expectAdapterError(send(message('conformance: refused')), { retryable: false, status: 400 })
      expect(await operations('send')).toEqual([])
    })

    it.skipIf(cannotSend)('surfaces a 5xx as a retryable AdapterError', async () => {
      fake.failNext(1, { status: 503 })
      await expectAdapterError(send(message('conformance: unavailable')), { retryable: true, status: 503 })
    })

    it.skipIf(cannotSend)('treats an unreachable platform as retryable', async () => {
      await fake.stop()
      const error = await send(message('conformance: nobody home')).then(
        () => expect.unreachable('send to a stopped fake resolved'),
        (err: unknown) => err,
      )
      // The contract treats any error that is not an AdapterError as retryable; an AdapterError must say so.
      expect((error as { retryable?: unknown }).retryable).not.toBe(false)
    })

    // Each operation is exercised against the fake when declared; when declared unsupported, the adapter
    // must not have the member (core then reports UNSUPPORTED instead of calling it).
    const operation = (
      capability: 'edit' | 'delete' | 'reactions' | 'typing',
      members: Array<'edit' | 'delete' | 'addReaction' | 'removeReaction' | 'startTyping'>,
      title: string,
      body: () => Promise<void>,
    ) => {
      if (caps[capability] === 'unsupported') {
        it(`declares ${capability} unsupported and has no ${members.join('/')}`, () => {
          for (const m of members) expect(ctx.adapter()[m], m).toBeUndefined()
        })
      } else {
        it(title, body)
      }
    }

    operation('edit', ['edit'], 'edits a sent message on the platform', async () => {
      const { externalMessageId } = await send(message('conformance: before'))
      const { externalRoomId } = ctx.session().target
      await ctx.adapter().edit!(ctx.session().bridge, { externalRoomId, externalMessageId, text: 'conformance: after' })
      expect(await operations('edit')).toEqual([{ op: 'edit', externalRoomId, externalMessageId, text: 'conformance: after' }])
    })

    operation('delete', ['delete'], 'deletes a sent message on the platform', async () => {
      const { externalMessageId } = await send(message('conformance: doomed'))
      const { externalRoomId } = ctx.session().target
      await ctx.adapter().delete!(ctx.session().bridge, { externalRoomId, externalMessageId })
      expect(await operations('delete')).toEqual([{ op: 'delete', externalRoomId, externalMessageId }])
    })

    operation('reactions', ['addReaction', 'removeReaction'], 'adds and removes a reaction on the platform', async () => {
      const { externalMessageId } = await send(message('conformance: react to me'))
      const { externalRoomId } = ctx.session().target
      const target = { externalRoomId, externalMessageId, emoji: '👍' }
      await ctx.adapter().addReaction!(ctx.session().bridge, target)
      expect(await operations('addReaction')).toEqual([{ op: 'addReaction', ...target }])
      await ctx.adapter().removeReaction!(ctx.session().bridge, target)
      expect(await operations('removeReaction')).toEqual([{ op: 'removeReaction', ...target }])
    })

    operation('typing', ['startTyping'], 'starts typing on the platform', async () => {
      const { externalRoomId } = ctx.session().target
      await ctx.adapter().startTyping!(ctx.session().bridge, { externalRoomId })
      expect(await operations('startTyping')).toEqual([{ op: 'startTyping', externalRoomId }])
    })
  })
}
