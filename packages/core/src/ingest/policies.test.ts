import { describe, expect, it } from 'vitest'
import { applyMediaPolicy, runPolicy } from './policies.js'

const ctx = { bridge: { bridgeId: 'b', options: {} }, channel: 'webhook', event: {} as never }

describe('runPolicy', () => {
  it('allows without a hook, passes decisions through, and takes the fallback on throw, timeout or junk', async () => {
    expect(await runPolicy(undefined, ctx)).toEqual({ action: 'allow' })
    expect(await runPolicy({ run: () => ({ action: 'flag', reason: 'x' }), fallback: 'reject' }, ctx)).toEqual({ action: 'flag', reason: 'x' })
    expect((await runPolicy({ run: () => { throw new Error('down') }, fallback: 'allow' }, ctx)).action).toBe('allow')
    const slow = await runPolicy({ run: () => new Promise(() => {}), timeoutMs: 20, fallback: 'reject' }, ctx)
    expect(slow).toMatchObject({ action: 'reject', reason: expect.stringMatching(/timed out/) })
    expect((await runPolicy({ run: () => ({}) as never, fallback: 'reject' }, ctx)).action).toBe('reject')
  })
})

describe('applyMediaPolicy', () => {
  const img = (size?: number) => ({ type: 'image' as const, url: 'https://x/y.png', ...(size === undefined ? {} : { size }) })
  it('keeps media within limits as content blocks', () => {
    expect(applyMediaPolicy([img(10), { type: 'file', url: 'https://x/a.pdf', filename: 'a.pdf', size: 5 }])).toEqual({
      blocks: [{ type: 'image', url: 'https://x/y.png' }, { type: 'file', url: 'https://x/a.pdf', filename: 'a.pdf', size: 5 }],
    })
  })
  it('rejects or falls back to a text note when over count or size', () => {
    expect(applyMediaPolicy([img(), img(), img()], { maxCount: 2, onViolation: 'reject' }).rejected).toMatch(/3 attachments/)
    const fallback = applyMediaPolicy([img(10), img(5000)], { maxBytes: 100 })
    expect(fallback.blocks).toHaveLength(1)
    expect(fallback.note).toMatch(/1 attachment\(s\) not kept/)
  })
})
