import type { AdapterFake, FakeOperation, RecordedPayload } from '../../adapter-conformance/types.js'
import { createInteractionSigner, type InteractionSigner } from './interactions.js'
import type { DiscordOperation } from './rest.js'
import { startDiscordFake, type DiscordFake } from './server.js'

// The AdapterFake of adapter-discord. Gateway events are not webhooks, so the recorded payloads are
// what reaches the adapter over HTTP (interactions: PING, slash commands) and gateway dispatch envelopes
// (`{op: 0, t, s, d}`) as the adapter's parseWebhook/transformPayload accept them from a relay.

/** Fixed ids of the recorded payloads; the fake's world uses the same ones. */
export const DISCORD_IDS = {
  bot: '1200000000000000001',
  ada: '1200000000000000002',
  grace: '1200000000000000003',
  otherBot: '1200000000000000004',
  guild: '1200000000000000010',
  general: '1200000000000000011',
  random: '1200000000000000012',
  thread: '1200000000000000013',
  dm: '1200000000000000014',
} as const

const ids = DISCORD_IDS
const ada = { id: ids.ada, username: 'ada', global_name: 'Ada Lovelace', discriminator: '0', avatar: null }
const bot = { id: ids.bot, username: 'jido-bot', global_name: 'Jido', discriminator: '0', avatar: null, bot: true }
const helper = { id: ids.otherBot, username: 'helper-bot', global_name: 'Helper', discriminator: '0', avatar: null, bot: true }
const signer = createInteractionSigner({ applicationId: ids.bot })

function message(id: string, channelId: string, author: object, content: string, extra: Record<string, unknown> = {}) {
  return {
    id, channel_id: channelId, guild_id: ids.guild, author, content, timestamp: '2024-05-01T12:30:00.000000+00:00', edited_timestamp: null,
    tts: false, mention_everyone: false, mentions: [], mention_roles: [], attachments: [], embeds: [], pinned: false, type: 0, flags: 0, ...extra,
  }
}
const dispatch = (t: string, s: number, d: unknown) => ({ op: 0, t, s, d })

const slash = signer.command({
  id: '1300000000000000001', name: 'deploy', channelId: ids.general, guildId: ids.guild, user: ada,
  options: [{ name: 'env', type: 3, value: 'prod' }, { name: 'force', type: 5, value: true }],
})
const dmSlash = signer.command({ id: '1300000000000000002', name: 'help', channelId: ids.dm, user: ada })
const ping = { ...signer.ping(), id: '1300000000000000003' }
const reply = message('1300000000000000010', ids.general, ada, 'see the diagram', {
  type: 19,
  message_reference: { type: 0, message_id: '1300000000000000009', channel_id: ids.general, guild_id: ids.guild },
  attachments: [{ id: '1300000000000000011', filename: 'diagram.png', size: 2048, url: 'https://cdn.discordapp.com/attachments/1/2/diagram.png', proxy_url: 'https://media.discordapp.net/attachments/1/2/diagram.png', content_type: 'image/png', width: 640, height: 480 }],
})
const inThread = message('1300000000000000020', ids.thread, ada, 'in the thread')
const own = message('1300000000000000030', ids.general, bot, 'my own echo')
const otherBot = message('1300000000000000040', ids.general, helper, 'beep from another bot')
const inDm = { ...message('1300000000000000050', ids.dm, ada, 'a direct message'), guild_id: undefined }
delete (inDm as { guild_id?: string }).guild_id
const edited = { ...message('1300000000000000010', ids.general, ada, 'see the new diagram'), edited_timestamp: '2024-05-01T12:31:00.000000+00:00' }
const deleted = { id: '1300000000000000010', channel_id: ids.general, guild_id: ids.guild }
const reaction = { user_id: ids.ada, channel_id: ids.general, message_id: '1300000000000000030', guild_id: ids.guild, emoji: { id: null, name: '👍' }, burst: false, type: 0 }

const inGeneral = { externalRoomId: ids.general, externalUserId: ids.ada, chatType: 'group' as const, username: 'ada', displayName: 'Ada Lovelace', isSelf: false }

const recordedPayloads: RecordedPayload[] = [
  {
    name: 'a slash command with options (APPLICATION_COMMAND)',
    payload: slash,
    expected: [{ kind: 'command', ...inGeneral, externalMessageId: '1300000000000000001', text: '/deploy env:prod force:true', media: [], externalThreadId: undefined, raw: slash }],
  },
  {
    name: 'a slash command in a DM',
    payload: dmSlash,
    expected: [{ kind: 'command', externalRoomId: ids.dm, externalUserId: ids.ada, externalMessageId: '1300000000000000002', text: '/help', chatType: 'direct', isSelf: false }],
  },
  { name: 'a PING (answered, no events)', payload: ping, expected: [] },
  {
    name: 'a reply with an image (MESSAGE_CREATE)',
    payload: dispatch('MESSAGE_CREATE', 41, reply),
    expected: [{
      kind: 'message', ...inGeneral, externalMessageId: '1300000000000000010', externalReplyToId: '1300000000000000009', externalThreadId: undefined,
      text: 'see the diagram', timestamp: '2024-05-01T12:30:00.000Z', isBot: false,
      media: [{ type: 'image', url: 'https://cdn.discordapp.com/attachments/1/2/diagram.png', filename: 'diagram.png', size: 2048, mediaType: 'image/png', width: 640, height: 480 }],
    }],
  },
  {
    name: 'a message in a thread channel',
    payload: dispatch('MESSAGE_CREATE', 42, inThread),
    expected: [{ kind: 'message', ...inGeneral, externalThreadId: ids.thread, externalMessageId: '1300000000000000020', text: 'in the thread' }],
  },
  {
    name: 'the bot\'s own message',
    payload: dispatch('MESSAGE_CREATE', 43, own),
    expected: [{ kind: 'message', externalRoomId: ids.general, externalUserId: ids.bot, externalMessageId: '1300000000000000030', text: 'my own echo', isSelf: true }],
  },
  {
    name: 'another bot\'s message',
    payload: dispatch('MESSAGE_CREATE', 44, otherBot),
    expected: [{ kind: 'message', externalRoomId: ids.general, externalUserId: ids.otherBot, externalMessageId: '1300000000000000040', text: 'beep from another bot', isSelf: false, isBot: true }],
  },
  {
    name: 'a direct message',
    payload: dispatch('MESSAGE_CREATE', 45, inDm),
    expected: [{ kind: 'message', externalRoomId: ids.dm, externalUserId: ids.ada, externalMessageId: '1300000000000000050', text: 'a direct message', chatType: 'direct', isSelf: false }],
  },
  {
    name: 'an edit (MESSAGE_UPDATE)',
    payload: dispatch('MESSAGE_UPDATE', 46, edited),
    expected: [{ kind: 'edit', ...inGeneral, externalMessageId: '1300000000000000010', text: 'see the new diagram', timestamp: '2024-05-01T12:31:00.000Z' }],
  },
  {
    name: 'a delete (MESSAGE_DELETE)',
    payload: dispatch('MESSAGE_DELETE', 47, deleted),
    expected: [{ kind: 'delete', externalRoomId: ids.general, externalUserId: 'unknown', externalMessageId: '1300000000000000010', text: '', isSelf: false }],
  },
  {
    name: 'a reaction (MESSAGE_REACTION_ADD)',
    payload: dispatch('MESSAGE_REACTION_ADD', 48, reaction),
    expected: [{ kind: 'reaction', externalRoomId: ids.general, externalUserId: ids.ada, externalMessageId: '1300000000000000030', text: '', isSelf: false, reaction: { emoji: '👍', added: true } }],
  },
]

export interface DiscordAdapterFake extends AdapterFake {
  /** The running fake platform of the current case (after `start()`). */
  platform(): DiscordFake
  readonly signer: InteractionSigner
}

/** The fake platform adapter-discord runs the conformance suite against. */
export function discordAdapterFake(options: { bridgeId?: string } = {}): DiscordAdapterFake {
  let platform: DiscordFake | undefined
  const current = () => {
    if (!platform) throw new Error('[testing] discord fake: start() first')
    return platform
  }
  return {
    recordedPayloads,
    signer,
    platform: current,
    async start() {
      platform = await startDiscordFake({ ids: DISCORD_IDS })
      const replyTarget = platform.world.message({ channelId: ids.thread, author: platform.world.ada, content: 'reply to me' })
      return {
        bridge: {
          bridgeId: options.bridgeId ?? 'discord-conformance',
          credentials: { botToken: platform.token, publicKey: signer.publicKey, applicationId: signer.applicationId },
          options: { apiUrl: platform.apiUrl },
        },
        target: { externalRoomId: ids.general, externalThreadId: ids.thread, externalReplyToId: replyTarget.id },
      }
    },
    async stop() {
      await platform?.close()
    },
    signedRequest: (payload) => signer.request(payload),
    badlySignedRequests(payload) {
      const now = Math.floor(Date.now() / 1000)
      const good = signer.request(payload)
      const other = createInteractionSigner({ applicationId: ids.bot })
      const withHeaders = (headers: Record<string, string>) => ({ ...good, headers: { 'content-type': 'application/json', ...headers } })
      const sig = good.headers['x-signature-ed25519']!
      const flipped = `${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`
      return [
        { name: 'signed by another key', request: other.request(payload) },
        { name: 'body changed after signing', request: { ...good, rawBody: `${good.rawBody} ` } },
        { name: 'no signature headers', request: withHeaders({}) },
        { name: 'timestamp without signature', request: withHeaders({ 'x-signature-timestamp': String(now) }) },
        { name: 'signature without timestamp', request: withHeaders({ 'x-signature-ed25519': sig }) },
        { name: 'signature of another timestamp', request: withHeaders({ 'x-signature-timestamp': String(now + 1), 'x-signature-ed25519': sig }) },
        { name: 'one bit of the signature flipped', request: withHeaders({ 'x-signature-timestamp': good.headers['x-signature-timestamp']!, 'x-signature-ed25519': flipped }) },
        { name: 'signature not hex', request: withHeaders({ 'x-signature-timestamp': good.headers['x-signature-timestamp']!, 'x-signature-ed25519': 'zz'.repeat(64) }) },
        { name: 'stale by 330 s', request: signer.request(payload, { timestampSeconds: now - 330 }) },
        { name: 'from 330 s in the future', request: signer.request(payload, { timestampSeconds: now + 330 }) },
      ]
    },
    operations() {
      return current().rest.operations.flatMap((o): FakeOperation[] => toConformance(o))
    },
    failNext(count, failure) {
      current().failNext(count, { status: failure.status, ...(failure.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: failure.retryAfterSeconds }) })
    },
  }
}

function toConformance(o: DiscordOperation): FakeOperation[] {
  switch (o.op) {
    case 'send': {
      const { allowedMentions: _allowed, ...rest } = o
      return [rest]
    }
    case 'edit':
    case 'delete':
    case 'addReaction':
    case 'removeReaction': {
      const { externalThreadId: _thread, ...rest } = o
      return [rest]
    }
    case 'startTyping':
      return [o]
    case 'openThread':
      return []
    case 'upload': {
      const { externalMessageId: _id, contentType: _type, ...rest } = o
      return [rest]
    }
  }
}
