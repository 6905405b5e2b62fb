import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { slackEventCallback, slackMessageEvent, slackSignature, signedSlackRequest, startFakeSlack, type FakeSlack } from '../../index.js'

let slack: FakeSlack
beforeEach(async () => {
  slack = await startFakeSlack()
})
afterEach(() => slack.close())

async function api(method: string, body: Record<string, unknown> | string, headers: Record<string, string> = {}) {
  const json = typeof body !== 'string'
  const response = await fetch(`${slack.url}${method}`, {
    method: 'POST',
    headers: { 'content-type': json ? 'application/json; charset=utf-8' : 'application/x-www-form-urlencoded', authorization: `Bearer ${slack.botToken}`, ...headers },
    body: json ? JSON.stringify(body) : body,
  })
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> }
}

describe('fake Slack Web API', () => {
  it('takes JSON and form bodies, and the token as Bearer or a form field', async () => {
    const json = await api('chat.postMessage', { channel: 'C0GENERAL', text: 'json' })
    const form = await api('chat.postMessage', new URLSearchParams({ channel: 'C0GENERAL', text: 'form' }).toString())
    const field = await api('chat.postMessage', new URLSearchParams({ token: slack.botToken, channel: 'C0GENERAL', text: 'field' }).toString(), { authorization: '' })
    expect([json.body.ok, form.body.ok, field.body.ok]).toEqual([true, true, true])
    expect(slack.calls.map((c) => c.encoding)).toEqual(['json', 'form', 'form'])
    expect(slack.messages('C0GENERAL').map((m) => m.text)).toEqual(['json', 'form', 'field'])
    expect(slack.calls[2]!.params.token).toBeUndefined()
  })

  it('checks the token and its type', async () => {
    expect((await api('auth.test', {}, { authorization: '' })).body).toEqual({ ok: false, error: 'not_authed' })
    expect((await api('auth.test', {}, { authorization: 'Bearer xoxb-other' })).body).toEqual({ ok: false, error: 'invalid_auth' })
    expect((await api('auth.test', {}, { authorization: `Bearer ${slack.appToken}` })).body).toEqual({ ok: false, error: 'not_allowed_token_type' })
    expect((await api('apps.connections.open', {}, { authorization: `Bearer ${slack.botToken}` })).body.error).toBe('not_allowed_token_type')
    expect((await api('auth.test', {})).body).toMatchObject({ ok: true, user_id: 'U0BOT', bot_id: 'B0BOT', team_id: 'T0TEAM' })
  })

  it('keeps threads, reply counts, edits, deletes and reactions', async () => {
    const root = slack.postAs('C0GENERAL', 'root')
    const reply = slack.postAs('C0GENERAL', 'reply', { threadTs: root.ts })
    // thread_ts naming a reply lands in that reply's thread
    const posted = await api('chat.postMessage', { channel: 'C0GENERAL', text: 'bot reply', thread_ts: reply.ts })
    expect(slack.state.message('C0GENERAL', String(posted.body.ts))?.threadTs).toBe(root.ts)
    expect(slack.state.message('C0GENERAL', root.ts)).toMatchObject({ threadTs: root.ts, replyCount: 2 })
    expect((await api('chat.postMessage', { channel: 'C0GENERAL', text: 'x', thread_ts: '1.000001' })).body.error).toBe('thread_not_found')
    expect((await api('chat.update', { channel: 'C0GENERAL', ts: root.ts, text: 'not mine' })).body.error).toBe('cant_update_message')
    expect((await api('chat.delete', { channel: 'C0GENERAL', ts: reply.ts })).body.error).toBe('cant_delete_message')
    expect((await api('reactions.add', { channel: 'C0GENERAL', timestamp: root.ts, name: '👍' })).body.error).toBe('invalid_name')
    expect((await api('reactions.add', { channel: 'C0GENERAL', timestamp: root.ts, name: 'tada' })).body.ok).toBe(true)
    expect((await api('reactions.add', { channel: 'C0GENERAL', timestamp: root.ts, name: 'tada' })).body.error).toBe('already_reacted')
    expect((await api('reactions.remove', { channel: 'C0GENERAL', timestamp: root.ts, name: 'fire' })).body.error).toBe('no_reaction')
    expect((await api('conversations.info', { channel: 'D0DIRECT' })).body.channel).toMatchObject({ id: 'D0DIRECT', is_im: true })
    expect((await api('conversations.info', { channel: 'C0NOPE' })).body.error).toBe('channel_not_found')
  })

  it('takes file uploads as Slack does: an upload URL on the fake, the bytes POSTed there, then shared into a channel', async () => {
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255])
    const root = slack.postAs('C0GENERAL', 'root')
    const url = await api('files.getUploadURLExternal', { filename: 'chart.png', length: bytes.length, alt_text: 'a chart' })
    expect(url.body).toMatchObject({ ok: true, file_id: expect.stringMatching(/^F/), upload_url: expect.stringContaining('/upload/v1/') })
    const form = new FormData()
    form.append('body', new Blob([bytes], { type: 'image/png' }), 'chart.png')
    const posted = await fetch(String(url.body.upload_url), { method: 'POST', body: form })
    expect([posted.status, await posted.text()]).toEqual([200, `OK - ${bytes.length}`])
    const fileId = String(url.body.file_id)
    // Not shared before completeUploadExternal; an unknown or unsent file is refused.
    expect(slack.files()).toEqual([])
    expect((await api('files.completeUploadExternal', { files: JSON.stringify([{ id: 'F0NOPE' }]), channel_id: 'C0GENERAL' })).body.error).toBe('file_not_found')
    const done = await api('files.completeUploadExternal', new URLSearchParams({
      files: JSON.stringify([{ id: fileId, title: 'Chart' }]), channel_id: 'C0GENERAL', thread_ts: root.ts, initial_comment: 'the numbers',
    }).toString())
    const [file] = slack.files('C0GENERAL')
    expect(file).toMatchObject({ id: fileId, name: 'chart.png', title: 'Chart', altText: 'a chart', channel: 'C0GENERAL', threadTs: root.ts, contentType: 'image/png', initialComment: 'the numbers' })
    expect(file!.data!.equals(bytes)).toBe(true)
    expect(done.body.files).toEqual([expect.objectContaining({ id: fileId, size: bytes.length, shares: { public: { C0GENERAL: [expect.objectContaining({ ts: file!.ts, thread_ts: root.ts })] } } })])
    expect(slack.state.message('C0GENERAL', file!.ts!)).toMatchObject({ text: 'the numbers', files: [fileId], threadTs: root.ts, user: 'U0BOT' })
    expect(slack.uploads).toEqual([expect.objectContaining({ fileId, status: 200 })])
    // A shared file takes no second upload or completion.
    expect((await fetch(String(url.body.upload_url), { method: 'POST', body: form })).status).toBe(404)
    expect((await api('files.completeUploadExternal', { files: [{ id: fileId }], channel_id: 'C0GENERAL' })).body.error).toBe('file_not_found')
  })

  it('refuses text over its visible limit, counting entities as one character', async () => {
    expect((await api('chat.postMessage', { channel: 'C0GENERAL', text: '&amp;'.repeat(4000) })).body.ok).toBe(true)
    expect((await api('chat.postMessage', { channel: 'C0GENERAL', text: 'a'.repeat(4001) })).body.error).toBe('msg_too_long')
    expect((await api('chat.postMessage', { channel: 'C0GENERAL', text: ' ' })).body.error).toBe('no_text')
  })

  it('fails scripted calls, optionally only of one method', async () => {
    slack.failNext(1, { status: 429, retryAfterSeconds: 3, method: 'chat.postMessage' })
    slack.failNext(1, { error: 'internal_error' })
    expect((await api('auth.test', {})).body).toEqual({ ok: false, error: 'internal_error' })
    const limited = await api('chat.postMessage', { channel: 'C0GENERAL', text: 'x' })
    expect([limited.status, limited.headers.get('retry-after'), limited.body.error]).toEqual([429, '3', 'ratelimited'])
    expect((await api('chat.postMessage', { channel: 'C0GENERAL', text: 'x' })).body.ok).toBe(true)
    expect(slack.calls.map((c) => c.status)).toEqual([200, 429, 200])
  })
})

describe('Slack request signing', () => {
  it('matches Slack\'s documented example', () => {
    const body = 'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c'
    expect(slackSignature('8f742231b10e8888abcd99yyyzzz85a5', 1531420618, body)).toBe('v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503')
  })

  it('builds signed requests with Slack\'s retry headers', () => {
    const request = signedSlackRequest('s', slackEventCallback(slackMessageEvent({ channel: 'C1', user: 'U1', text: 'hi' })), { retryNum: 2, timestampSeconds: 100 })
    expect(request.headers).toMatchObject({ 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_timeout', 'x-slack-request-timestamp': '100' })
    expect(request.headers['x-slack-signature']).toBe(slackSignature('s', 100, request.rawBody))
  })
})
