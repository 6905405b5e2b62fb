// Events API payloads shaped like the ones Slack sends (https://api.slack.com/apis/events-api), for the
// fake and for tests. Only the fields adapters read plus the usual envelope are filled in.

/** The workspace and bot the fake plays; events name them in `authorizations`, `auth.test` returns them. */
export interface SlackIdentity {
  teamId: string
  teamName: string
  botUserId: string
  botId: string
  appId: string
}

export const DEFAULT_SLACK_IDENTITY: SlackIdentity = {
  teamId: 'T0TEAM',
  teamName: 'Fake Workspace',
  botUserId: 'U0BOT',
  botId: 'B0BOT',
  appId: 'A0APP',
}

export type SlackChannelType = 'channel' | 'group' | 'im' | 'mpim'

let eventCounter = 0
let tsCounter = 0

/** A fresh, increasing Slack `ts` ("seconds.micros") near now. */
export function nextSlackTs(nowMs = Date.now()): string {
  tsCounter = (tsCounter + 1) % 1_000_000
  return `${Math.floor(nowMs / 1000)}.${String(tsCounter).padStart(6, '0')}`
}

/** A unique event id in Slack's shape (`Ev...`). */
export function nextEventId(): string {
  eventCounter += 1
  return `Ev${Date.now().toString(36).toUpperCase()}${String(eventCounter).padStart(4, '0')}`
}

export interface EnvelopeOptions {
  identity?: Partial<SlackIdentity>
  eventId?: string
  /** Unix seconds (default the event's ts). */
  eventTime?: number
  /** `false` leaves `authorizations` out, as some deliveries (and older apps) do. */
  authorizations?: false | Array<{ user_id: string; is_bot: boolean; team_id?: string }>
}

/** Wraps an inner event in an `event_callback` envelope. */
export function eventCallback(event: Record<string, unknown>, options: EnvelopeOptions = {}): Record<string, unknown> {
  const id = { ...DEFAULT_SLACK_IDENTITY, ...options.identity }
  const ts = typeof event.event_ts === 'string' ? event.event_ts : typeof event.ts === 'string' ? event.ts : nextSlackTs()
  const envelope: Record<string, unknown> = {
    token: 'deprecated-verification-token',
    team_id: id.teamId,
    api_app_id: id.appId,
    event,
    type: 'event_callback',
    event_id: options.eventId ?? nextEventId(),
    event_time: options.eventTime ?? Math.floor(Number(ts)),
    event_context: `4-${Buffer.from(`${id.teamId}:${String(event.channel ?? '')}`).toString('base64url')}`,
  }
  if (options.authorizations !== false) {
    envelope.authorizations = options.authorizations ?? [
      { enterprise_id: null, team_id: id.teamId, user_id: id.botUserId, is_bot: true, is_enterprise_install: false },
    ]
    envelope.is_ext_shared_channel = false
  }
  return envelope
}

export function urlVerification(challenge: string): Record<string, unknown> {
  return { token: 'deprecated-verification-token', challenge, type: 'url_verification' }
}

export interface MessageEventInput {
  channel: string
  channelType?: SlackChannelType
  user?: string
  text: string
  ts?: string
  threadTs?: string
  /** A bot's message: its `bot_id` (and `subtype: 'bot_message'` when `user` is absent). */
  botId?: string
  /** A bot's display name (bot_message). */
  username?: string
  subtype?: string
  files?: Array<Record<string, unknown>>
  team?: string
}

/** A `message` event (a new message, a thread reply with `thread_ts`, a bot message). */
export function messageEvent(input: MessageEventInput): Record<string, unknown> {
  const ts = input.ts ?? nextSlackTs()
  const event: Record<string, unknown> = {
    type: 'message',
    ...(input.subtype ? { subtype: input.subtype } : input.botId && !input.user ? { subtype: 'bot_message' } : {}),
    ...(input.user ? { user: input.user } : {}),
    ...(input.botId ? { bot_id: input.botId } : {}),
    ...(input.username ? { username: input.username } : {}),
    text: input.text,
    ts,
    ...(input.threadTs ? { thread_ts: input.threadTs, parent_user_id: 'U0PARENT' } : {}),
    ...(input.files ? { files: input.files, upload: false } : {}),
    ...(input.team ?? input.user ? { team: input.team ?? DEFAULT_SLACK_IDENTITY.teamId } : {}),
    channel: input.channel,
    event_ts: ts,
    channel_type: input.channelType ?? channelTypeOf(input.channel),
  }
  return event
}

export interface MessageChangedInput {
  channel: string
  channelType?: SlackChannelType
  /** The edited message's ts. */
  messageTs: string
  user: string
  text: string
  previousText?: string
  threadTs?: string
  /** The change event's own ts (default a fresh one). */
  ts?: string
}

/** A `message_changed` event: the message at `messageTs` now reads `text`. */
export function messageChangedEvent(input: MessageChangedInput): Record<string, unknown> {
  const ts = input.ts ?? nextSlackTs()
  const thread = input.threadTs ? { thread_ts: input.threadTs } : {}
  return {
    type: 'message',
    subtype: 'message_changed',
    message: { type: 'message', user: input.user, text: input.text, edited: { user: input.user, ts }, ts: input.messageTs, ...thread },
    previous_message: { type: 'message', user: input.user, text: input.previousText ?? '', ts: input.messageTs, ...thread },
    channel: input.channel,
    hidden: true,
    ts,
    event_ts: ts,
    channel_type: input.channelType ?? channelTypeOf(input.channel),
  }
}

export interface MessageDeletedInput {
  channel: string
  channelType?: SlackChannelType
  deletedTs: string
  /** The deleted message's author. */
  user: string
  previousText?: string
  ts?: string
}

/** A `message_deleted` event for the message at `deletedTs`. */
export function messageDeletedEvent(input: MessageDeletedInput): Record<string, unknown> {
  const ts = input.ts ?? nextSlackTs()
  return {
    type: 'message',
    subtype: 'message_deleted',
    previous_message: { type: 'message', user: input.user, text: input.previousText ?? '', ts: input.deletedTs },
    channel: input.channel,
    hidden: true,
    deleted_ts: input.deletedTs,
    ts,
    event_ts: ts,
    channel_type: input.channelType ?? channelTypeOf(input.channel),
  }
}

export interface ReactionInput {
  added: boolean
  user: string
  /** Slack's emoji name, without colons (`thumbsup`, `tada`, `thumbsup::skin-tone-2`). */
  reaction: string
  channel: string
  /** The ts of the message reacted to. */
  messageTs: string
  itemUser?: string
  eventTs?: string
}

/** A `reaction_added` / `reaction_removed` event on a message. */
export function reactionEvent(input: ReactionInput): Record<string, unknown> {
  const ts = input.eventTs ?? nextSlackTs()
  return {
    type: input.added ? 'reaction_added' : 'reaction_removed',
    user: input.user,
    reaction: input.reaction,
    ...(input.itemUser ? { item_user: input.itemUser } : {}),
    item: { type: 'message', channel: input.channel, ts: input.messageTs },
    event_ts: ts,
  }
}

/** Slack's convention: C public channel, G private (legacy), D direct message. */
export function channelTypeOf(channel: string): SlackChannelType {
  if (channel.startsWith('D')) return 'im'
  if (channel.startsWith('G')) return 'group'
  return 'channel'
}
