// Regression: inbound `tg-file:` media mirrored to another platform arrived as an id no one could open.
// resolveMedia turns one into bytes (getFile + download) while the bot token stays inside the adapter.
import type { BridgeContext } from '@jido-messaging/core'
import { startTelegramFake, type TelegramFake } from '@jido-messaging/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTelegramAdapter, isTelegramFileUrl, resolveTelegramMedia } from './index.js'

const TOKEN = '7000000001:AAmediaTokenThatMustStayInside'
let fake: TelegramFake
let bridge: BridgeContext
beforeEach(async () => {
  fake = await startTelegramFake({ token: TOKEN })
  bridge = { bridgeId: 'tg', credentials: { botToken: TOKEN }, options: { apiRoot: fake.apiRoot } }
})
afterEach(() => fake.close())

const adapter = createTelegramAdapter({ requestTimeoutMs: 30_000 })

describe('resolveMedia', () => {
  it('downloads a document through getFile and the file route: bytes, MIME type and name, no token', async () => {
    const bytes = Buffer.from('%PDF-1.7 quarterly numbers')
    const file = fake.addFile({ data: bytes, fileName: 'report.pdf' })
    const media = await adapter.resolveMedia(bridge, { type: 'file', url: `tg-file:${file.fileId}`, filename: 'q3-report.pdf', mediaType: 'application/pdf' })
    expect(media.data.equals(bytes)).toBe(true)
    expect(media).toMatchObject({ mediaType: 'application/pdf', filename: 'q3-report.pdf' })
    expect(fake.callsTo('getFile').map((c) => c.params)).toEqual([{ file_id: file.fileId }])
    expect(fake.downloads).toEqual([expect.objectContaining({ filePath: file.filePath, status: 200 })])
    expect(JSON.stringify({ ...media, data: undefined })).not.toContain(TOKEN)
  })

  it('names a photo after its path and types it from the extension when the block says nothing', async () => {
    const file = fake.addFile({ data: Buffer.from([0xff, 0xd8, 0xff]), kind: 'photos' })
    const media = await adapter.resolveMedia(bridge, { type: 'image', url: `tg-file:${file.fileId}` })
    expect(media).toMatchObject({ mediaType: 'image/jpeg', filename: file.filePath.split('/').pop() })
    expect([...media.data]).toEqual([0xff, 0xd8, 0xff])
  })

  it('works without an adapter instance (resolveTelegramMedia)', async () => {
    const file = fake.addFile({ data: 'plain', fileName: 'note.txt' })
    const media = await resolveTelegramMedia(bridge, { type: 'file', url: `tg-file:${file.fileId}` })
    // Telegram keeps no original name in the path; the inbound block's `filename` is used when it has one.
    expect(media).toMatchObject({ mediaType: 'text/plain', filename: expect.stringMatching(/^file_\d+\.txt$/) })
    expect(media.data.toString()).toBe('plain')
  })

  it('fails with a terminal AdapterError for other urls, unknown files and files over 20 MB, never naming the token', async () => {
    expect(isTelegramFileUrl('tg-file:abc')).toBe(true)
    expect(isTelegramFileUrl('https://example.com/a.png')).toBe(false)
    const big = fake.addFile({ data: 'x', declaredSize: 25 * 1024 * 1024 })
    const failures = await Promise.all([
      adapter.resolveMedia(bridge, { type: 'image', url: 'https://example.com/a.png' }).catch((e: unknown) => e),
      adapter.resolveMedia(bridge, { type: 'file', url: 'tg-file:unknown-id' }).catch((e: unknown) => e),
      adapter.resolveMedia(bridge, { type: 'file', url: `tg-file:${big.fileId}` }).catch((e: unknown) => e),
    ])
    for (const error of failures) {
      expect(error).toMatchObject({ name: 'AdapterError', code: 'DELIVERY_FAILED', retryable: false })
      expect(String((error as Error).message)).not.toContain(TOKEN)
      expect(String((error as Error).stack)).not.toContain(TOKEN)
    }
    expect((failures[1] as Error).message).toMatch(/getFile failed: 400 Bad Request: invalid file_id/)
  })

  it('refuses a file over the caller\'s maxBytes from getFile\'s size, before downloading it (core passes the target\'s upload limit)', async () => {
    const file = fake.addFile({ data: Buffer.alloc(64, 1), fileName: 'big.bin' })
    const error = await adapter.resolveMedia(bridge, { type: 'file', url: `tg-file:${file.fileId}` }, { maxBytes: 63 }).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'AdapterError', retryable: false, message: expect.stringContaining('64 bytes, more than the 63 allowed') })
    expect(fake.downloads).toEqual([])
    const media = await adapter.resolveMedia(bridge, { type: 'file', url: `tg-file:${file.fileId}` }, { maxBytes: 64 })
    expect(media.data.length).toBe(64)
  })

  it('a failed download keeps the token out of the error and its cause', async () => {
    const file = fake.addFile({ data: 'gone soon' })
    await fake.close()
    const error = (await adapter.resolveMedia(bridge, { type: 'file', url: `tg-file:${file.fileId}` }).catch((e: unknown) => e)) as Error
    expect(error).toMatchObject({ name: 'AdapterError', retryable: true })
    let text = ''
    for (let e: unknown = error; e instanceof Error; e = e.cause) text += `${e.message}\n${e.stack}\n`
    expect(text).not.toContain(TOKEN)
  })

  it('an error answer that echoes the download URL does not leak the token either', async () => {
    const file = fake.addFile({ data: 'x' })
    fake.failNext(1, { status: 400, method: 'getFile', echoUrl: true })
    const error = (await adapter.resolveMedia(bridge, { type: 'file', url: `tg-file:${file.fileId}` }).catch((e: unknown) => e)) as Error
    expect(error.message).toContain(`${fake.apiRoot}/bot[redacted]/getFile`)
    let text = ''
    for (let e: unknown = error; e instanceof Error; e = e.cause) text += `${e.message}\n${e.stack}\n${JSON.stringify(e)}\n`
    expect(text).not.toContain(TOKEN)
  })
})
