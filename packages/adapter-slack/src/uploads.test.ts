// Issue 11: Telegram media mirrored to Slack arrived as a label; a send with uploads (the bytes core
// resolved) now puts the files on Slack through files.uploadV2.
import type { BridgeContext, OutboundMessage, PlatformAdapter } from '@jido-messaging/core'
import { expectAdapterError, startFakeSlack, type FakeSlack } from '@jido-messaging/testing'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSlackAdapter, SLACK_UPLOAD_LIMIT } from './index.js'

let slack: FakeSlack
let adapter: PlatformAdapter
let bridge: BridgeContext

beforeEach(async () => {
  slack = await startFakeSlack()
  adapter = createSlackAdapter({ timeoutMs: 30_000 })
  bridge = { bridgeId: 'sl-uploads', credentials: { botToken: slack.botToken, signingSecret: 's' }, options: { apiUrl: slack.url } }
})
afterEach(() => slack.close())

const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 255, 0, 7])
const pdf = Buffer.from('%PDF-1.7 quarterly numbers')
const message = (over: Partial<OutboundMessage>): OutboundMessage => ({ deliveryId: `dlv_${Math.random()}`, externalRoomId: 'C0GENERAL', text: '', ...over })

describe('uploads', () => {
  it('declares uploads up to Slack\'s 1 GB', () => {
    expect(adapter.capabilities.uploads).toEqual({ maxBytes: SLACK_UPLOAD_LIMIT })
  })

  it('posts the text, then uploads the files into the same conversation with their bytes and names', async () => {
    const { externalMessageId } = await adapter.send!(bridge, message({
      text: 'Ada Lovelace: the numbers',
      uploads: [
        { type: 'image', data: jpeg, filename: 'whiteboard.jpg', mediaType: 'image/jpeg', altText: 'whiteboard' },
        { type: 'file', data: pdf, filename: 'q3.pdf', mediaType: 'application/pdf' },
      ],
    }))
    // The copy's id is the text message, so edits, deletes and reactions find it.
    expect(slack.state.message('C0GENERAL', externalMessageId)).toMatchObject({ text: 'Ada Lovelace: the numbers', user: slack.identity.botUserId })
    const files = slack.files('C0GENERAL')
    expect(files.map((f) => ({ name: f.name, channel: f.channel, threadTs: f.threadTs, altText: f.altText }))).toEqual([
      { name: 'whiteboard.jpg', channel: 'C0GENERAL', threadTs: undefined, altText: 'whiteboard' },
      { name: 'q3.pdf', channel: 'C0GENERAL', threadTs: undefined, altText: undefined },
    ])
    expect(files[0]!.data!.equals(jpeg)).toBe(true)
    expect(files[1]!.data!.equals(pdf)).toBe(true)
    expect(slack.callsOf('files.getUploadURLExternal').map((c) => [c.params.filename, Number(c.params.length)])).toEqual([['whiteboard.jpg', jpeg.length], ['q3.pdf', pdf.length]])
    expect(slack.callsOf('files.completeUploadExternal')).toHaveLength(1)
    expect(slack.uploads.map((u) => u.status)).toEqual([200, 200])
  })

  it('puts the files in the thread the message goes to', async () => {
    const root = slack.postAs('C0GENERAL', 'a thread')
    const { externalMessageId } = await adapter.send!(bridge, message({ text: 'in the thread', externalThreadId: root.ts, uploads: [{ type: 'file', data: pdf, filename: 'q3.pdf', mediaType: 'application/pdf' }] }))
    expect(slack.state.message('C0GENERAL', externalMessageId)?.threadTs).toBe(root.ts)
    expect(slack.files('C0GENERAL')).toEqual([expect.objectContaining({ name: 'q3.pdf', threadTs: root.ts })])
  })

  it('files alone: the id is the message Slack shows them in', async () => {
    const { externalMessageId } = await adapter.send!(bridge, message({ uploads: [{ type: 'image', data: jpeg, filename: 'a.jpg', mediaType: 'image/jpeg' }] }))
    expect(slack.callsOf('chat.postMessage')).toEqual([])
    const [file] = slack.files('C0GENERAL')
    expect(externalMessageId).toBe(file!.ts)
    expect(slack.state.message('C0GENERAL', externalMessageId)?.files).toEqual([file!.id])
  })

  it('a failed upload is retryable and its retry does not post the text again', async () => {
    const m = message({ text: 'once', uploads: [{ type: 'file', data: pdf, filename: 'q3.pdf', mediaType: 'application/pdf' }] })
    slack.failNext(1, { status: 503, method: 'upload' })
    await expectAdapterError(adapter.send!(bridge, m), { retryable: true, status: 503 })
    expect(slack.files()).toEqual([])
    const { externalMessageId } = await adapter.send!(bridge, m)
    expect(slack.messages('C0GENERAL').filter((x) => x.text === 'once').map((x) => x.ts)).toEqual([externalMessageId])
    expect(slack.files('C0GENERAL').map((f) => f.data!.equals(pdf))).toEqual([true])
  })

  it('a Slack error on completion is an AdapterError with its code', async () => {
    slack.failNext(1, { error: 'channel_not_found', method: 'files.completeUploadExternal' })
    await expectAdapterError(adapter.send!(bridge, message({ uploads: [{ type: 'file', data: pdf, filename: 'q3.pdf', mediaType: 'application/pdf' }] })), { retryable: false })
  })
})
