import type { AdapterFake, ExpectedInbound, FakeOperation, RecordedPayload } from '../../adapter-conformance/types.js'
import {
  DEFAULT_SLACK_IDENTITY,
  eventCallback,
  messageChangedEvent,
  messageDeletedEvent,
  messageEvent,
  reactionEvent,
  urlVerification,
} from './events.js'
import { startFakeSlack, type FakeSlack, type FakeSlackCall } from './server.js'
import type { FakeSlackState } from './state.js'
import { badlySignedSlackRequests, signedSlackRequest } from './signing.js'

// The AdapterFake of adapter-slack: the fake Web API for outbound calls, signed Events API requests
// for inbound, and payloads recorded from real Slack deliveries (ids replaced) with what each must map to.

const bot = DEFAULT_SLACK_IDENTITY
const T0 = '1714566600.000100' // 2024-05-01T12:30:00Z
const T1 = '1714566660.000200' // 12:31:00
const T2 = '1714566720.000300' // 12:32:00
const iso = (ts: string) => new Date(Math.round(Number(ts) * 1000)).toISOString()

const channelMessage = eventCallback(
  messageEvent({ channel: 'C0GENERAL', user: 'U0HUMAN', text: 'hello &amp; welcome &lt;team&gt; <@U0BOT>', ts: T0 }),
  { eventId: 'Ev0000000001' },
)
const threadReply = eventCallback(
  messageEvent({ channel: 'G0PRIVATE', channelType: 'group', user: 'U0HUMAN2', text: 'a reply in the thread', ts: T1, threadTs: T0 }),
  { eventId: 'Ev0000000002' },
)
const direct = eventCallback(messageEvent({ channel: 'D0DIRECT', channelType: 'im', user: 'U0HUMAN', text: 'just us', ts: T2 }), { eventId: 'Ev0000000003' })
const mpim = eventCallback(messageEvent({ channel: 'G0MPIM', channelType: 'mpim', user: 'U0HUMAN', text: 'the three of us', ts: T2 }), { eventId: 'Ev0000000004' })
const own = eventCallback(
  { ...messageEvent({ channel: 'C0GENERAL', user: bot.botUserId, botId: bot.botId, text: 'my own answer', ts: T1 }), app_id: bot.appId },
  { eventId: 'Ev0000000005' },
)
// Without `authorizations` the adapter asks auth.test who it is.
const ownWithoutAuthorizations = eventCallback(
  { ...messageEvent({ channel: 'C0GENERAL', user: bot.botUserId, botId: bot.botId, text: 'my own answer, unannounced', ts: T2 }), app_id: bot.appId },
  { eventId: 'Ev0000000006', authorizations: false },
)
const otherBotLegacy = eventCallback(
  messageEvent({ channel: 'C0GENERAL', botId: 'B0DEPLOY', username: 'deploy-bot', text: 'build #12 passed', ts: T1 }),
  { eventId: 'Ev0000000007' },
)
const otherAppBot = eventCallback(
  { ...messageEvent({ channel: 'C0GENERAL', user: 'U0OTHERBOT', botId: 'B0OTHER', text: 'beep', ts: T2 }), bot_profile: { id: 'B0OTHER', name: 'Other App', app_id: 'A0OTHER' } },
  { eventId: 'Ev0000000008' },
)
const fileShare = eventCallback(
  messageEvent({
    channel: 'C0GENERAL', user: 'U0HUMAN', text: 'a cat', ts: T2, subtype: 'file_share',
    files: [{ id: 'F0CAT', name: 'cat.png', title: 'cat.png', mimetype: 'image/png', filetype: 'png', size: 1234, original_w: 640, original_h: 480,
      url_private: 'https://files.slack.com/files-pri/T0TEAM-F0CAT/cat.png' }],
  }),
  { eventId: 'Ev0000000009' },
)
const edited = eventCallback(
  messageChangedEvent({ channel: 'C0GENERAL', channelType: 'channel', messageTs: T0, user: 'U0HUMAN', text: 'hello, edited', previousText: 'hello', ts: T1 }),
  { eventId: 'Ev0000000010' },
)
const deleted = eventCallback(
  messageDeletedEvent({ channel: 'C0GENERAL', channelType: 'channel', deletedTs: T0, user: 'U0HUMAN', previousText: 'hello', ts: T2 }),
  { eventId: 'Ev0000000011' },
)
const reactionAdded = eventCallback(
  reactionEvent({ added: true, user: 'U0HUMAN2', reaction: 'thumbsup', channel: 'C0GENERAL', messageTs: T0, itemUser: 'U0HUMAN', eventTs: T1 }),
  { eventId: 'Ev0000000012' },
)
const reactionRemoved = eventCallback(
  reactionEvent({ added: false, user: 'U0HUMAN2', reaction: 'partyparrot', channel: 'D0DIRECT', messageTs: T0, eventTs: T2 }),
  { eventId: 'Ev0000000013' },
)
const channelJoin = eventCallback(
  messageEvent({ channel: 'C0GENERAL', user: 'U0HUMAN3', text: '<@U0HUMAN3> has joined the channel', ts: T2, subtype: 'channel_join' }),
  { eventId: 'Ev0000000014' },
)

const human = (over: Partial<ExpectedInbound> & Pick<ExpectedInbound, 'externalRoomId' | 'externalMessageId' | 'text'>): ExpectedInbound => ({
  kind: 'message', externalUserId: 'U0HUMAN', media: [], chatType: 'group', isSelf: false, isBot: false, externalThreadId: undefined, ...over,
})

export const slackRecordedPayloads: RecordedPayload[] = [
  {
    name: 'a channel message (entities decoded, mentions kept)',
    payload: channelMessage,
    expected: [human({ externalRoomId: 'C0GENERAL', externalMessageId: T0, text: 'hello & welcome <team> <@U0BOT>', timestamp: iso(T0), eventId: 'Ev0000000001' })],
  },
  {
    name: 'a thread reply in a private channel',
    payload: threadReply,
    expected: [human({ externalRoomId: 'G0PRIVATE', externalUserId: 'U0HUMAN2', externalMessageId: T1, externalThreadId: T0, text: 'a reply in the thread', timestamp: iso(T1) })],
  },
  {
    name: 'a direct message',
    payload: direct,
    expected: [human({ externalRoomId: 'D0DIRECT', externalMessageId: T2, text: 'just us', chatType: 'direct', timestamp: iso(T2) })],
  },
  {
    name: 'a group direct message (mpim)',
    payload: mpim,
    expected: [human({ externalRoomId: 'G0MPIM', externalMessageId: T2, text: 'the three of us', chatType: 'group' })],
  },
  {
    name: 'the bot\'s own message (authorizations)',
    payload: own,
    expected: [{ kind: 'message', externalRoomId: 'C0GENERAL', externalUserId: bot.botUserId, externalMessageId: T1, text: 'my own answer', isSelf: true }],
  },
  {
    name: 'the bot\'s own message without authorizations (auth.test)',
    payload: ownWithoutAuthorizations,
    expected: [{ kind: 'message', externalRoomId: 'C0GENERAL', externalUserId: bot.botUserId, externalMessageId: T2, text: 'my own answer, unannounced', isSelf: true }],
  },
  {
    name: 'another bot\'s bot_message',
    payload: otherBotLegacy,
    expected: [{ kind: 'message', externalRoomId: 'C0GENERAL', externalUserId: 'B0DEPLOY', externalMessageId: T1, text: 'build #12 passed', isSelf: false, isBot: true, username: 'deploy-bot' }],
  },
  {
    name: 'another app\'s bot user',
    payload: otherAppBot,
    expected: [{ kind: 'message', externalRoomId: 'C0GENERAL', externalUserId: 'U0OTHERBOT', externalMessageId: T2, text: 'beep', isSelf: false, isBot: true, displayName: 'Other App' }],
  },
  {
    name: 'a file share',
    payload: fileShare,
    expected: [human({
      externalRoomId: 'C0GENERAL', externalMessageId: T2, text: 'a cat',
      media: [{ type: 'image', url: 'https://files.slack.com/files-pri/T0TEAM-F0CAT/cat.png', mediaType: 'image/png', filename: 'cat.png', size: 1234, width: 640, height: 480 }],
    })],
  },
  {
    name: 'an edit (message_changed)',
    payload: edited,
    expected: [{ kind: 'edit', externalRoomId: 'C0GENERAL', externalUserId: 'U0HUMAN', externalMessageId: T0, text: 'hello, edited', isSelf: false, timestamp: iso(T1), eventId: 'Ev0000000010' }],
  },
  {
    name: 'a delete (message_deleted)',
    payload: deleted,
    expected: [{ kind: 'delete', externalRoomId: 'C0GENERAL', externalUserId: 'U0HUMAN', externalMessageId: T0, text: '', isSelf: false, eventId: 'Ev0000000011' }],
  },
  {
    name: 'a reaction added',
    payload: reactionAdded,
    expected: [{ kind: 'reaction', externalRoomId: 'C0GENERAL', externalUserId: 'U0HUMAN2', externalMessageId: T0, text: '', isSelf: false, reaction: { emoji: '👍', added: true }, timestamp: iso(T1), eventId: 'Ev0000000012' }],
  },
  {
    name: 'a custom reaction removed in a DM',
    payload: reactionRemoved,
    expected: [{ kind: 'reaction', externalRoomId: 'D0DIRECT', externalUserId: 'U0HUMAN2', externalMessageId: T0, text: '', isSelf: false, chatType: 'direct', reaction: { emoji: ':partyparrot:', added: false } }],
  },
  { name: 'a url_verification handshake (no events)', payload: urlVerification('challenge-abc'), expected: [] },
  { name: 'a channel_join notice (no events)', payload: channelJoin, expected: [] },
]

// The fake's own reading of Slack emoji names, so reactions are compared in the canonical vocabulary.
const EMOJI_BY_NAME: Record<string, string> = {
  '+1': '👍', thumbsup: '👍', '-1': '👎', thumbsdown: '👎', heart: '❤️', tada: '🎉', eyes: '👀', white_check_mark: '✅',
  fire: '🔥', rocket: '🚀', joy: '😂', smile: '😄', pray: '🙏', clap: '👏', '100': '💯', x: '❌',
}

function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
}

/**
 * The successful Web API calls that change messages, in the conformance suite's vocabulary. With the
 * workspace `state`, files shared by files.completeUploadExternal are `upload`s with their bytes.
 */
export function slackOperations(calls: readonly FakeSlackCall[], state?: FakeSlackState): FakeOperation[] {
  const ops: FakeOperation[] = []
  for (const call of calls) {
    if (!call.ok) continue
    const p = call.params
    const channel = String(p.channel)
    if (call.method === 'files.completeUploadExternal' && state !== undefined) {
      for (const { id } of (call.response?.files ?? []) as Array<{ id: string }>) {
        const f = state.files.get(id)
        if (f?.channel === undefined || f.data === undefined) continue
        ops.push({ op: 'upload', externalRoomId: f.channel, filename: f.name, data: f.data, ...(f.threadTs === undefined ? {} : { externalThreadId: f.threadTs }) })
      }
    } else if (call.method === 'chat.postMessage') {
      const metadata = typeof p.metadata === 'string' ? (JSON.parse(p.metadata) as { event_payload?: Record<string, unknown> }) : (p.metadata as { event_payload?: Record<string, unknown> } | undefined)
      const replyTo = metadata?.event_payload?.reply_to
      ops.push({
        op: 'send', externalRoomId: channel, externalMessageId: String(call.response?.ts), text: unescapeSlack(String(p.text)),
        ...(typeof p.thread_ts === 'string' ? { externalThreadId: p.thread_ts } : {}),
        ...(typeof replyTo === 'string' ? { externalReplyToId: replyTo } : {}),
      })
    } else if (call.method === 'chat.update') {
      ops.push({ op: 'edit', externalRoomId: channel, externalMessageId: String(p.ts), text: unescapeSlack(String(p.text)) })
    } else if (call.method === 'chat.delete') {
      ops.push({ op: 'delete', externalRoomId: channel, externalMessageId: String(p.ts) })
    } else if (call.method === 'reactions.add' || call.method === 'reactions.remove') {
      const name = String(p.name)
      ops.push({ op: call.method === 'reactions.add' ? 'addReaction' : 'removeReaction', externalRoomId: channel, externalMessageId: String(p.timestamp), emoji: EMOJI_BY_NAME[name] ?? `:${name}:` })
    }
  }
  return ops
}

export interface SlackAdapterFake extends AdapterFake {
  /** The fake Slack of the current session (after `start()`). */
  slack(): FakeSlack
}

/** The fake platform adapter-slack runs the conformance suite against. */
export function slackAdapterFake(options: { signingSecret?: string; bridgeId?: string } = {}): SlackAdapterFake {
  const signingSecret = options.signingSecret ?? 'conformance-signing-secret'
  let slack: FakeSlack | undefined

  function current(): FakeSlack {
    if (!slack) throw new Error('[testing] slack fake: start() first')
    return slack
  }

  return {
    recordedPayloads: slackRecordedPayloads,
    slack: current,
    async start() {
      slack = await startFakeSlack()
      const root = slack.postAs('C0GENERAL', 'a thread root', { user: 'U0HUMAN' })
      const reply = slack.postAs('C0GENERAL', 'a reply to answer', { user: 'U0HUMAN2', threadTs: root.ts })
      return {
        bridge: {
          bridgeId: options.bridgeId ?? 'slack-conformance',
          credentials: { botToken: slack.botToken, signingSecret },
          options: { apiUrl: slack.url },
        },
        target: { externalRoomId: 'C0GENERAL', externalThreadId: root.ts, externalReplyToId: reply.ts },
      }
    },
    async stop() {
      await slack?.close()
    },
    signedRequest: (payload) => signedSlackRequest(signingSecret, payload),
    badlySignedRequests: (payload) => badlySignedSlackRequests(signingSecret, payload),
    operations: () => slackOperations(current().calls, current().state),
    failNext(count, failure) {
      current().failNext(count, { status: failure.status, ...(failure.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: failure.retryAfterSeconds }) })
    },
  }
}
