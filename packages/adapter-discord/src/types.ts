// Our own narrow view of Discord's JSON (API v10): only the fields the adapter reads. discord.js types
// stay inside outbound.ts and listener.ts; everything else speaks these.

export interface DiscordAdapterConfig {
  /** Clock in milliseconds, for interaction timestamps and events without one (default `Date.now`). */
  now?: () => number
  /** Timeout of one REST call in milliseconds (default 15000). */
  restTimeoutMs?: number
  /** How long `startListener` waits for the gateway to become ready, in milliseconds (default 30000). */
  readyTimeoutMs?: number
  /**
   * How a slash command is answered at once: `ack` (default) replies with a short ephemeral message,
   * `deferred` with type 5 (the bot then has 15 minutes to follow up through the interaction webhook).
   */
  commandReply?: 'ack' | 'deferred'
  /** Text of the ephemeral `ack` reply (default `Received.`). */
  ackText?: string
}

export interface RawUser {
  id: string
  username?: string
  global_name?: string | null
  bot?: boolean
}

export interface RawAttachment {
  id?: string
  filename?: string
  size?: number
  url?: string
  content_type?: string
  width?: number | null
  height?: number | null
  duration_secs?: number
  description?: string
}

export interface RawMessage {
  id: string
  channel_id: string
  guild_id?: string
  author?: RawUser
  member?: { nick?: string | null }
  content?: string
  timestamp?: string
  edited_timestamp?: string | null
  type?: number
  message_reference?: { type?: number; message_id?: string; channel_id?: string }
  attachments?: RawAttachment[]
}

export interface RawChannel {
  id: string
  type: number
  name?: string | null
  guild_id?: string
  parent_id?: string | null
}

export interface RawReaction {
  user_id: string
  channel_id: string
  message_id: string
  guild_id?: string
  member?: { user?: RawUser; nick?: string | null }
  emoji: { id: string | null; name: string | null; animated?: boolean }
}

/** A gateway dispatch as it travels on the socket (op 0). */
export interface DispatchPacket {
  op?: number
  t: string
  s?: number | null
  d: unknown
}

export interface CommandOptionData {
  name: string
  type: number
  value?: unknown
  options?: CommandOptionData[]
}

export interface RawInteraction {
  id: string
  application_id?: string
  type: number
  token?: string
  data?: { name?: string; options?: CommandOptionData[] }
  guild_id?: string
  channel_id?: string
  channel?: RawChannel
  member?: { user?: RawUser; nick?: string | null }
  user?: RawUser
}

/** Where a channel sits: a DM, a guild channel, or a thread under a parent channel. */
export interface ChannelInfo {
  id: string
  kind: 'dm' | 'guild' | 'thread'
  parentId?: string
  name?: string
}

/** A bridge's Discord settings, read from its credentials and options. */
export interface DiscordBridgeSettings {
  bridgeId: string
  botToken: string | undefined
  publicKey: string | undefined
  applicationId: string | undefined
  /** REST base without version, e.g. `https://discord.com/api`. */
  apiUrl: string
  /** Gateway intents bitfield. */
  intents: number
  /** The bot's user id when known without asking Discord (option, token, application id). */
  botUserId: string | undefined
  /** `allowed_mentions.parse` sent with every message (default none). */
  allowedMentions: Array<'users' | 'roles' | 'everyone'>
}
