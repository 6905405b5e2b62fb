import type { BridgeContext } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { createWebhookAdapter } from './index.js'

const bridge = (options: Record<string, unknown> = {}): BridgeContext => ({ bridgeId: 'b-1', credentials: { secret: 's' }, options })

describe('createWebhookAdapter', () => {
  it('is the webhook adapter on the webhook channel, sending plain text only', () => {
    const adapter = createWebhookAdapter()
    expect([adapter.name, adapter.channel]).toEqual(['webhook', 'webhook'])
    expect(adapter.capabilities).toEqual({
      send: 'native',
      threads: 'native',
      replies: 'native',
      edit: 'unsupported',
      delete: 'unsupported',
      reactions: 'unsupported',
      typing: 'unsupported',
      media: 'unsupported',
      webhook: true,
      listener: false,
      ingressSubscriptions: false,
      textLimit: 4000,
      markdown: 'none',
    })
  })

  it('takes the text limit from its config, and a bridge may override it', () => {
    const adapter = createWebhookAdapter({ textLimit: 1000 })
    expect(adapter.capabilities.textLimit).toBe(1000)
    expect(adapter.textLimitFor!(bridge())).toBe(1000)
    expect(adapter.textLimitFor!(bridge({ textLimit: 280 }))).toBe(280)
    expect(() => adapter.textLimitFor!(bridge({ textLimit: '280' }))).toThrow(/bridge b-1 options.textLimit must be a positive integer/)
  })

  it('rejects invalid config with a validation error', () => {
    for (const config of [{ textLimit: 0 }, { textLimit: 1.5 }, { timeoutMs: -1 }, { timeoutMs: Number.NaN }]) {
      expect(() => createWebhookAdapter(config), JSON.stringify(config)).toThrow(expect.objectContaining({ code: 'VALIDATION' }))
    }
  })
})
