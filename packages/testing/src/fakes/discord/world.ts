import { snowflake } from './snowflake.js'

// The state a Discord fake keeps: one guild with text channels, an active thread and a DM, the users
// who talk there, and every message and reaction. REST calls change it; gateway dispatches describe it.

export const ChannelTypes = { GuildText: 0, DM: 1, PublicThread: 11, PrivateThread: 12 } as const

export interface FakeUser {
  id: string
  username: string
  global_name: string | null
  discriminator: string
  avatar: null
  bot?: boolean
}

export interface FakeChannel {
  id: string
  type: number
  name?: string
  guild_id?: string
  parent_id?: string | null
  recipients?: FakeUser[]
  [key: string]: unknown
}

export interface FakeAttachment {
  id: string
  filename: string
  size: number
  url: string
  proxy_url: string
  content_type?: string
  width?: number
  height?: number
  description?: string
}

export interface FakeMessage {
  id: string
  channel_id: string
  guild_id?: string
  author: FakeUser
  content: string
  timestamp: string
  edited_timestamp: string | null
  type: number
  message_reference?: { type?: number; message_id: string; channel_id: string; guild_id?: string }
  attachments: FakeAttachment[]
  [key: string]: unknown
}

export interface MessageInput {
  channelId: string
  author: FakeUser
  content: string
  replyTo?: string
  attachments?: FakeAttachment[]
  id?: string
}

/** Fixed ids for a world (recorded payloads refer to them); anything left out is a fresh snowflake. */
export interface WorldIds {
  bot?: string
  ada?: string
  grace?: string
  otherBot?: string
  guild?: string
  general?: string
  random?: string
  thread?: string
  dm?: string
}

function user(id: string, username: string, globalName: string | null, bot = false): FakeUser {
  return { id, username, global_name: globalName, discriminator: '0', avatar: null, ...(bot ? { bot: true } : {}) }
}

/** The fake guild and everything in it. Ids are real snowflakes, fresh per world. */
export class DiscordWorld {
  readonly bot: FakeUser
  readonly ada: FakeUser
  readonly grace: FakeUser
  readonly otherBot: FakeUser
  readonly guildId: string
  readonly guildName = 'Jido Test Guild'
  readonly channels = new Map<string, FakeChannel>()
  readonly messages = new Map<string, FakeMessage>()
  /** `messageId` -> emoji (as the URL names it, decoded) -> user ids. */
  readonly reactions = new Map<string, Map<string, Set<string>>>()
  /** The bytes of every attachment uploaded through REST, by attachment id. */
  readonly attachmentData = new Map<string, Buffer>()
  readonly ids: { general: string; random: string; thread: string; dm: string }

  constructor(fixed: WorldIds = {}) {
    this.guildId = fixed.guild ?? snowflake()
    this.bot = user(fixed.bot ?? snowflake(), 'jido-bot', 'Jido', true)
    this.ada = user(fixed.ada ?? snowflake(), 'ada', 'Ada Lovelace')
    this.grace = user(fixed.grace ?? snowflake(), 'grace', 'Grace Hopper')
    this.otherBot = user(fixed.otherBot ?? snowflake(), 'helper-bot', 'Helper', true)
    const general = this.addChannel({ id: fixed.general ?? snowflake(), type: ChannelTypes.GuildText, name: 'general', guild_id: this.guildId, parent_id: null })
    const random = this.addChannel({ id: fixed.random ?? snowflake(), type: ChannelTypes.GuildText, name: 'random', guild_id: this.guildId, parent_id: null })
    const thread = this.addThread(general.id, 'support thread', fixed.thread)
    const dm = this.addChannel({ id: fixed.dm ?? snowflake(), type: ChannelTypes.DM, recipients: [this.ada] })
    this.ids = { general: general.id, random: random.id, thread: thread.id, dm: dm.id }
  }

  addChannel(channel: FakeChannel): FakeChannel {
    this.channels.set(channel.id, channel)
    return channel
  }

  /** A public thread under `parentId`; a thread started from a message has that message's id. */
  addThread(parentId: string, name: string, id = snowflake()): FakeChannel {
    return this.addChannel({
      id,
      type: ChannelTypes.PublicThread,
      name,
      guild_id: this.guildId,
      parent_id: parentId,
      owner_id: this.bot.id,
      member_count: 1,
      message_count: 0,
      thread_metadata: { archived: false, auto_archive_duration: 1440, archive_timestamp: new Date().toISOString(), locked: false },
    })
  }

  isThread(channel: FakeChannel | undefined): boolean {
    return channel?.type === ChannelTypes.PublicThread || channel?.type === ChannelTypes.PrivateThread
  }

  /** Builds (and stores) a message as Discord would send it in MESSAGE_CREATE or a REST answer. */
  message(input: MessageInput): FakeMessage {
    const channel = this.channels.get(input.channelId)
    const guildId = channel?.guild_id
    const message: FakeMessage = {
      id: input.id ?? snowflake(),
      channel_id: input.channelId,
      ...(guildId === undefined ? {} : { guild_id: guildId }),
      author: input.author,
      content: input.content,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: input.attachments ?? [],
      embeds: [],
      pinned: false,
      flags: 0,
      components: [],
      type: input.replyTo === undefined ? 0 : 19,
      ...(input.replyTo === undefined
        ? {}
        : { message_reference: { type: 0, message_id: input.replyTo, channel_id: input.channelId, ...(guildId === undefined ? {} : { guild_id: guildId }) } }),
    }
    if (guildId !== undefined) message.member = { roles: [], joined_at: '2024-01-01T00:00:00.000Z', deaf: false, mute: false, flags: 0 }
    this.messages.set(message.id, message)
    return message
  }

  /** A message's attachments with the bytes uploaded for them (none for attachments seeded without bytes). */
  attachmentsOf(messageId: string): Array<{ filename: string; contentType?: string; data: Buffer }> {
    return (this.messages.get(messageId)?.attachments ?? []).flatMap((a) => {
      const data = this.attachmentData.get(a.id)
      return data === undefined ? [] : [{ filename: a.filename, ...(a.content_type === undefined ? {} : { contentType: a.content_type }), data }]
    })
  }

  /** A GUILD_CREATE payload: the guild, its @everyone role, channels, active threads and the bot as member. */
  guildCreate(): Record<string, unknown> {
    const inGuild = [...this.channels.values()].filter((c) => c.guild_id === this.guildId)
    const everyone = { id: this.guildId, name: '@everyone', permissions: '2248473465835073', position: 0, color: 0, hoist: false, managed: false, mentionable: false, flags: 0 }
    return {
      id: this.guildId,
      name: this.guildName,
      icon: null,
      owner_id: this.ada.id,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      mfa_level: 0,
      premium_tier: 0,
      preferred_locale: 'en-US',
      nsfw_level: 0,
      features: [],
      roles: [everyone],
      emojis: [],
      stickers: [],
      joined_at: '2024-01-01T00:00:00.000Z',
      large: false,
      unavailable: false,
      member_count: 3,
      members: [{ user: this.bot, roles: [], joined_at: '2024-01-01T00:00:00.000Z', deaf: false, mute: false, flags: 0 }],
      channels: inGuild.filter((c) => !this.isThread(c)).map((c, position) => ({ permission_overwrites: [], position, nsfw: false, topic: null, rate_limit_per_user: 0, ...c })),
      threads: inGuild.filter((c) => this.isThread(c)),
      presences: [],
      voice_states: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    }
  }
}
