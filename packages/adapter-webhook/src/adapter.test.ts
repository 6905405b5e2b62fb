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

  it('has no edit or startTyping unless enabled, and declares them native when enabled', () => {
    const plain = createWebhookAdapter({ edit: false, typing: false })
    expect([plain.capabilities.edit, plain.capabilities.typing]).toEqual(['unsupported', 'unsupported'])
    expect(['edit' in plain, 'startTyping' in plain]).toEqual([false, false])

    const both = createWebhookAdapter({ edit: true, typing: true })
    expect([both.capabilities.edit, both.capabilities.typing]).toEqual(['native', 'native'])
    expect([typeof both.edit, typeof both.startTyping]).toEqual(['function', 'function'])

    const editOnly = createWebhookAdapter({ edit: true })
    expect([editOnly.capabilities.edit, editOnly.capabilities.typing, 'startTyping' in editOnly]).toEqual(['native', 'unsupported', false])
    const typingOnly = createWebhookAdapter({ typing: true })
    expect([typingOnly.capabilities.edit, typingOnly.capabilities.typing, 'edit' in typingOnly]).toEqual(['unsupported', 'native', false])
    // Everything else is as without the options.
    expect({ ...both.capabilities, edit: 'unsupported', typing: 'unsupported' }).toEqual(createWebhookAdapter().capabilities)
  })

  it('takes the text limit from its config, and a bridge may override it', () => {
    const adapter = createWebhookAdapter({ textLimit: 1000 })
    expect(adapter.capabilities.textLimit).toBe(1000)
    expect(adapter.textLimitFor!(bridge())).toBe(1000)
    expect(adapter.textLimitFor!(bridge({ textLimit: 280 }))).toBe(280)
    expect(() => adapter.textLimitFor!(bridge({ textLimit: '280' }))).toThrow(/bridge b-1 options.textLimit must be a positive integer/)
  })

  it('rejects invalid config with a validation error', () => {
    for (const config of [{ textLimit: 0 }, { textLimit: 1.5 }, { timeoutMs: -1 }, { timeoutMs: Number.NaN }, { edit: 'yes' }, { typing: 1 }]) {
      // @ts-expect-error -- ill-typed on purpose: a JavaScript caller or a config file can pass anything
      expect(() => createWebhookAdapter(config), JSON.stringify(config)).toThrow(expect.objectContaining({ code: 'VALIDATION' }))
    }
  })
})
