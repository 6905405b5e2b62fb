import { AdapterError, type BridgeContext, type OutboundMessage, type SendResult } from '@jido-messaging/core'
import { ErrorCode, LogLevel, WebClient, type WebClientOptions } from '@slack/web-api'
import { toSlackReactionName, toSlackText } from './format.js'
import type { BotIdentity, SlackAdapterLogger, SlackSharedFile, SlackWebApi, WebApiOptions } from './types.js'

// Outbound calls through @slack/web-api's WebClient, with its own retries off: core's outbox owns
// retries, backoff and Retry-After. Every failure leaves here as an AdapterError.

export const DEFAULT_API_URL = 'https://slack.com/api/'

/** Platform errors (`ok: false`) that are Slack's trouble, not ours: worth another attempt. */
const RETRYABLE_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'team_added_to_org'])

/** The default Web API client: a WebClient that never retries and rejects rate-limited calls at once. */
export function createWebClientApi(options: WebApiOptions): SlackWebApi {
  const clientOptions: WebClientOptions = {
    slackApiUrl: options.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: options.timeoutMs,
    logger: sdkLogger(options.logger),
  }
  const client = new WebClient(options.token, clientOptions)
  return {
    call: async (method, args) => (await client.apiCall(method, args)) as unknown as Record<string, unknown>,
    async uploadFiles(args) {
      const result = await client.filesUploadV2({
        channel_id: args.channelId,
        ...(args.threadTs === undefined ? {} : { thread_ts: args.threadTs }),
        file_uploads: args.files.map((f) => ({ file: Buffer.from(f.data), filename: f.filename, ...(f.altText === undefined ? {} : { alt_text: f.altText }) })),
      })
      return sharedFiles(result as unknown as { files?: unknown }, args.channelId)
    },
  }
}

/** The files completeUploadExternal shared, with the ts of the message showing them when it says. */
function sharedFiles(result: { files?: unknown }, channelId: string): SlackSharedFile[] {
  type Share = Record<string, Array<{ ts?: unknown }> | undefined>
  type File = { id?: unknown; shares?: { public?: Share; private?: Share } }
  const completions = Array.isArray(result.files) ? (result.files as Array<{ files?: File[] }>) : []
  return completions.flatMap((c) => c.files ?? []).flatMap((f): SlackSharedFile[] => {
    if (typeof f.id !== 'string') return []
    const ts = (f.shares?.public?.[channelId] ?? f.shares?.private?.[channelId])?.[0]?.ts
    return [{ id: f.id, ...(typeof ts === 'string' ? { ts } : {}) }]
  })
}

/** One bridge's view of Slack: its Web API client and, once asked, who the bot is. */
export interface SlackBridgeApi {
  api: SlackWebApi
  identity(): Promise<BotIdentity>
}

export interface OutboundDeps {
  bridgeApi(bridge: BridgeContext): SlackBridgeApi
  /** Text already posted by deliveries whose files failed, so a retry uploads the files without repeating the text. */
  postedTexts: PostedTexts
}

/** Delivery id -> ts of its text message, bounded (the oldest go first). */
export class PostedTexts {
  private readonly posted = new Map<string, string>()
  constructor(private readonly max = 1000) {}
  get(deliveryId: string): string | undefined {
    return this.posted.get(deliveryId)
  }
  set(deliveryId: string, ts: string): void {
    this.posted.set(deliveryId, ts)
    if (this.posted.size > this.max) this.posted.delete(this.posted.keys().next().value!)
  }
  delete(deliveryId: string): void {
    this.posted.delete(deliveryId)
  }
}

/** The JSON metadata attached to each posted message: our delivery id and, for a reply, what it answers. */
export const DELIVERY_METADATA_TYPE = 'jido_delivery'

export async function sendMessage(bridge: BridgeContext, message: OutboundMessage, deps: OutboundDeps): Promise<SendResult> {
  if (message.uploads !== undefined && message.uploads.length > 0) return sendWithFiles(bridge, message, deps)
  return { externalMessageId: await postText(bridge, message, deps) }
}

/**
 * A message with files: the text by chat.postMessage, then the files (files.uploadV2) into the same
 * conversation. The text's ts is the copy's id, so later edits, deletes and reactions find it: Slack does
 * not say which message an upload's `initial_comment` became (it shares files asynchronously).
 */
async function sendWithFiles(bridge: BridgeContext, message: OutboundMessage, deps: OutboundDeps): Promise<SendResult> {
  const threadTs = message.externalThreadId ?? message.externalReplyToId
  let ts = deps.postedTexts.get(message.deliveryId)
  if (ts === undefined && message.text.trim() !== '') {
    ts = await postText(bridge, message, deps)
    deps.postedTexts.set(message.deliveryId, ts)
  }
  const files = message.uploads!.map((u) => ({ data: u.data, filename: u.filename, ...(u.altText === undefined ? {} : { altText: u.altText }) }))
  const where = `bridge ${bridge.bridgeId}: files.uploadV2`
  let shared: SlackSharedFile[]
  try {
    shared = await deps.bridgeApi(bridge).api.uploadFiles({ channelId: message.externalRoomId, ...(threadTs === undefined ? {} : { threadTs }), files })
  } catch (error) {
    throw toAdapterError(error, where)
  }
  deps.postedTexts.delete(message.deliveryId)
  // Files alone: the message showing them where Slack names it, else the first file's id.
  const id = ts ?? shared.find((f) => f.ts !== undefined)?.ts ?? shared[0]?.id
  if (id === undefined) throw new AdapterError(`[adapter-slack] ${where} answered without files`, { retryable: false })
  return { externalMessageId: id }
}

async function postText(bridge: BridgeContext, message: OutboundMessage, deps: OutboundDeps): Promise<string> {
  // Slack has no reply-to-message: a reply goes into the thread of the message it answers.
  const threadTs = message.externalThreadId ?? message.externalReplyToId
  const args: Record<string, unknown> = {
    channel: message.externalRoomId,
    text: toSlackText(message.text),
    ...(threadTs === undefined ? {} : { thread_ts: threadTs }),
    metadata: {
      event_type: DELIVERY_METADATA_TYPE,
      event_payload: { delivery_id: message.deliveryId, ...(message.externalReplyToId === undefined ? {} : { reply_to: message.externalReplyToId }) },
    },
  }
  const result = await call(bridge, deps, 'chat.postMessage', args)
  const ts = result.ts
  if (typeof ts !== 'string' || ts === '') {
    throw new AdapterError(`[adapter-slack] bridge ${bridge.bridgeId}: chat.postMessage answered without a ts`, { retryable: false })
  }
  return ts
}

export async function editMessage(bridge: BridgeContext, target: { externalRoomId: string; externalMessageId: string; text: string }, deps: OutboundDeps): Promise<void> {
  await call(bridge, deps, 'chat.update', { channel: target.externalRoomId, ts: target.externalMessageId, text: toSlackText(target.text) })
}

export async function deleteMessage(bridge: BridgeContext, target: { externalRoomId: string; externalMessageId: string }, deps: OutboundDeps): Promise<void> {
  await call(bridge, deps, 'chat.delete', { channel: target.externalRoomId, ts: target.externalMessageId })
}

export async function react(
  bridge: BridgeContext,
  target: { externalRoomId: string; externalMessageId: string; emoji: string },
  added: boolean,
  deps: OutboundDeps,
): Promise<void> {
  const method = added ? 'reactions.add' : 'reactions.remove'
  const args = { channel: target.externalRoomId, timestamp: target.externalMessageId, name: toSlackReactionName(target.emoji) }
  try {
    await call(bridge, deps, method, args)
  } catch (error) {
    // Already in the wanted state: reactions are idempotent in the canonical model.
    const code = error instanceof SlackAdapterError ? error.platformError : undefined
    if (code === (added ? 'already_reacted' : 'no_reaction')) return
    throw error
  }
}

/** `auth.test`: the bot's user id, bot id and team. */
export async function fetchIdentity(bridge: BridgeContext, api: SlackWebApi): Promise<BotIdentity> {
  const result = await invoke(bridge, api, 'auth.test', {})
  const userId = result.user_id
  if (typeof userId !== 'string' || userId === '') {
    throw new AdapterError(`[adapter-slack] bridge ${bridge.bridgeId}: auth.test answered without a user_id`, { retryable: false })
  }
  return {
    userId,
    ...(typeof result.bot_id === 'string' ? { botId: result.bot_id } : {}),
    ...(typeof result.team_id === 'string' ? { teamId: result.team_id } : {}),
  }
}

function call(bridge: BridgeContext, deps: OutboundDeps, method: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  return invoke(bridge, deps.bridgeApi(bridge).api, method, args)
}

async function invoke(bridge: BridgeContext, api: SlackWebApi, method: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  try {
    return await api.call(method, args)
  } catch (error) {
    throw toAdapterError(error, `bridge ${bridge.bridgeId}: ${method}`)
  }
}

/** An AdapterError that carries Slack's error code (`channel_not_found`, `already_reacted`, ...). */
export class SlackAdapterError extends AdapterError {
  constructor(message: string, options: ConstructorParameters<typeof AdapterError>[1], readonly platformError: string) {
    super(message, options)
  }
}

/**
 * An SDK error as core's AdapterError: 429 retryable with Slack's Retry-After; an `ok: false` error
 * terminal unless it is Slack's own trouble; other HTTP 4xx terminal; 5xx, network errors and
 * timeouts retryable. The Slack error code travels as `platformError`.
 */
export function toAdapterError(error: unknown, where: string): AdapterError {
  if (error instanceof AdapterError) return error
  const e = error as { code?: unknown; retryAfter?: unknown; statusCode?: unknown; data?: { error?: unknown }; original?: unknown; message?: unknown }
  const message = typeof e.message === 'string' ? e.message : String(error)
  let adapterError: AdapterError
  if (e.code === ErrorCode.RateLimitedError) {
    const seconds = typeof e.retryAfter === 'number' && Number.isFinite(e.retryAfter) ? e.retryAfter : undefined
    adapterError = new AdapterError(`[adapter-slack] ${where}: rate limited${seconds === undefined ? '' : `, retry after ${seconds} s`}`, {
      retryable: true, status: 429, cause: error, ...(seconds === undefined ? {} : { retryAfterMs: Math.ceil(seconds * 1000) }),
    })
  } else if (e.code === ErrorCode.PlatformError) {
    const code = typeof e.data?.error === 'string' ? e.data.error : 'unknown_error'
    adapterError = new SlackAdapterError(`[adapter-slack] ${where}: ${code}`, { retryable: RETRYABLE_ERRORS.has(code), cause: error }, code)
  } else if (e.code === ErrorCode.HTTPError && typeof e.statusCode === 'number') {
    const status = e.statusCode
    const retryable = status === 429 || status >= 500
    adapterError = new AdapterError(`[adapter-slack] ${where}: HTTP ${status}`, { retryable, status, cause: error })
  } else if (e.code === ErrorCode.RequestError) {
    const original = e.original instanceof Error ? e.original.message : message
    adapterError = new AdapterError(`[adapter-slack] ${where}: request failed: ${original}`, { retryable: true, cause: error })
  } else if (/rate limit|retry header/i.test(message)) {
    // A 429 whose Retry-After the SDK could not read: retry on our own backoff.
    adapterError = new AdapterError(`[adapter-slack] ${where}: rate limited`, { retryable: true, status: 429, cause: error })
  } else {
    adapterError = new AdapterError(`[adapter-slack] ${where}: ${message}`, { retryable: true, cause: error })
  }
  return adapterError
}

function sdkLogger(logger: SlackAdapterLogger | undefined): NonNullable<WebClientOptions['logger']> {
  const drop = () => {}
  let level = LogLevel.ERROR
  return {
    debug: drop,
    info: drop,
    warn: (...msg: unknown[]) => logger?.warn('[adapter-slack]', ...msg),
    error: (...msg: unknown[]) => logger?.error('[adapter-slack]', ...msg),
    setLevel: (l) => void (level = l),
    getLevel: () => level,
    setName: drop,
  }
}
