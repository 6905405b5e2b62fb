import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startTelegramFake, type TelegramFake } from './server.js'

let fake: TelegramFake
beforeEach(async () => {
  fake = await startTelegramFake()
})
afterEach(() => fake.close())

const call = async (method: string, body: unknown, token = fake.token) => {
  const res = await fetch(`${fake.apiRoot}/bot${token}/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.status, json: (await res.json()) as Record<string, unknown> }
}

describe('telegram fake: hosted files', () => {
  it('answers getFile with a file_path and serves the bytes there, for the right token only', async () => {
    const file = fake.addFile({ data: 'PDF bytes', fileName: 'report.pdf', mimeType: 'application/pdf' })
    const got = await call('getFile', { file_id: file.fileId })
    expect(got.json).toEqual({ ok: true, result: { file_id: file.fileId, file_unique_id: file.fileUniqueId, file_size: 9, file_path: file.filePath } })
    expect(file.filePath).toMatch(/^documents\/file_\d+\.pdf$/)
    const download = await fetch(`${fake.apiRoot}/file/bot${fake.token}/${file.filePath}`)
    expect(download.status).toBe(200)
    expect(Buffer.from(await download.arrayBuffer()).toString()).toBe('PDF bytes')
    expect((await fetch(`${fake.apiRoot}/file/bot1:wrong/${file.filePath}`)).status).toBe(401)
    expect((await fetch(`${fake.apiRoot}/file/bot${fake.token}/documents/nope.pdf`)).status).toBe(404)
    expect(fake.downloads.map((d) => d.status)).toEqual([200, 404])
  })

  it('refuses unknown file ids and files over 20 MB like Telegram', async () => {
    expect(await call('getFile', { file_id: 'nope' })).toMatchObject({ status: 400, json: { description: 'Bad Request: invalid file_id' } })
    const big = fake.addFile({ data: 'x', declaredSize: 21 * 1024 * 1024 })
    expect(await call('getFile', { file_id: big.fileId })).toMatchObject({ status: 400, json: { description: 'Bad Request: file is too big' } })
  })

  it('echoes the requested URL, token included, in a scripted failure when asked', async () => {
    fake.failNext(1, { status: 400, method: 'getMe', echoUrl: true })
    const failed = await call('getMe', {})
    expect(failed.status).toBe(400)
    expect(failed.json['description']).toBe(`Bad Request: scripted failure (${fake.apiRoot}/bot${fake.token}/getMe)`)
  })
})
