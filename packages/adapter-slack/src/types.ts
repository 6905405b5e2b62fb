// Our own shapes of the Slack slices this adapter reads and calls. SDK types stay in outbound.ts and
// listener.ts; nothing here or in the public surface names them.

export interface SlackAdapterConfig {
  /** Timeout of one Web API call in milliseconds (default 10000). */
  timeoutMs?: number
  /** Clock in milliseconds, for the signature window (default `Date.now`). */
  now?: () => number
  /** Where the SDKs' own log lines go (default: dropped). */
  logger?: SlackAdapterLogger
  /** Builds the Web API client of a bridge (default the @slack/web-api WebClient); for tests and proxies. */
  createWebApi?: (options: WebApiOptions) => SlackWebApi
}

export interface SlackAdapterLogger {
  debug(...msg: unknown[]): void
  info(...msg: unknown[]): void
  warn(...msg: unknown[]): void
  error(...msg: unknown[]): void
}

export interface WebApiOptions {
  token: string
  /** Base URL ending in `/`, e.g. `https://slack.com/api/`. */
  apiUrl: string
  timeoutMs: number
  logger?: SlackAdapterLogger
}

/** The Web API as this adapter uses it: methods with their arguments, and file uploads. */
export interface SlackWebApi {
  /** One Web API method, resolving the `ok: true` body. */
  call(method: string, args: Record<string, unknown>): Promise<Record<string, unknown>>
  /**
   * files.uploadV2: files.getUploadURLExternal per file, the bytes POSTed to each upload URL, then
   * files.completeUploadExternal sharing them into the channel (and thread). Resolves the shared files
   * with the ts of the message showing them where Slack tells it.
   */
  uploadFiles(args: SlackUploadArgs): Promise<SlackSharedFile[]>
}

export interface SlackUploadArgs {
  channelId: string
  threadTs?: string
  files: Array<{ data: Uint8Array; filename: string; altText?: string }>
}

export interface SlackSharedFile {
  id: string
  /** The message showing the file, when completeUploadExternal's answer names it (Slack shares asynchronously). */
  ts?: string
}

/** Who the bot is in one workspace (from `auth.test`, or the event's `authorizations`). */
export interface BotIdentity {
  userId: string
  botId?: string
  teamId?: string
}

/** The Events API envelope fields we read. */
export interface SlackEnvelope {
  type?: string
  challenge?: unknown
  team_id?: string
  event_id?: string
  event_time?: number
  authorizations?: Array<{ user_id?: string; is_bot?: boolean; team_id?: string }>
  event?: SlackEvent
  [key: string]: unknown
}

export interface SlackFile {
  name?: string
  title?: string
  mimetype?: string
  size?: number
  url_private?: string
  permalink?: string
  original_w?: number
  original_h?: number
  duration_ms?: number
}

export interface SlackMessage {
  type?: string
  subtype?: string
  user?: string
  bot_id?: string
  username?: string
  bot_profile?: { name?: string }
  user_profile?: { name?: string; display_name?: string; real_name?: string }
  text?: string
  ts?: string
  thread_ts?: string
  files?: SlackFile[]
  edited?: { user?: string; ts?: string }
}

export interface SlackEvent extends SlackMessage {
  channel?: string
  channel_type?: string
  event_ts?: string
  hidden?: boolean
  message?: SlackMessage
  previous_message?: SlackMessage
  deleted_ts?: string
  reaction?: string
  item?: { type?: string; channel?: string; ts?: string }
  item_user?: string
}

/** Bridge options this adapter reads. */
export interface SlackBridgeOptions {
  apiUrl?: string
  ingress?: { mode?: 'webhook' | 'socket' }
}
