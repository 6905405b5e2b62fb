// The Telegram fake speaks the Bot API as the real one does, for the mistakes adapters make.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { OPS_TOPIC_ID, TELEGRAM_BOT_TOKEN, tgChats, tgUsers } from './fixtures.js'
import { startTelegramFake, type TelegramFake } from './server.js'

let fake: TelegramFake
beforeEach(async () => {
  fake = await startTelegramFake({ token: TELEGRAM_BOT_TOKEN })
  for (const chat of Object.values(tgChats)) fake.addChat(chat)
  fake.createTopic(tgChats.ops.id, 'Incidents', OPS_TOPIC_ID)
})
afterEach(() => fake.close())

/** Waits until the fake holds a long poll (a fixed sleep could end before a loaded machine's request arrives). */
async function pollHeld(): Promise<void> {
  for (const deadline = Date.now() + 30_000; fake.state.waitingPolls === 0;) {
    if (Date.now() > deadline) throw new Error('no getUpdates held')
    await new Promise((r) => setTimeout(r, 5))
  }
}

async function call(method: string, body: unknown, token = TELEGRAM_BOT_TOKEN): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${fake.apiRoot}/bot${token}/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  return { status: res.status, json: (await res.json()) as Record<string, unknown> }
}

describe('telegram fake', () => {
  it('numbers messages per chat and answers errors as {ok: false, error_code, description}', async () => {
    const a = await call('sendMessage', { chat_id: tgChats.team.id, text: 'a' })
    const b = await call('sendMessage', { chat_id: String(tgChats.lounge.id), text: 'b' })
    expect((a.json.result as { message_id: number }).message_id).toBe((b.json.result as { message_id: number }).message_id)
    expect(await call('sendMessage', { chat_id: -1, text: 'x' })).toEqual({ status: 400, json: { ok: false, error_code: 400, description: 'Bad Request: chat not found' } })
    expect((await call('sendMessage', { chat_id: tgChats.team.id, text: 'x'.repeat(4097) })).json.description).toBe('Bad Request: message is too long')
    expect((await call('getMe', {}, '1:wrong')).status).toBe(401)
    expect((await call('noSuchMethod', {})).status).toBe(404)
  })

  it('counts visible text under a parse_mode and refuses unknown topics', async () => {
    const html = `<b>${'x'.repeat(4096)}</b>`
    expect((await call('sendMessage', { chat_id: tgChats.team.id, text: html, parse_mode: 'HTML' })).status).toBe(200)
    expect((await call('sendMessage', { chat_id: tgChats.ops.id, text: 'x', message_thread_id: 999 })).json.description).toBe('Bad Request: message thread not found')
  })

  it('puts a forum message in its topic with the topic root as reply_to_message, and plain supergroup replies get a thread id without is_topic_message', () => {
    const topic = fake.userMessage({ chat: tgChats.ops, from: tgUsers.ada, text: 't', threadId: OPS_TOPIC_ID }).message!
    expect(topic).toMatchObject({ message_thread_id: OPS_TOPIC_ID, is_topic_message: true, reply_to_message: { message_id: OPS_TOPIC_ID, forum_topic_created: { name: 'Incidents' } } })
    const root = fake.userMessage({ chat: tgChats.lounge, from: tgUsers.ada, text: 'root' }).message!
    const reply = fake.userMessage({ chat: tgChats.lounge, from: tgUsers.grace, text: 'reply', replyTo: root.message_id }).message!
    expect(reply.message_thread_id).toBe(root.message_id)
    expect(reply.is_topic_message).toBeUndefined()
  })

  it('holds getUpdates until an update is queued, confirms by offset, and leaves reactions out unless asked', async () => {
    const waiting = call('getUpdates', { timeout: 10 })
    await pollHeld()
    const message = fake.userMessage({ chat: tgChats.team, from: tgUsers.ada, text: 'hi' })
    fake.enqueue(message, fake.react({ chat: tgChats.team, messageId: message.message!.message_id, user: tgUsers.ada, reactions: ['👍'] }))
    const first = (await waiting).json.result as Array<{ update_id: number }>
    expect(first.map((u) => u.update_id)).toEqual([message.update_id])
    expect((await call('getUpdates', { offset: message.update_id + 1 })).json.result).toEqual([])
    const later = fake.userMessage({ chat: tgChats.team, from: tgUsers.ada, text: 'again' })
    fake.enqueue(fake.react({ chat: tgChats.team, messageId: later.message!.message_id, user: tgUsers.ada, reactions: ['🔥'] }))
    expect((await call('getUpdates', { allowed_updates: ['message_reaction'] })).json.result).toMatchObject([{ message_reaction: { new_reaction: [{ emoji: '🔥' }] } }])
  })

  it('answers 409 to getUpdates while a webhook is set, and a newer poll ends the held one', async () => {
    await call('setWebhook', { url: 'https://gw.example.com/hook', secret_token: 'abc' })
    expect(fake.webhook()).toMatchObject({ secretToken: 'abc' })
    expect((await call('getUpdates', {})).status).toBe(409)
    await call('deleteWebhook', {})
    const held = call('getUpdates', { timeout: 10 })
    await pollHeld()
    const newer = call('getUpdates', { timeout: 0 })
    expect((await held).status).toBe(409)
    expect((await newer).status).toBe(200)
  })

  it('scripts 429 with retry_after and 5xx by method', async () => {
    fake.failNext(1, { status: 429, retryAfterSeconds: 7, method: 'sendMessage' })
    expect((await call('getMe', {})).status).toBe(200)
    expect(await call('sendMessage', { chat_id: tgChats.team.id, text: 'x' })).toEqual({
      status: 429, json: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 7', parameters: { retry_after: 7 } },
    })
    fake.failNext(1, { status: 502 })
    expect((await call('getMe', {})).status).toBe(502)
    expect(fake.calls.map((c) => [c.method, c.status])).toEqual([['getMe', 200], ['sendMessage', 429], ['getMe', 502]])
  })

  it('parses multipart uploads', async () => {
    const form = new FormData()
    form.set('chat_id', String(tgChats.team.id))
    form.set('caption', 'scan')
    form.set('reply_parameters', JSON.stringify({ message_id: 999, allow_sending_without_reply: true }))
    form.set('document', new Blob([Buffer.from('hello')], { type: 'text/plain' }), 'note.txt')
    const res = await fetch(`${fake.apiRoot}/bot${TELEGRAM_BOT_TOKEN}/sendDocument`, { method: 'POST', body: form })
    expect(res.status).toBe(200)
    expect(fake.callsTo('sendDocument')[0]!.files.document).toEqual({ filename: 'note.txt', size: 5, contentType: 'text/plain' })
    expect(fake.messages(tgChats.team.id).at(-1)).toMatchObject({ caption: 'scan', document: { file_name: 'note.txt', file_size: 5 } })
  })
})
