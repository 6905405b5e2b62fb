import type { AdapterCapabilities, PlatformAdapter } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import type { SuiteContext } from './context.js'

const LEVELS = ['native', 'fallback', 'unsupported']
const MARKDOWN = ['none', 'markdown', 'markdownv2', 'html', 'mrkdwn', 'discord']

type Member = keyof PlatformAdapter
type Level = 'send' | 'edit' | 'delete' | 'reactions' | 'typing'

// Operations whose capability level is proven by members existing. `threads`, `replies` and `media` are
// features of `send` (thread id, reply id, media blocks) and are proven by the outbound cases instead.
const LEVEL_MEMBERS: Array<[Level, Member[]]> = [
  ['send', ['send']],
  ['edit', ['edit']],
  ['delete', ['delete']],
  ['reactions', ['addReaction', 'removeReaction']],
  ['typing', ['startTyping']],
]
const FLAG_MEMBERS: Array<['webhook' | 'listener' | 'ingressSubscriptions', Member[]]> = [
  ['webhook', ['verifyWebhook', 'parseWebhook']],
  ['listener', ['startListener']],
  ['ingressSubscriptions', ['ensureIngressSubscription']],
]

export function capabilityCases(ctx: SuiteContext): void {
  describe('capabilities', () => {
    it('names itself and declares well-formed capabilities', () => {
      const adapter = ctx.adapter()
      expect(adapter.name).toMatch(/^[a-z][a-z0-9-]*$/)
      expect(adapter.channel).toMatch(/^[a-z][a-z0-9-]*$/)
      const caps: AdapterCapabilities = adapter.capabilities
      for (const key of ['send', 'edit', 'delete', 'reactions', 'typing', 'threads', 'replies', 'media'] as const) {
        expect(LEVELS, `capabilities.${key}`).toContain(caps[key])
      }
      for (const key of ['webhook', 'listener', 'ingressSubscriptions'] as const) {
        expect(typeof caps[key], `capabilities.${key}`).toBe('boolean')
      }
      expect(Number.isSafeInteger(caps.textLimit) && caps.textLimit > 0, 'capabilities.textLimit').toBe(true)
      // Uploads are optional; declared, they name the largest file and need send.
      if (caps.uploads !== undefined) {
        expect(Number.isSafeInteger(caps.uploads.maxBytes) && caps.uploads.maxBytes > 0, 'capabilities.uploads.maxBytes').toBe(true)
        expect(typeof adapter.send, 'uploads -> send').toBe('function')
      }
      expect(MARKDOWN).toContain(caps.markdown)
    })

    it('declares an operation exactly when its members exist', () => {
      const adapter = ctx.adapter()
      for (const [level, members] of LEVEL_MEMBERS) {
        const declared = adapter.capabilities[level] !== 'unsupported'
        for (const member of members) expect(typeof adapter[member] === 'function', `${level} -> ${member}`).toBe(declared)
      }
      for (const [flag, members] of FLAG_MEMBERS) {
        const declared = adapter.capabilities[flag]
        for (const member of members) expect(typeof adapter[member] === 'function', `${flag} -> ${member}`).toBe(declared)
      }
      // Opening threads needs thread support; listing or deleting subscriptions needs creating them.
      if (adapter.openThread) expect(adapter.capabilities.threads).not.toBe('unsupported')
      if (adapter.listIngressSubscriptions || adapter.deleteIngressSubscription) {
        expect(adapter.capabilities.ingressSubscriptions).toBe(true)
      }
    })

    it('gives every bridge a positive text limit', () => {
      const adapter = ctx.adapter()
      const limit = adapter.textLimitFor ? adapter.textLimitFor(ctx.session().bridge) : adapter.capabilities.textLimit
      expect(Number.isSafeInteger(limit) && limit > 0).toBe(true)
    })
  })
}
