import { describe, expect, it } from 'vitest'
import type { Message } from '../model.js'
import { outboundPartsOf, planDeliveries, type OutboundRoute } from './routes.js'

const image = { type: 'image' as const, url: 'https://example.test/a.png' }
const file = { type: 'file' as const, url: 'https://example.test/b.pdf', filename: 'b.pdf' }
const message = (content: Message['content']): Message => ({
  id: 'msg_1', roomId: 'room_1', senderId: 'ptc_1', role: 'user', content, status: 'sending', reactions: {}, receipts: {},
  metadata: {}, insertedAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-01-01T00:00:00.000Z',
})
const adapter = (media: 'native' | 'fallback' | 'unsupported') => ({ capabilities: { media } }) as Parameters<typeof outboundPartsOf>[1]
const route: OutboundRoute = { bridgeId: 'b1', adapter: 'x', channel: 'x', externalRoomId: 'r1', textLimit: 20 } as OutboundRoute

describe('outbound media', () => {
  it('an adapter that sends media natively gets the media blocks and only the text; others get the URLs in the text', () => {
    const m = message([{ type: 'text', text: 'look' }, image, { type: 'tool_use', id: 't', name: 'n', input: {} }, file])
    expect(outboundPartsOf(m, adapter('native'))).toEqual({ text: 'look', media: [image, file] })
    expect(outboundPartsOf(m, adapter('fallback'))).toEqual({ text: `look\n${image.url}\n${file.url}`, media: [] })
    expect(outboundPartsOf(m, adapter('unsupported'))).toEqual({ text: `look\n${image.url}\n${file.url}`, media: [] })
  })

  it("a platform's own file reference (tg-file:) becomes a label on other platforms, never the bare id", () => {
    const m = message([
      { type: 'text', text: 'the whiteboard' },
      { type: 'image', url: 'tg-file:AgAC-large', altText: 'whiteboard' },
      { type: 'file', url: 'tg-file:BQAC', filename: 'q3.pdf' },
      { type: 'audio', url: 'tg-file:voc' },
    ])
    expect(outboundPartsOf(m, adapter('unsupported')).text).toBe('the whiteboard\n[image: whiteboard]\n[file: q3.pdf]\n[audio]')
    // Where media go natively (Telegram to Telegram), the blocks travel as they are.
    expect(outboundPartsOf(m, adapter('native')).media.map((b) => (b as { url?: string }).url)).toEqual(['tg-file:AgAC-large', 'tg-file:BQAC', 'tg-file:voc'])
  })

  it('the first chunk of a delivery carries the media, the others none', () => {
    const m = message([{ type: 'text', text: 'one two three four five six seven eight nine ten' }, image])
    const { text, media } = outboundPartsOf(m, adapter('native'))
    const rows = planDeliveries(m, route, text, {}, { media, now: m.insertedAt })
    expect(rows.length).toBeGreaterThan(1)
    expect(rows[0]!.media).toEqual([image])
    for (const row of rows.slice(1)) expect(row).not.toHaveProperty('media')
    expect(planDeliveries(m, route, 'short', {}, { now: m.insertedAt })[0]).not.toHaveProperty('media')
  })
})
