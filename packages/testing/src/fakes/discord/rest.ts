import type { IncomingMessage, ServerResponse } from 'node:http'
import { multipartFiles } from '../http.js'
import { snowflake } from './snowflake.js'
import type { DiscordWorld, FakeAttachment, FakeChannel, FakeMessage } from './world.js'

// The Discord REST API (v10) as far as the adapter uses it, over the fake's world. Every request is
// recorded; `failNext` scripts 429s (JSON `retry_after` in float seconds plus X-RateLimit-* headers),
// 4xx and 5xx for the next calls to channel routes. A message create with files comes as Discord takes
// it: multipart/form-data with `payload_json` and `files[n]` parts; the files become the message's
// attachments, their bytes kept in the world (`world.attachmentData`).

/** One request that reached the fake REST API. */
export interface DiscordRestCall {
  method: string
  /** Path after `/api/v10`, e.g. `/channels/123/messages`. */
  path: string
  authorization: string | undefined
  /** The JSON body (for multipart, the parsed `payload_json`). */
  body: unknown
  /** Files of a multipart body: form field, file name, size in bytes. */
  files?: Array<{ field: string; filename: string; size: number }>
  status: number
  /** When it arrived (ms since the epoch). */
  at: number
}

/** One platform-side effect, in the adapter conformance vocabulary (a message in a thread names its parent as room). */
export type DiscordOperation =
  | { op: 'send'; externalRoomId: string; externalMessageId: string; text: string; externalThreadId?: string; externalReplyToId?: string; allowedMentions?: unknown }
  | { op: 'edit'; externalRoomId: string; externalMessageId: string; text: string; externalThreadId?: string }
  | { op: 'delete'; externalRoomId: string; externalMessageId: string; externalThreadId?: string }
  | { op: 'addReaction' | 'removeReaction'; externalRoomId: string; externalMessageId: string; emoji: string; externalThreadId?: string }
  | { op: 'startTyping'; externalRoomId: string; externalThreadId?: string }
  | { op: 'openThread'; externalRoomId: string; externalMessageId: string; externalThreadId: string; name: string }
  /** One attachment of a message the bot sent (after that message's `send`). */
  | { op: 'upload'; externalRoomId: string; externalMessageId: string; filename: string; contentType?: string; data: Buffer; externalThreadId?: string }

export interface DiscordFailure {
  status: number
  /** For 429: the delay Discord asks for, in seconds (fractions allowed). Default 1. */
  retryAfterSeconds?: number
  /**
   * For 429: `shared` (a per-resource limit; the route's bucket keeps requests left, the default),
   * `user` (the route's bucket is exhausted: X-RateLimit-Remaining 0 until the reset) or `global`.
   */
  scope?: 'shared' | 'user' | 'global'
}

export interface RestHooks {
  token: string
  /** Gateway dispatch of what REST changed (the bot's own MESSAGE_CREATE, THREAD_CREATE...). */
  dispatch(t: string, d: unknown): void
  gatewayUrl(): string
}

interface Reply {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

export class DiscordRest {
  readonly calls: DiscordRestCall[] = []
  readonly operations: DiscordOperation[] = []
  private readonly failures: DiscordFailure[] = []
  /** `channelId nonce` -> message id, for `enforce_nonce` (Discord drops a resend with a recent nonce). */
  private readonly nonces = new Map<string, string>()

  constructor(private readonly world: DiscordWorld, private readonly hooks: RestHooks) {}

  failNext(count: number, failure: DiscordFailure): void {
    for (let i = 0; i < count; i++) this.failures.push(failure)
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = Date.now()
    const raw = await readBody(req)
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const method = (req.method ?? 'GET').toUpperCase()
    const path = url.pathname.replace(/^\/api\/v10/, '')
    const contentType = req.headers['content-type'] ?? ''
    let body: unknown
    let files: UploadedPart[] | undefined
    if (contentType.toLowerCase().startsWith('multipart/form-data')) {
      const form = await multipartFiles(raw, contentType)
      files = form.files
      body = parseJson(form.fields['payload_json'] ?? '')
    } else {
      body = parseJson(raw.toString('utf8'))
    }
    const authorization = req.headers.authorization
    let reply: Reply
    if (!url.pathname.startsWith('/api/v10/')) reply = error(404, 0, '404: Not Found')
    else if (authorization !== `Bot ${this.hooks.token}`) reply = error(401, 0, '401: Unauthorized')
    else if (path.startsWith('/channels/') && this.failures.length > 0) reply = failureReply(this.failures.shift()!, bucketOf(method, path))
    else reply = this.route(method, path, body, files ?? [])
    // Every channel route answers with its bucket, as Discord does; the fake never exhausts one by itself.
    if (path.startsWith('/channels/') && reply.status < 400) {
      reply.headers = { 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '4', 'x-ratelimit-reset-after': '1.000', 'x-ratelimit-bucket': bucketOf(method, path), ...reply.headers }
    }
    this.calls.push({ method, path, authorization, body, ...(files === undefined ? {} : { files: files.map((f) => ({ field: f.field, filename: f.filename, size: f.data.length })) }), status: reply.status, at })
    const headers: Record<string, string> = { ...reply.headers }
    if (reply.body !== undefined) headers['content-type'] = 'application/json'
    res.writeHead(reply.status, headers)
    res.end(reply.body === undefined ? undefined : JSON.stringify(reply.body))
  }

  private route(method: string, path: string, body: unknown, files: UploadedPart[]): Reply {
    const parts = path.split('/').filter((p) => p.length > 0).map(decodeURIComponent)
    const [head, id, sub, mid, sub2, emoji, me] = parts
    if (method === 'GET' && path === '/gateway/bot') {
      return ok({ url: this.hooks.gatewayUrl(), shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 } })
    }
    if (method === 'GET' && path === '/gateway') return ok({ url: this.hooks.gatewayUrl() })
    if (method === 'GET' && path === '/users/@me') return ok(this.world.bot)
    if (head !== 'channels' || id === undefined) return error(404, 0, '404: Not Found')
    const channel = this.world.channels.get(id)
    if (!channel) return error(404, 10003, 'Unknown Channel')
    const where = this.where(channel)
    if (parts.length === 2 && method === 'GET') return ok(channel)
    if (sub === 'typing' && parts.length === 3 && method === 'POST') {
      this.operations.push({ op: 'startTyping', ...where })
      return { status: 204 }
    }
    if (sub === 'threads' && parts.length === 3 && method === 'POST') return this.startThread(channel, undefined, body)
    if (sub !== 'messages') return error(404, 0, '404: Not Found')
    if (parts.length === 3 && method === 'POST') return this.createMessage(channel, body, files)
    const message = mid === undefined ? undefined : this.world.messages.get(mid)
    if (!message || message.channel_id !== channel.id) return error(404, 10008, 'Unknown Message')
    if (parts.length === 4) {
      if (method === 'GET') return ok(message)
      if (method === 'PATCH') return this.editMessage(message, where, body)
      if (method === 'DELETE') {
        this.world.messages.delete(message.id)
        this.operations.push({ op: 'delete', ...where, externalMessageId: message.id })
        this.hooks.dispatch('MESSAGE_DELETE', { id: message.id, channel_id: channel.id, ...(channel.guild_id ? { guild_id: channel.guild_id } : {}) })
        return { status: 204 }
      }
    }
    if (sub2 === 'threads' && parts.length === 5 && method === 'POST') return this.startThread(channel, message, body)
    if (sub2 === 'reactions' && emoji !== undefined && me === '@me' && parts.length === 7 && (method === 'PUT' || method === 'DELETE')) {
      const byEmoji = this.world.reactions.get(message.id) ?? new Map<string, Set<string>>()
      this.world.reactions.set(message.id, byEmoji)
      const users = byEmoji.get(emoji) ?? new Set<string>()
      byEmoji.set(emoji, users)
      if (method === 'PUT') users.add(this.world.bot.id)
      else users.delete(this.world.bot.id)
      this.operations.push({ op: method === 'PUT' ? 'addReaction' : 'removeReaction', ...where, externalMessageId: message.id, emoji })
      return { status: 204 }
    }
    return error(405, 0, '405: Method Not Allowed')
  }

  /** The conversation a channel is: a thread names its parent as room and itself as thread. */
  private where(channel: FakeChannel): { externalRoomId: string; externalThreadId?: string } {
    if (this.world.isThread(channel) && typeof channel.parent_id === 'string') return { externalRoomId: channel.parent_id, externalThreadId: channel.id }
    return { externalRoomId: channel.id }
  }

  private createMessage(channel: FakeChannel, body: unknown, files: UploadedPart[]): Reply {
    const b = (body ?? {}) as {
      content?: unknown; message_reference?: { message_id?: unknown; fail_if_not_exists?: boolean }; allowed_mentions?: unknown; nonce?: unknown; enforce_nonce?: unknown
      attachments?: Array<{ id?: unknown; filename?: unknown; description?: unknown }>
    }
    const nonceKey = b.enforce_nonce === true && (typeof b.nonce === 'string' || typeof b.nonce === 'number') ? `${channel.id} ${String(b.nonce)}` : undefined
    const earlier = nonceKey === undefined ? undefined : this.world.messages.get(this.nonces.get(nonceKey) ?? '')
    if (earlier) return ok(earlier)
    const content = b.content ?? ''
    if (typeof content !== 'string' || (content.length === 0 && files.length === 0)) return error(400, 50006, 'Cannot send an empty message')
    if (content.length > 2000) return error(400, 50035, 'Invalid Form Body: content: Must be 2000 or fewer in length.')
    if (files.length > 10) return error(400, 50035, 'Invalid Form Body: files: Must be 10 or fewer in length.')
    if (files.some((f) => f.data.length > ATTACHMENT_LIMIT)) return error(413, 40005, 'Request entity too large')
    const attachments = files.map((f, i) => this.attachment(channel, f, i, b.attachments))
    const replyTo = b.message_reference?.message_id
    if (replyTo !== undefined && (typeof replyTo !== 'string' || !this.world.messages.has(replyTo)) && b.message_reference?.fail_if_not_exists !== false) {
      return error(400, 50035, 'Invalid Form Body: message_reference: Unknown message')
    }
    const message = this.world.message({
      channelId: channel.id, author: this.world.bot, content, ...(typeof replyTo === 'string' ? { replyTo } : {}),
      ...(attachments.length === 0 ? {} : { attachments: attachments.map((a) => a.attachment) }),
    })
    for (const a of attachments) this.world.attachmentData.set(a.attachment.id, a.data)
    if (nonceKey !== undefined) this.nonces.set(nonceKey, message.id)
    this.operations.push({
      op: 'send',
      ...this.where(channel),
      externalMessageId: message.id,
      text: message.content,
      ...(typeof replyTo === 'string' ? { externalReplyToId: replyTo } : {}),
      ...(b.allowed_mentions === undefined ? {} : { allowedMentions: b.allowed_mentions }),
    })
    for (const { attachment, data } of attachments) {
      this.operations.push({ op: 'upload', ...this.where(channel), externalMessageId: message.id, filename: attachment.filename, data,
        ...(attachment.content_type === undefined ? {} : { contentType: attachment.content_type }) })
    }
    // Discord echoes the bot's own messages on the gateway; the adapter must see them as its own.
    this.hooks.dispatch('MESSAGE_CREATE', message)
    return ok(message)
  }

  /** A `files[n]` part as an attachment, named by its `attachments` entry (matched by id n) or the part's file name. */
  private attachment(channel: FakeChannel, part: UploadedPart, index: number, declared: Array<{ id?: unknown; filename?: unknown; description?: unknown }> | undefined): { attachment: FakeAttachment; data: Buffer } {
    const n = /^files\[(\d+)\]$/.exec(part.field)?.[1] ?? String(index)
    const entry = declared?.find((a) => String(a.id) === n)
    const filename = typeof entry?.filename === 'string' ? entry.filename : part.filename
    const id = snowflake()
    const url = `https://cdn.discordapp.com/attachments/${channel.id}/${id}/${encodeURIComponent(filename)}`
    const attachment: FakeAttachment = {
      id, filename, size: part.data.length, url, proxy_url: url.replace('cdn.discordapp.com', 'media.discordapp.net'),
      ...(part.contentType === '' ? {} : { content_type: part.contentType }),
      ...(typeof entry?.description === 'string' ? { description: entry.description } : {}),
    }
    return { attachment, data: part.data }
  }

  private editMessage(message: FakeMessage, where: { externalRoomId: string; externalThreadId?: string }, body: unknown): Reply {
    if (message.author.id !== this.world.bot.id) return error(403, 50005, 'Cannot edit a message authored by another user')
    const content = (body as { content?: unknown } | undefined)?.content
    if (typeof content !== 'string' || content.length === 0 || content.length > 2000) return error(400, 50035, 'Invalid Form Body: content')
    message.content = content
    message.edited_timestamp = new Date().toISOString()
    this.operations.push({ op: 'edit', ...where, externalMessageId: message.id, text: content })
    this.hooks.dispatch('MESSAGE_UPDATE', message)
    return ok(message)
  }

  private startThread(channel: FakeChannel, message: FakeMessage | undefined, body: unknown): Reply {
    if (this.world.isThread(channel) || channel.guild_id === undefined) return error(400, 50024, 'Cannot execute action on this channel type')
    const name = (body as { name?: unknown } | undefined)?.name
    if (typeof name !== 'string' || name.length === 0 || name.length > 100) return error(400, 50035, 'Invalid Form Body: name')
    // A thread started from a message has the message's id (Discord does the same).
    const thread = this.world.addThread(channel.id, name, message?.id ?? snowflake())
    if (message) this.operations.push({ op: 'openThread', externalRoomId: channel.id, externalMessageId: message.id, externalThreadId: thread.id, name })
    this.hooks.dispatch('THREAD_CREATE', { ...thread, newly_created: true })
    return { status: 201, body: thread }
  }
}

function ok(body: unknown): Reply {
  return { status: 200, body }
}

function error(status: number, code: number, message: string): Reply {
  return { status, body: { message, code } }
}

/** A bucket hash per route template (ids other than the channel's replaced), like Discord's opaque ones. */
function bucketOf(method: string, path: string): string {
  const template = path.replace(/^\/channels\/\d+/, '/channels/:channel').replace(/\/\d+/g, '/:id').replace(/\/reactions\/[^/]+/, '/reactions/:emoji')
  return Buffer.from(`${method} ${template}`).toString('base64url').slice(0, 24)
}

function failureReply(failure: DiscordFailure, bucket: string): Reply {
  if (failure.status !== 429) return error(failure.status, 0, `${failure.status}: scripted failure`)
  const seconds = failure.retryAfterSeconds ?? 1
  const scope = failure.scope ?? 'shared'
  const headers: Record<string, string> = {
    'retry-after': String(Math.ceil(seconds)),
    'x-ratelimit-limit': '5',
    'x-ratelimit-remaining': scope === 'user' ? '0' : '4',
    'x-ratelimit-reset-after': seconds.toFixed(3),
    'x-ratelimit-reset': ((Date.now() + seconds * 1000) / 1000).toFixed(3),
    'x-ratelimit-bucket': bucket,
    'x-ratelimit-scope': scope,
  }
  if (scope === 'global') headers['x-ratelimit-global'] = 'true'
  return { status: 429, headers, body: { message: 'You are being rate limited.', retry_after: seconds, global: scope === 'global', ...(scope === 'global' ? {} : { code: 0 }) } }
}

type UploadedPart = { field: string; filename: string; contentType: string; data: Buffer }

/** Discord's attachment limit for bots in a server without boosts. */
const ATTACHMENT_LIMIT = 10 * 1024 * 1024

function parseJson(raw: string): unknown {
  try {
    return raw.length > 0 ? JSON.parse(raw) : undefined
  } catch {
    return raw
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}
