import type { BridgeContext, PlatformAdapter } from '@jido-messaging/core'
import { startTelegramFake, TELEGRAM_BOT_TOKEN, type TelegramFake } from '@jido-messaging/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTelegramAdapter } from './index.js'

let fake: TelegramFake
let adapter: PlatformAdapter
const url = 'https://gw.example.com/webhooks/tg'
const bridge = (credentials: Record<string, string>, options: Record<string, unknown> = {}): BridgeContext =>
  ({ bridgeId: 'tg', credentials: { botToken: TELEGRAM_BOT_TOKEN, ...credentials }, options: { apiRoot: fake.apiRoot, ...options } })

beforeEach(async () => {
  fake = await startTelegramFake({ token: TELEGRAM_BOT_TOKEN })
  adapter = createTelegramAdapter()
})
afterEach(() => fake.close())

describe('webhook registration', () => {
  it('sets the webhook with the secret token and the update types it parses, and lists and deletes it', async () => {
    const b = bridge({ webhookSecret: 'abc_DEF-123' })
    expect(await adapter.ensureIngressSubscription!(b, { url, dropPendingUpdates: true })).toMatchObject({ id: 'webhook', status: 'active', url })
    expect(fake.callsTo('setWebhook')[0]!.params).toEqual({
      url, secret_token: 'abc_DEF-123', drop_pending_updates: true,
      allowed_updates: ['message', 'edited_message', 'channel_post', 'edited_channel_post', 'message_reaction'],
    })
    expect(await adapter.listIngressSubscriptions!(b)).toMatchObject([{ id: 'webhook', status: 'active', url, metadata: { pendingUpdateCount: 0 } }])
    expect(await adapter.deleteIngressSubscription!(b, 'other')).toBe(false)
    expect(await adapter.deleteIngressSubscription!(b, 'webhook')).toBe(true)
    expect(await adapter.listIngressSubscriptions!(b)).toEqual([])
  })

  it('refuses registrations that could not work, before calling Telegram', async () => {
    const cases: Array<[string, BridgeContext, string]> = [
      ['an http url', bridge({ webhookSecret: 's' }), 'http://gw.example.com/webhooks/tg'],
      ['a polling bridge', bridge({ webhookSecret: 's' }, { ingress: { mode: 'polling' } }), url],
      ['no secret', bridge({}), url],
      ['a secret Telegram does not allow', bridge({ webhookSecret: 'has spaces!' }), url],
    ]
    for (const [name, b, u] of cases) {
      await expect(adapter.ensureIngressSubscription!(b, { url: u }), name).rejects.toMatchObject({ code: 'VALIDATION' })
    }
    expect(fake.calls).toEqual([])
  })

  it('registers without a secret only for a bridge that allows unsigned webhooks', async () => {
    await adapter.ensureIngressSubscription!(bridge({}, { allowUnsignedWebhooks: true }), { url })
    expect(fake.webhook()).toEqual({ url, allowedUpdates: expect.any(Array) })
  })
})
