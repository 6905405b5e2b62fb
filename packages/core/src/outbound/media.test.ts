// Issue 11: Telegram media mirrored to Slack or Discord arrived only as a label (`[image: x]`); where the
// target uploads files and the source adapter resolves its references, the bytes go instead.
import { describe, expect, it } from 'vitest'
import type { AdapterCapabilities, BridgeContext, PlatformAdapter, ResolvedMedia } from '../contracts/platform-adapter.js'
import { AdapterError } from '../errors.js'
import type { ContentBlock, Message } from '../model.js'
import { mediaRoute, prepareMedia } from './media.js'
import { outboundPartsOf } from './routes.js'

const photo = { type: 'image' as const, url: 'tg-file:AgAC-large', altText: 'whiteboard' }
const doc = { type: 'file' as const, url: 'tg-file:BQAC', filename: 'q3.pdf', mediaType: 'application/pdf' }
const link = { type: 'image' as const, url: 'https://example.test/a.png' }
const inline = { type: 'image' as const, data: Buffer.from('png bytes').toString('base64'), mediaType: 'image/png' }
const message = (content: ContentBlock[]): Pick<Message, 'content'> => ({ content })
const caps = (media: AdapterCapabilities['media'], uploads?: number) =>
  ({ media, textLimit: 100, ...(uploads === undefined ? {} : { uploads: { maxBytes: uploads } }) }) as AdapterCapabilities
const tg = { bridgeId: 'tg', canResolve: true }

describe('mediaRoute', () => {
  it('uploads a private reference where the target uploads and the origin resolves, else a label (or natively at home)', () => {
    expect(mediaRoute(photo, { bridgeId: 'slack', capabilities: caps('unsupported', 1000) }, tg)).toBe('upload')
    expect(mediaRoute(photo, { bridgeId: 'slack', capabilities: caps('unsupported', 1000) }, { bridgeId: 'tg', canResolve: false })).toBe('label')
    expect(mediaRoute(photo, { bridgeId: 'slack', capabilities: caps('unsupported', 1000) }, undefined)).toBe('label')
    expect(mediaRoute(photo, { bridgeId: 'slack', capabilities: caps('fallback') }, tg)).toBe('label')
    // The same bot in another chat opens its own file ids; another Telegram bot that uploads gets the bytes.
    expect(mediaRoute(photo, { bridgeId: 'tg', capabilities: caps('native', 1000) }, tg)).toBe('native')
    expect(mediaRoute(photo, { bridgeId: 'tg2', capabilities: caps('native', 1000) }, tg)).toBe('upload')
    expect(mediaRoute(photo, { bridgeId: 'tg2', capabilities: caps('native') }, tg)).toBe('native')
  })

  it('keeps public URLs as links (or native) and uploads inline bytes where media are not native', () => {
    expect(mediaRoute(link, { bridgeId: 'slack', capabilities: caps('unsupported', 1000) }, tg)).toBe('link')
    expect(mediaRoute(link, { bridgeId: 'tg', capabilities: caps('native') }, tg)).toBe('native')
    expect(mediaRoute(inline, { bridgeId: 'slack', capabilities: caps('unsupported', 1000) }, undefined)).toBe('upload')
    expect(mediaRoute(inline, { bridgeId: 'slack', capabilities: caps('unsupported') }, undefined)).toBe('label')
  })
})

describe('outboundPartsOf with uploads', () => {
  it('leaves uploaded media out of the text and carries them on the delivery', () => {
    const m = message([{ type: 'text', text: 'look' }, photo, link, doc])
    const slack = { capabilities: caps('unsupported', 1000) }
    expect(outboundPartsOf(m, slack, { bridgeId: 'slack', origin: tg })).toEqual({ text: `look\n${link.url}`, media: [photo, doc] })
    // Without an origin that resolves, the labels of today.
    expect(outboundPartsOf(m, slack, { bridgeId: 'slack', origin: undefined })).toEqual({ text: `look\n[image: whiteboard]\n${link.url}\n[file: q3.pdf]`, media: [] })
  })
})

function target(maxBytes: number | undefined, media: AdapterCapabilities['media'] = 'unsupported'): PlatformAdapter {
  return { name: 't', channel: 't', capabilities: caps(media, maxBytes) }
}

function source(resolve: (block: { url?: string }, options?: { maxBytes?: number }) => Promise<ResolvedMedia>) {
  const bridge: BridgeContext = { bridgeId: 'tg', credentials: { botToken: 'SECRET' }, options: {} }
  const adapter: PlatformAdapter = { name: 'telegram', channel: 'telegram', capabilities: caps('native'), resolveMedia: (_b, block, options) => resolve(block, options) }
  return { bridgeId: 'tg', adapter, bridge }
}

describe('prepareMedia', () => {
  it('resolves private media into uploads with the bytes, the name and the type, asking for at most the target limit', async () => {
    const asked: Array<number | undefined> = []
    const origin = source(async (block, options) => {
      asked.push(options?.maxBytes)
      return { data: Buffer.from(`bytes of ${block.url}`), mediaType: 'image/jpeg', filename: 'file_7.jpg' }
    })
    const out = await prepareMedia([photo, doc], { target: { bridgeId: 'slack', adapter: target(5000) }, origin: async () => origin, canRetry: true })
    expect(out.labels).toEqual([])
    expect(out.media).toEqual([])
    expect(out.uploads.map((u) => ({ ...u, data: Buffer.from(u.data).toString() }))).toEqual([
      { type: 'image', data: 'bytes of tg-file:AgAC-large', filename: 'file_7.jpg', mediaType: 'image/jpeg', altText: 'whiteboard' },
      { type: 'file', data: 'bytes of tg-file:BQAC', filename: 'q3.pdf', mediaType: 'application/pdf' },
    ])
    expect(asked).toEqual([5000, 5000])
  })

  it('falls back to the label when the file is gone, too big or its bridge is gone', async () => {
    const gone = source(async () => {
      throw new AdapterError('file is gone', { retryable: false })
    })
    const big = source(async () => ({ data: new Uint8Array(11), mediaType: 'image/jpeg', filename: 'x.jpg' }))
    const opts = (origin: ReturnType<typeof source> | undefined) => ({ target: { bridgeId: 'slack', adapter: target(10) }, origin: async () => origin, canRetry: true })
    expect(await prepareMedia([photo], opts(gone))).toEqual({ uploads: [], media: [], labels: ['[image: whiteboard]'] })
    expect(await prepareMedia([doc], opts(big))).toEqual({ uploads: [], media: [], labels: ['[file: q3.pdf]'] })
    expect(await prepareMedia([doc], opts(undefined))).toEqual({ uploads: [], media: [], labels: ['[file: q3.pdf]'] })
  })

  it('a transient failure is retried while attempts are left, then becomes the label', async () => {
    const flaky = source(async () => {
      throw new AdapterError('download answered 502', { retryable: true, retryAfterMs: 1500 })
    })
    const opts = (canRetry: boolean) => ({ target: { bridgeId: 'slack', adapter: target(5000) }, origin: async () => flaky, canRetry })
    await expect(prepareMedia([photo], opts(true))).rejects.toMatchObject({ name: 'AdapterError', retryable: true, retryAfterMs: 1500,
      message: expect.stringContaining('media from bridge tg could not be fetched yet: download answered 502') })
    expect((await prepareMedia([photo], opts(false))).labels).toEqual(['[image: whiteboard]'])
  })

  it('decodes inline bytes, keeps native media and public links, and never looks up the origin without private media', async () => {
    let looked = 0
    const origin = async () => {
      looked += 1
      return undefined
    }
    const out = await prepareMedia([inline, link], { target: { bridgeId: 'slack', adapter: target(5000) }, origin, canRetry: true })
    expect(out.uploads).toEqual([{ type: 'image', data: expect.any(Uint8Array), filename: 'image.png', mediaType: 'image/png' }])
    expect(Buffer.from(out.uploads[0]!.data).toString()).toBe('png bytes')
    expect(out.labels).toEqual([link.url])
    const native = await prepareMedia([link], { target: { bridgeId: 'tg', adapter: target(undefined, 'native') }, origin, canRetry: true })
    expect(native).toEqual({ uploads: [], media: [link], labels: [] })
    expect(looked).toBe(0)
  })
})
