// Issue 11: Telegram media mirrored to Discord arrived as a label; a send with uploads (the bytes core
// resolved) now attaches the files to the message (multipart: payload_json and files[n]).
import type { BridgeContext, OutboundMessage, PlatformAdapter } from '@jido-messaging/core'
import { expectAdapterError, startDiscordFake, type DiscordFake } from '@jido-messaging/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createDiscordAdapter, DISCORD_UPLOAD_LIMIT } from './index.js'

let fake: DiscordFake
let adapter: PlatformAdapter
let bridge: BridgeContext
let n = 0
const msg = (extra: Partial<OutboundMessage> = {}): OutboundMessage => ({ deliveryId: `dlv_up_${++n}`, externalRoomId: fake.world.ids.general, text: '', ...extra })

beforeEach(async () => {
  fake = await startDiscordFake()
  adapter = createDiscordAdapter({ restTimeoutMs: 30_000 })
  bridge = { bridgeId: 'dc-up', credentials: { botToken: fake.token }, options: { apiUrl: fake.apiUrl } }
})
afterEach(() => fake.close())

const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 255, 0, 7])
const pdf = Buffer.from('%PDF-1.7 quarterly numbers')

describe('uploads', () => {
  it('declares uploads up to 10 MiB', () => {
    expect(adapter.capabilities.uploads).toEqual({ maxBytes: DISCORD_UPLOAD_LIMIT })
  })

  it('attaches the files to the message, one request, with their bytes, names, types and alt text', async () => {
    const { externalMessageId } = await adapter.send!(bridge, msg({
      text: 'Ada Lovelace: the numbers',
      uploads: [
        { type: 'image', data: jpeg, filename: 'whiteboard.jpg', mediaType: 'image/jpeg', altText: 'whiteboard' },
        { type: 'file', data: pdf, filename: 'q3.pdf', mediaType: 'application/pdf' },
      ],
    }))
    const posts = fake.rest.calls.filter((c) => c.method === 'POST')
    expect(posts).toHaveLength(1)
    expect(posts[0]!.files).toEqual([{ field: 'files[0]', filename: 'whiteboard.jpg', size: jpeg.length }, { field: 'files[1]', filename: 'q3.pdf', size: pdf.length }])
    expect(posts[0]!.body).toMatchObject({ content: 'Ada Lovelace: the numbers', attachments: [{ id: 0, filename: 'whiteboard.jpg', description: 'whiteboard' }, { id: 1, filename: 'q3.pdf' }] })
    const stored = fake.world.messages.get(externalMessageId)!
    expect(stored.attachments).toEqual([
      expect.objectContaining({ filename: 'whiteboard.jpg', size: jpeg.length, content_type: 'image/jpeg', description: 'whiteboard' }),
      expect.objectContaining({ filename: 'q3.pdf', size: pdf.length, content_type: 'application/pdf' }),
    ])
    const files = fake.world.attachmentsOf(externalMessageId)
    expect(files.map((f) => f.filename)).toEqual(['whiteboard.jpg', 'q3.pdf'])
    expect(files[0]!.data.equals(jpeg)).toBe(true)
    expect(files[1]!.data.equals(pdf)).toBe(true)
  })

  it('sends files without text, into a thread', async () => {
    const { externalMessageId } = await adapter.send!(bridge, msg({ externalThreadId: fake.world.ids.thread, uploads: [{ type: 'file', data: pdf, filename: 'q3.pdf', mediaType: 'application/pdf' }] }))
    expect(fake.world.messages.get(externalMessageId)).toMatchObject({ channel_id: fake.world.ids.thread, content: '' })
    expect(fake.world.attachmentsOf(externalMessageId).map((f) => f.data.equals(pdf))).toEqual([true])
  })

  it('a retry with the same delivery does not attach the files twice (the nonce covers the upload)', async () => {
    const m = msg({ text: 'once', uploads: [{ type: 'file', data: pdf, filename: 'q3.pdf', mediaType: 'application/pdf' }] })
    const first = await adapter.send!(bridge, m)
    expect(await adapter.send!(bridge, m)).toEqual(first)
    expect(fake.rest.operations.filter((o) => o.op === 'upload')).toHaveLength(1)
  })

  it('a file Discord refuses as too large is a terminal AdapterError', async () => {
    const big = new Uint8Array(DISCORD_UPLOAD_LIMIT + 1)
    await expectAdapterError(adapter.send!(bridge, msg({ text: 'big', uploads: [{ type: 'file', data: big, filename: 'big.bin', mediaType: 'application/octet-stream' }] })), { retryable: false, status: 413 })
  })
})
