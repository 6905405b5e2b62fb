import type { ChannelInfo } from './types.js'
import { describe, expect, it } from 'vitest'
import { dispatchToEvents, isDispatch, type InboundContext } from './inbound.js'
import { ChannelDirectory } from './channels.js'

const now = Date.UTC(2024, 4, 1, 12, 0, 0)
const channels: Record<string, ChannelInfo> = {
  c1: { id: 'c1', kind: 'guild', name: 'general' },
  t1: { id: 't1', kind: 'thread', parentId: 'c1' },
}
const ctx: InboundContext = { botUserId: 'bot', now: () => now, resolveChannel: async (id) => channels[id] }
const author = { id: 'u1', username: 'ada', global_name: 'Ada' }
const base = { id: 'm1', channel_id: 'c1', guild_id: 'g1', author, content: 'hi', timestamp: '2024-05-01T11:00:00.000000+00:00', type: 0 }
const map = (t: string, d: unknown) => dispatchToEvents({ op: 0, t, s: 1, d }, ctx)

describe('gateway dispatch mapping', () => {
  it('recognises dispatch envelopes', () => {
    expect(isDispatch({ op: 0, t: 'MESSAGE_CREATE', s: 1, d: {} })).toBe(true)
    expect(isDispatch({ t: 'MESSAGE_CREATE', d: {} })).toBe(true)
    expect(isDispatch({ op: 10, t: null, d: {} })).toBe(false)
    expect(isDispatch({ type: 1, id: 'x' })).toBe(false)
  })

  it('prefers the member nick, then the global name, then the username', async () => {
    expect((await map('MESSAGE_CREATE', { ...base, member: { nick: 'Countess' } }))[0]!.displayName).toBe('Countess')
    expect((await map('MESSAGE_CREATE', base))[0]!.displayName).toBe('Ada')
    expect((await map('MESSAGE_CREATE', { ...base, author: { id: 'u1', username: 'ada', global_name: null } }))[0]!.displayName).toBe('ada')
  })

  it('treats a forward (reference type 1) as no reply and system messages as other', async () => {
    const [forward] = await map('MESSAGE_CREATE', { ...base, type: 0, message_reference: { type: 1, message_id: 'm0' } })
    expect(forward!.externalReplyToId).toBeUndefined()
    const [pinned] = await map('MESSAGE_CREATE', { ...base, type: 6, content: '' })
    expect(pinned!.kind).toBe('other')
  })

  it('maps an update without content (an embed unfurl) to other, and one with content to an edit', async () => {
    expect((await map('MESSAGE_UPDATE', { id: 'm1', channel_id: 'c1', guild_id: 'g1', embeds: [] }))[0]).toMatchObject({ kind: 'other', externalUserId: 'unknown' })
    const [edit] = await map('MESSAGE_UPDATE', { ...base, content: 'hi!', edited_timestamp: '2024-05-01T11:05:00.000000+00:00' })
    expect(edit).toMatchObject({ kind: 'edit', text: 'hi!', timestamp: '2024-05-01T11:05:00.000Z', eventId: 'edit:m1:2024-05-01T11:05:00.000000+00:00' })
  })

  it('maps deletes (bulk too) and reactions in threads to the parent room and the thread', async () => {
    expect((await map('MESSAGE_DELETE_BULK', { ids: ['a', 'b'], channel_id: 't1', guild_id: 'g1' })).map((e) => [e.kind, e.externalMessageId, e.externalRoomId, e.externalThreadId]))
      .toEqual([['delete', 'a', 'c1', 't1'], ['delete', 'b', 'c1', 't1']])
    const [reaction] = await map('MESSAGE_REACTION_REMOVE', { user_id: 'bot', channel_id: 't1', message_id: 'm1', guild_id: 'g1', emoji: { id: null, name: '✅' } })
    expect(reaction).toMatchObject({ kind: 'reaction', isSelf: true, externalRoomId: 'c1', externalThreadId: 't1', reaction: { emoji: '✅', added: false }, timestamp: new Date(now).toISOString() })
  })

  it('maps attachments by content type', async () => {
    const attachments = [
      { id: 'a1', filename: 'talk.ogg', size: 10, url: 'https://cdn/talk.ogg', content_type: 'audio/ogg', duration_secs: 3.5 },
      { id: 'a2', filename: 'notes.txt', size: 5, url: 'https://cdn/notes.txt' },
      { id: 'a3', filename: 'clip.mp4', size: 7, url: 'https://cdn/clip.mp4', content_type: 'video/mp4', width: null, height: null, description: 'a clip' },
    ]
    const [event] = await map('MESSAGE_CREATE', { ...base, attachments })
    expect(event!.media).toEqual([
      { type: 'audio', url: 'https://cdn/talk.ogg', filename: 'talk.ogg', size: 10, mediaType: 'audio/ogg', duration: 3.5 },
      { type: 'file', url: 'https://cdn/notes.txt', filename: 'notes.txt', size: 5 },
      { type: 'video', url: 'https://cdn/clip.mp4', filename: 'clip.mp4', size: 7, mediaType: 'video/mp4', altText: 'a clip' },
    ])
  })

  it('ignores dispatches that are not about messages and rejects malformed ones', async () => {
    expect(await map('TYPING_START', { channel_id: 'c1' })).toEqual([])
    await expect(map('MESSAGE_CREATE', { content: 'no ids' })).rejects.toMatchObject({ code: 'VALIDATION' })
  })
})

describe('ChannelDirectory', () => {
  it('learns channels and threads from GUILD_CREATE and THREAD_CREATE, and asks once for the unknown', async () => {
    const directory = new ChannelDirectory()
    directory.learn({ t: 'GUILD_CREATE', d: { channels: [{ id: 'c1', type: 0, name: 'general' }], threads: [{ id: 't1', type: 11, parent_id: 'c1' }] } })
    directory.learn({ t: 'THREAD_CREATE', d: { id: 't2', type: 12, parent_id: 'c1' } })
    expect([directory.get('c1'), directory.get('t1'), directory.get('t2')]).toEqual([
      { id: 'c1', kind: 'guild', name: 'general' }, { id: 't1', kind: 'thread', parentId: 'c1' }, { id: 't2', kind: 'thread', parentId: 'c1' },
    ])
    let asked = 0
    const fetch = async (id: string) => (asked++, { id, type: 11, parent_id: 'c9' })
    const [a, b] = await Promise.all([directory.resolve('t3', fetch), directory.resolve('t3', fetch)])
    expect(a).toEqual({ id: 't3', kind: 'thread', parentId: 'c9' })
    expect(b).toEqual(a)
    expect(asked).toBe(1)
    // a channel Discord will not show us is taken as a plain channel
    expect(await directory.resolve('hidden', async () => undefined)).toEqual({ id: 'hidden', kind: 'guild' })
  })
})
