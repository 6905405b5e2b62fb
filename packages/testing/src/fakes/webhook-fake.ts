import type { AdapterFake, FakeOperation, RecordedPayload } from '../adapter-conformance/types.js'
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js'
import { jidoSignature, signedWebhookRequest, unsignedWebhookRequest } from './webhook-signing.js'

// The AdapterFake of adapter-webhook: the "platform" is any system speaking SPEC 6.1, played by
// the webhook receiver (outbound) and by signed request builders (inbound).

const full = {
  id: 'm-100',
  room: 'room-1',
  user: 'user-7',
  text: 'hello there',
  thread: 'thread-3',
  replyTo: 'm-99',
  username: 'ada',
  displayName: 'Ada Lovelace',
  chatType: 'channel',
  self: false,
  timestamp: '2024-05-01T12:30:00.000Z',
}
const minimal = { id: 'm-101', room: 'room-1', user: 'user-8', text: 'hi' }
const unixSeconds = { id: 'm-102', room: 'dm-1', user: 'user-9', text: 'at a unix time', chatType: 'direct', timestamp: 1714566600 }
const own = { id: 'm-103', room: 'room-1', user: 'bot', text: 'my own echo', self: true, timestamp: '2024-05-01T12:31:00Z' }

const recordedPayloads: RecordedPayload[] = [
  {
    name: 'a message with every field',
    payload: full,
    expected: [
      {
        kind: 'message',
        externalMessageId: 'm-100',
        externalRoomId: 'room-1',
        externalUserId: 'user-7',
        externalThreadId: 'thread-3',
        externalReplyToId: 'm-99',
        text: 'hello there',
        media: [],
        chatType: 'channel',
        username: 'ada',
        displayName: 'Ada Lovelace',
        isSelf: false,
        timestamp: '2024-05-01T12:30:00.000Z',
        raw: full,
      },
    ],
  },
  {
    name: 'a minimal message (defaults)',
    payload: minimal,
    expected: [
      {
        kind: 'message',
        externalMessageId: 'm-101',
        externalRoomId: 'room-1',
        externalUserId: 'user-8',
        externalThreadId: undefined,
        externalReplyToId: undefined,
        text: 'hi',
        media: [],
        chatType: 'group',
        isSelf: false,
        raw: minimal,
      },
    ],
  },
  {
    name: 'a direct message with a unix-seconds timestamp',
    payload: unixSeconds,
    expected: [
      { kind: 'message', externalMessageId: 'm-102', externalRoomId: 'dm-1', externalUserId: 'user-9', text: 'at a unix time', chatType: 'direct', isSelf: false, timestamp: '2024-05-01T12:30:00.000Z' },
    ],
  },
  {
    name: 'the bot\'s own message',
    payload: own,
    expected: [{ kind: 'message', externalMessageId: 'm-103', externalRoomId: 'room-1', externalUserId: 'bot', text: 'my own echo', isSelf: true, timestamp: '2024-05-01T12:31:00.000Z' }],
  },
  {
    name: 'a batch of two events',
    payload: { events: [minimal, own] },
    expected: [
      { kind: 'message', externalMessageId: 'm-101', externalRoomId: 'room-1', externalUserId: 'user-8', text: 'hi', isSelf: false, raw: minimal },
      { kind: 'message', externalMessageId: 'm-103', externalRoomId: 'room-1', externalUserId: 'bot', text: 'my own echo', isSelf: true, raw: own },
    ],
  },
]

export interface WebhookAdapterFake extends AdapterFake {
  /** The receiver of the current session (after `start()`). */
  receiver(): WebhookReceiver
}

/** The fake platform adapter-webhook runs the conformance suite against. */
export function webhookAdapterFake(options: { secret?: string; bridgeId?: string } = {}): WebhookAdapterFake {
  const secret = options.secret ?? 'conformance-secret'
  let receiver: WebhookReceiver | undefined

  function current(): WebhookReceiver {
    if (!receiver) throw new Error('[testing] webhook fake: start() first')
    return receiver
  }

  return {
    recordedPayloads,
    receiver: current,
    async start() {
      receiver = await startWebhookReceiver({ secret })
      return {
        bridge: { bridgeId: options.bridgeId ?? 'webhook-conformance', credentials: { secret }, options: { outboundUrl: receiver.url } },
        target: { externalRoomId: 'room-1', externalThreadId: 'thread-3', externalReplyToId: 'm-100' },
      }
    },
    async stop() {
      await receiver?.close()
    },
    signedRequest: (payload) => signedWebhookRequest(secret, payload),
    badlySignedRequests(payload) {
      const now = Math.floor(Date.now() / 1000)
      const good = signedWebhookRequest(secret, payload)
      const withHeaders = (headers: Record<string, string>) => ({ ...good, headers: { 'content-type': 'application/json', ...headers } })
      return [
        { name: 'signed with another secret', request: signedWebhookRequest('not-the-secret', payload) },
        { name: 'body changed after signing', request: { ...good, rawBody: `${good.rawBody} ` } },
        { name: 'no signature headers', request: unsignedWebhookRequest(payload) },
        { name: 'timestamp without signature', request: withHeaders({ 'x-jido-timestamp': String(now) }) },
        { name: 'signature without timestamp', request: withHeaders({ 'x-jido-signature': jidoSignature(secret, now, good.rawBody) }) },
        { name: 'signature of another timestamp', request: withHeaders({ 'x-jido-timestamp': String(now), 'x-jido-signature': jidoSignature(secret, now - 1, good.rawBody) }) },
        { name: 'stale by 330 s', request: signedWebhookRequest(secret, payload, { timestampSeconds: now - 330 }) },
        { name: 'from 330 s in the future', request: signedWebhookRequest(secret, payload, { timestampSeconds: now + 330 }) },
        { name: 'signature without the v1= prefix', request: withHeaders({ 'x-jido-timestamp': String(now), 'x-jido-signature': jidoSignature(secret, now, good.rawBody).slice(3) }) },
      ]
    },
    // Grouped by kind (sends, then edits, then typing), each kind in arrival order; the suite filters by kind.
    operations() {
      const r = current()
      const sends = r.deliveries.map((d): FakeOperation => ({
        op: 'send',
        externalRoomId: d.body.room,
        externalMessageId: d.id,
        text: d.body.text,
        ...(d.body.thread !== undefined ? { externalThreadId: d.body.thread } : {}),
        ...(d.body.replyTo !== undefined ? { externalReplyToId: d.body.replyTo } : {}),
      }))
      const edits = r.edits.map((e): FakeOperation => ({ op: 'edit', externalRoomId: e.room, externalMessageId: e.messageId, text: e.text }))
      const typing = r.typing.map((t): FakeOperation => ({ op: 'startTyping', externalRoomId: t.room, ...(t.thread !== undefined ? { externalThreadId: t.thread } : {}) }))
      return [...sends, ...edits, ...typing]
    },
    failNext(count, failure) {
      current().failNext(count, failure)
    },
  }
}
