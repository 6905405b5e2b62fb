import type { InboundEvent, WebhookRequest } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { expectInboundShape } from './assertions.js'
import type { SuiteContext } from './context.js'
import type { ExpectedInbound, RecordedPayload } from './types.js'

export function inboundCases(ctx: SuiteContext): void {
  const { fake, capabilities } = ctx
  const payloads = fake.recordedPayloads
  const first = payloads[0]
  // Adapters without webhook ingest (listener only) are proven through transformPayload instead.
  const cannotParse = !capabilities.webhook && !ctx.declared.transformPayload

  async function signed(payload: unknown): Promise<WebhookRequest> {
    if (!fake.signedRequest) throw new Error('[testing] a fake for a webhook adapter must implement signedRequest')
    return fake.signedRequest(payload)
  }

  async function parsed(recorded: RecordedPayload): Promise<InboundEvent[]> {
    const adapter = ctx.adapter()
    const bridge = ctx.session().bridge
    if (capabilities.webhook) {
      const request = await signed(recorded.payload)
      expect(await adapter.verifyWebhook!(bridge, request), `${recorded.name} verifies`).toBe(true)
      return (await adapter.parseWebhook!(bridge, request)).events
    }
    return adapter.transformPayload!(bridge, recorded.payload)
  }

  // The webhook cases skip only for an adapter without webhooks (listener-only); the parse cases only
  // for one with neither parseWebhook nor transformPayload. Every adapter in this repository runs them.
  describe('inbound', () => {
    it('has recorded payloads with a message from someone else and one of its own', () => {
      const expected = payloads.flatMap((p) => p.expected)
      expect(expected.some((e) => e.isSelf)).toBe(true)
      expect(expected.some((e) => !e.isSelf)).toBe(true)
    })

    it.skipIf(!capabilities.webhook)('verifies a correctly signed request', async () => {
      const request = await signed(first?.payload)
      expect(await ctx.adapter().verifyWebhook!(ctx.session().bridge, request)).toBe(true)
    })

    it.skipIf(!capabilities.webhook)('rejects wrong, missing and stale signatures', async () => {
      if (!fake.badlySignedRequests) throw new Error('[testing] a fake for a webhook adapter must implement badlySignedRequests')
      const bad = await fake.badlySignedRequests(first?.payload)
      expect(bad.length).toBeGreaterThan(0)
      for (const { name, request } of bad) {
        expect(await ctx.adapter().verifyWebhook!(ctx.session().bridge, request), name).toBe(false)
      }
    })

    for (const recorded of payloads) {
      it.skipIf(cannotParse)(`maps ${recorded.name} to the inbound shape`, async () => {
        const events = await parsed(recorded)
        expect(events).toHaveLength(recorded.expected.length)
        events.forEach((event, i) => {
          expectInboundShape(event, `${recorded.name}[${i}]`)
          expectMapped(event, recorded.expected[i]!, `${recorded.name}[${i}]`)
        })
      })
    }

    it.skipIf(cannotParse)('flags the bot\'s own messages isSelf and no others', async () => {
      for (const recorded of payloads) {
        const events = await parsed(recorded)
        expect(events.map((e) => e.isSelf), recorded.name).toEqual(recorded.expected.map((e) => e.isSelf))
      }
    })

    // transformPayload takes what a listener or a direct caller hands over; it must agree with the webhook.
    it.skipIf(!capabilities.webhook || !ctx.declared.transformPayload)('maps a direct payload like the webhook does', async () => {
      const adapter = ctx.adapter()
      const bridge = ctx.session().bridge
      for (const recorded of payloads) {
        const direct = await adapter.transformPayload!(bridge, recorded.payload)
        const viaWebhook = (await adapter.parseWebhook!(bridge, await signed(recorded.payload))).events
        expect(direct.map(withoutTime), recorded.name).toEqual(viaWebhook.map(withoutTime))
      }
    })
  })
}

// An expected field given as `undefined` means "absent": toMatchObject alone would demand the key.
function expectMapped(event: InboundEvent, expected: ExpectedInbound, where: string): void {
  const entries = Object.entries(expected)
  expect(event, where).toMatchObject(Object.fromEntries(entries.filter(([, v]) => v !== undefined)))
  for (const [key, value] of entries) {
    if (value === undefined) expect((event as unknown as Record<string, unknown>)[key], `${where}: ${key}`).toBeUndefined()
  }
}

// Events without a platform timestamp default to "now", which differs between two calls.
function withoutTime(event: InboundEvent): Omit<InboundEvent, 'timestamp'> {
  const { timestamp: _timestamp, ...rest } = event
  return rest
}
