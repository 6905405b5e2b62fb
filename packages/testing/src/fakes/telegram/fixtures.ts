import type { TgChat, TgMessage, TgUpdate, TgUser } from './types.js'

// Realistic Bot API objects shared by the fake's recorded payloads and the adapter's tests.

export const TELEGRAM_BOT_TOKEN = '7000000001:AAFakeTokenForJidoTests'
/** 2024-05-01T12:30:00Z */
export const T0 = 1714566600

export const tgUsers = {
  bot: { id: 7000000001, is_bot: true, first_name: 'Jido Test Bot', username: 'jido_test_bot' },
  ada: { id: 501, is_bot: false, first_name: 'Ada', last_name: 'Lovelace', username: 'ada', language_code: 'en' },
  grace: { id: 502, is_bot: false, first_name: 'Grace' },
  helperBot: { id: 8000000002, is_bot: true, first_name: 'Helper', username: 'helper_bot' },
  /** Telegram's stand-in sender for anonymous group admins (the real sender is `sender_chat`). */
  anonymousAdmin: { id: 1087968824, is_bot: true, first_name: 'Group', username: 'GroupAnonymousBot' },
} satisfies Record<string, TgUser>

export const tgChats = {
  adaPrivate: { id: 501, type: 'private', first_name: 'Ada', last_name: 'Lovelace', username: 'ada' },
  team: { id: -4001, type: 'group', title: 'Team' },
  /** A forum supergroup (topics). */
  ops: { id: -1001234567890, type: 'supergroup', title: 'Ops', is_forum: true },
  /** A supergroup without topics: replies there still carry message_thread_id. */
  lounge: { id: -1009876543210, type: 'supergroup', title: 'Lounge' },
  news: { id: -1005550001, type: 'channel', title: 'News', username: 'news_channel' },
} satisfies Record<string, TgChat>

/** The forum topic of `tgChats.ops` the fixtures use, and a message in it from Grace. */
export const OPS_TOPIC_ID = 42
export const OPS_TOPIC_MESSAGE_ID = 100

const topicRoot: TgMessage = {
  message_id: OPS_TOPIC_ID, message_thread_id: OPS_TOPIC_ID, is_topic_message: true, from: tgUsers.ada, chat: tgChats.ops, date: T0 - 3600,
  forum_topic_created: { name: 'Incidents', icon_color: 7322096 },
}
const topicMessage: TgMessage = {
  message_id: OPS_TOPIC_MESSAGE_ID, message_thread_id: OPS_TOPIC_ID, is_topic_message: true, from: tgUsers.grace, chat: tgChats.ops, date: T0 - 60,
  text: 'disk full on db-2', reply_to_message: topicRoot,
}

/** One update of each shape the adapter handles (and one it ignores), by name. */
export const tgUpdates = {
  privateText: { update_id: 1001, message: { message_id: 11, from: tgUsers.ada, chat: tgChats.adaPrivate, date: T0, text: 'hello bot' } },
  groupText: { update_id: 1002, message: { message_id: 21, from: tgUsers.grace, chat: tgChats.team, date: T0 + 60, text: 'morning all' } },
  topicReply: {
    update_id: 1003,
    message: { message_id: 105, message_thread_id: OPS_TOPIC_ID, is_topic_message: true, from: tgUsers.ada, chat: tgChats.ops, date: T0, text: 'on it', reply_to_message: topicMessage },
  },
  topicMessage: {
    update_id: 1004,
    message: { message_id: 106, message_thread_id: OPS_TOPIC_ID, is_topic_message: true, from: tgUsers.ada, chat: tgChats.ops, date: T0, text: 'status?', reply_to_message: topicRoot },
  },
  supergroupReply: {
    update_id: 1005,
    message: {
      message_id: 78, message_thread_id: 77, from: tgUsers.grace, chat: tgChats.lounge, date: T0, text: 'agreed',
      reply_to_message: { message_id: 77, from: tgUsers.ada, chat: tgChats.lounge, date: T0 - 30, text: 'ship it?' },
    },
  },
  channelPost: { update_id: 1006, channel_post: { message_id: 5, sender_chat: tgChats.news, chat: tgChats.news, date: T0, text: 'release 1.2 is out' } },
  edited: { update_id: 1007, edited_message: { message_id: 11, from: tgUsers.ada, chat: tgChats.adaPrivate, date: T0, edit_date: T0 + 300, text: 'hello bot!' } },
  editedChannelPost: {
    update_id: 1008,
    edited_channel_post: { message_id: 5, sender_chat: tgChats.news, chat: tgChats.news, date: T0, edit_date: T0 + 120, text: 'release 1.2.1 is out' },
  },
  reactionAdded: {
    update_id: 1009,
    message_reaction: { chat: tgChats.team, message_id: 21, user: tgUsers.ada, date: T0 + 90, old_reaction: [], new_reaction: [{ type: 'emoji', emoji: '👍' }] },
  },
  reactionChanged: {
    update_id: 1010,
    message_reaction: {
      chat: tgChats.team, message_id: 21, user: tgUsers.ada, date: T0 + 95,
      old_reaction: [{ type: 'emoji', emoji: '👍' }], new_reaction: [{ type: 'emoji', emoji: '🔥' }],
    },
  },
  photo: {
    update_id: 1011,
    message: {
      message_id: 22, from: tgUsers.ada, chat: tgChats.team, date: T0 + 120, caption: 'the whiteboard',
      photo: [
        { file_id: 'AgAC-small', file_unique_id: 'AQAD-s', width: 90, height: 67, file_size: 1500 },
        { file_id: 'AgAC-mid', file_unique_id: 'AQAD-m', width: 320, height: 240, file_size: 17000 },
        { file_id: 'AgAC-large', file_unique_id: 'AQAD-l', width: 1280, height: 960, file_size: 154321 },
      ],
    },
  },
  document: {
    update_id: 1012,
    message: {
      message_id: 23, from: tgUsers.ada, chat: tgChats.team, date: T0 + 180,
      document: { file_id: 'BQAC-report', file_unique_id: 'AgAD-r', file_name: 'report.pdf', mime_type: 'application/pdf', file_size: 48213 },
    },
  },
  ownMessage: { update_id: 1013, message: { message_id: 24, from: tgUsers.bot, chat: tgChats.team, date: T0 + 200, text: 'I am the bot' } },
  otherBot: { update_id: 1014, message: { message_id: 25, from: tgUsers.helperBot, chat: tgChats.team, date: T0 + 210, text: 'beep' } },
  anonymousAdmin: {
    update_id: 1015,
    message: { message_id: 79, from: tgUsers.anonymousAdmin, sender_chat: tgChats.lounge, chat: tgChats.lounge, date: T0 + 220, text: 'pinned the rules' },
  },
  memberChange: {
    update_id: 1016,
    my_chat_member: { chat: tgChats.team, from: tgUsers.ada, date: T0, old_chat_member: { status: 'left', user: tgUsers.bot }, new_chat_member: { status: 'member', user: tgUsers.bot } },
  },
} satisfies Record<string, TgUpdate>
