import type { SlackChannelType } from './events.js'

// The fake workspace's state: channels with their messages by ts, threads and reactions. The server
// mutates it through the Web API methods; tests read it to assert on what reached "Slack".

export interface FakeSlackReaction {
  name: string
  users: string[]
  count: number
}

export interface FakeSlackMessage {
  ts: string
  channel: string
  text: string
  /** The author: a user id (the bot's user id for messages the bot posted). */
  user: string
  /** Set for messages posted with a bot token. */
  botId?: string
  /** The thread root's ts, for replies (and on a root once it has replies). */
  threadTs?: string
  replyCount: number
  reactions: FakeSlackReaction[]
  edited?: { user: string; ts: string }
  /** Message metadata (`metadata` argument of chat.postMessage), as posted. */
  metadata?: { event_type: string; event_payload: Record<string, unknown> }
  /** Files shared with the message (files.completeUploadExternal), by id. */
  files?: string[]
}

/** A file uploaded through files.getUploadURLExternal, the upload URL and files.completeUploadExternal. */
export interface FakeSlackFile {
  id: string
  /** `filename` given to files.getUploadURLExternal. */
  name: string
  title?: string
  altText?: string
  /** `length` announced to files.getUploadURLExternal. */
  length: number
  /** The bytes POSTed to the upload URL (undefined until then). */
  data?: Buffer
  /** The Content-Type of the uploaded part (multipart) or body. */
  contentType?: string
  /** Set once completeUploadExternal shared it: where, and the ts of the message that shows it. */
  channel?: string
  threadTs?: string
  ts?: string
  initialComment?: string
}

export interface FakeSlackChannel {
  id: string
  name: string
  type: SlackChannelType
  /** Messages by ts, deleted ones removed. */
  messages: Map<string, FakeSlackMessage>
}

export interface ChannelSeed {
  id: string
  name?: string
  type?: SlackChannelType
}

export class FakeSlackState {
  readonly channels = new Map<string, FakeSlackChannel>()
  /** Every file announced by files.getUploadURLExternal, by id (uploaded and shared or not). */
  readonly files = new Map<string, FakeSlackFile>()
  private lastTs = 0

  addChannel(seed: ChannelSeed): FakeSlackChannel {
    const existing = this.channels.get(seed.id)
    if (existing) return existing
    const type = seed.type ?? (seed.id.startsWith('D') ? 'im' : seed.id.startsWith('G') ? 'group' : 'channel')
    const channel: FakeSlackChannel = { id: seed.id, name: seed.name ?? seed.id.toLowerCase(), type, messages: new Map() }
    this.channels.set(seed.id, channel)
    return channel
  }

  /** A new ts, strictly increasing (Slack's ts are unique per channel; here per workspace). */
  nextTs(): string {
    const micros = Math.max(Date.now() * 1000, this.lastTs + 1)
    this.lastTs = micros
    return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`
  }

  /** Stores a message, threading it under its root (a reply's ts resolves to that reply's root). */
  post(channelId: string, input: { user: string; text: string; botId?: string; threadTs?: string; metadata?: FakeSlackMessage['metadata'] }): FakeSlackMessage {
    const channel = this.channels.get(channelId)
    if (!channel) throw new Error(`[testing] fake slack: no channel ${channelId}`)
    const ts = this.nextTs()
    const message: FakeSlackMessage = { ts, channel: channelId, text: input.text, user: input.user, replyCount: 0, reactions: [] }
    if (input.botId !== undefined) message.botId = input.botId
    if (input.metadata !== undefined) message.metadata = input.metadata
    if (input.threadTs !== undefined) {
      const parent = channel.messages.get(input.threadTs)
      const rootTs = parent?.threadTs ?? input.threadTs
      const root = channel.messages.get(rootTs)
      if (root) {
        root.threadTs = rootTs
        root.replyCount += 1
      }
      message.threadTs = rootTs
    }
    channel.messages.set(ts, message)
    return message
  }

  message(channelId: string, ts: string): FakeSlackMessage | undefined {
    return this.channels.get(channelId)?.messages.get(ts)
  }

  /** A channel's messages in ts order; with `threadTs`, that thread (root first). */
  list(channelId: string, options: { threadTs?: string } = {}): FakeSlackMessage[] {
    const all = [...(this.channels.get(channelId)?.messages.values() ?? [])].sort((a, b) => compareTs(a.ts, b.ts))
    if (options.threadTs === undefined) return all
    return all.filter((m) => m.ts === options.threadTs || m.threadTs === options.threadTs)
  }
}

export function compareTs(a: string, b: string): number {
  const [as = '0', am = '0'] = a.split('.')
  const [bs = '0', bm = '0'] = b.split('.')
  return Number(as) - Number(bs) || Number(am) - Number(bm)
}
