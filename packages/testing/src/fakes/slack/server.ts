import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { DEFAULT_SLACK_IDENTITY, type SlackIdentity } from './events.js'
import { FakeSlackState, type ChannelSeed, type FakeSlackChannel, type FakeSlackFile, type FakeSlackMessage } from './state.js'
import { multipartFiles, readBody, readBytes } from '../http.js'

// A stateful fake of Slack's Web API (and of Socket Mode's WebSocket) on 127.0.0.1. Bodies are taken
// form-encoded (what @slack/web-api sends) or as JSON; the bot token is checked on every call
// (`Authorization: Bearer`, or a `token` field). Every call is recorded; successful ones change the
// workspace state (messages by ts, threads, reactions, uploaded files), which tests assert on. File
// uploads go as Slack's do: files.getUploadURLExternal hands out an upload URL (here on the fake itself),
// the bytes are POSTed there, and files.completeUploadExternal shares the files into a channel.

export interface FakeSlackOptions {
  botToken?: string
  /** The app-level token Socket Mode connects with (`apps.connections.open`). */
  appToken?: string
  identity?: Partial<SlackIdentity>
  /** Channels the workspace starts with (default C0GENERAL, G0PRIVATE, D0DIRECT, and the mpim G0MPIM). */
  channels?: ChannelSeed[]
  /**
   * Longest message text accepted, counted as Slack displays it (entities one character, a link its
   * label); longer is `msg_too_long`. Default 4000, the limit adapter-slack chunks to.
   */
  maxVisibleChars?: number
}

export interface FakeSlackCall {
  method: string
  /** When it arrived (ms since the epoch). */
  at: number
  params: Record<string, unknown>
  /** How the body arrived. */
  encoding: 'form' | 'json' | 'none'
  /** The token the call carried (Bearer header or `token` field). */
  token?: string
  /** What the fake answered. */
  status: number
  ok: boolean
  error?: string
  /** The JSON the fake answered with (for a successful call, e.g. the posted message's `ts`). */
  response?: Record<string, unknown>
}

/** A scripted failure of the next calls: an HTTP status (429 with Retry-After), or an `ok:false` error. */
export interface FakeSlackFailure {
  status?: number
  retryAfterSeconds?: number
  /** Answer HTTP 200 `{ok: false, error}` (e.g. `channel_not_found`, `internal_error`). */
  error?: string
  /** Only calls of this method consume the failure (default any call); `upload` names the POST to an upload URL. */
  method?: string
}

/** One POST to an upload URL. */
export interface FakeSlackUpload {
  fileId: string
  at: number
  status: number
  /** The `Authorization` header it carried, if any (the upload URL needs none). */
  authorization?: string
}

export interface SocketEnvelopeOptions {
  /** `events_api` (default), `slash_commands`, `interactive`. */
  type?: string
  retryAttempt?: number
  retryReason?: string
}

export interface FakeSlack {
  /** The Web API base to give as `slackApiUrl` / a bridge's `options.apiUrl`: `http://127.0.0.1:PORT/api/`. */
  readonly url: string
  readonly botToken: string
  readonly appToken: string
  readonly identity: SlackIdentity
  readonly state: FakeSlackState
  /** Every Web API call, in arrival order, failed ones included. */
  readonly calls: readonly FakeSlackCall[]
  /** Successful calls of one method, in order. */
  callsOf(method: string): FakeSlackCall[]
  addChannel(seed: ChannelSeed): FakeSlackChannel
  /** Seeds a message from someone (a person, by default U0HUMAN) straight into the workspace. */
  postAs(channel: string, text: string, options?: { user?: string; threadTs?: string }): FakeSlackMessage
  /** A channel's messages in ts order, or one thread's (root first). */
  messages(channel: string, options?: { threadTs?: string }): FakeSlackMessage[]
  /** Files shared by files.completeUploadExternal, in the order they were shared (into `channel` only, if given). */
  files(channel?: string): FakeSlackFile[]
  /** Every POST to an upload URL, in arrival order. */
  readonly uploads: readonly FakeSlackUpload[]
  failNext(count: number, failure: FakeSlackFailure): void
  /** Socket Mode: open connections (after `hello`). */
  readonly socketConnections: number
  /** Socket Mode: sends an envelope over the newest connection; resolves with the client's ack payload. */
  sendSocketEnvelope(payload: unknown, options?: SocketEnvelopeOptions): Promise<Record<string, unknown>>
  /** Socket Mode: waits until `count` connections are open. */
  waitForSocket(count?: number, timeoutMs?: number): Promise<void>
  close(): Promise<void>
}

const MAX_BODY_BYTES = 2 * 1024 * 1024
/** Largest file the upload URL takes (Slack takes up to 1 GB; tests need far less). */
const MAX_UPLOAD_BYTES = 64 * 1024 * 1024
/** Methods that take the app-level token; every other one takes the bot token. */
const APP_TOKEN_METHODS = new Set(['apps.connections.open'])

type Handler = (params: Record<string, unknown>) => Record<string, unknown>

class SlackApiError extends Error {
  constructor(readonly code: string) {
    super(code)
  }
}

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const botToken = options.botToken ?? 'xoxb-fake-bot-token'
  const appToken = options.appToken ?? 'xapp-fake-app-token'
  const identity: SlackIdentity = { ...DEFAULT_SLACK_IDENTITY, ...options.identity }
  const maxVisible = options.maxVisibleChars ?? 4000
  const state = new FakeSlackState()
  for (const seed of options.channels ?? [
    { id: 'C0GENERAL', name: 'general', type: 'channel' as const },
    { id: 'G0PRIVATE', name: 'private', type: 'group' as const },
    { id: 'D0DIRECT', name: 'direct', type: 'im' as const },
    { id: 'G0MPIM', name: 'mpdm-a--b--c-1', type: 'mpim' as const },
  ]) state.addChannel(seed)
  const calls: FakeSlackCall[] = []
  const failures: FakeSlackFailure[] = []
  const uploads: FakeSlackUpload[] = []
  const shared: FakeSlackFile[] = []
  let port = 0
  let nextFile = 1

  function channelOf(params: Record<string, unknown>): FakeSlackChannel {
    const id = str(params.channel)
    const channel = id === undefined ? undefined : state.channels.get(id)
    if (!channel) throw new SlackApiError('channel_not_found')
    return channel
  }
  function messageOf(channel: FakeSlackChannel, ts: unknown): FakeSlackMessage {
    const message = typeof ts === 'string' ? channel.messages.get(ts) : undefined
    if (!message) throw new SlackApiError('message_not_found')
    return message
  }
  function checkText(text: unknown): string {
    if (typeof text !== 'string' || text.trim() === '') throw new SlackApiError('no_text')
    if (visibleLength(text) > maxVisible) throw new SlackApiError('msg_too_long')
    return text
  }
  function view(m: FakeSlackMessage): Record<string, unknown> {
    return {
      type: 'message', text: m.text, user: m.user, ts: m.ts,
      ...(m.botId ? { bot_id: m.botId, app_id: identity.appId } : {}),
      ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
      ...(m.edited ? { edited: m.edited } : {}),
      ...(m.reactions.length > 0 ? { reactions: m.reactions } : {}),
      ...(m.files ? { files: m.files.map((id) => fileView(state.files.get(id)!)) } : {}),
      team: identity.teamId,
    }
  }
  function fileView(f: FakeSlackFile): Record<string, unknown> {
    const channel = f.channel === undefined ? undefined : state.channels.get(f.channel)
    const where = channel?.type === 'channel' ? 'public' : 'private'
    return {
      id: f.id, name: f.name, title: f.title ?? f.name, mimetype: f.contentType ?? 'application/octet-stream', size: f.data?.length ?? f.length,
      user: identity.botUserId, url_private: `https://files.slack.com/files-pri/${identity.teamId}-${f.id}/${encodeURIComponent(f.name)}`,
      ...(f.altText === undefined ? {} : { alt_txt: f.altText }),
      shares: f.channel === undefined ? {} : { [where]: { [f.channel]: [{ ts: f.ts, channel_name: channel?.name, ...(f.threadTs ? { thread_ts: f.threadTs } : {}) }] } },
    }
  }

  const handlers: Record<string, Handler> = {
    'api.test': (params) => ({ args: params }),
    'auth.test': () => ({
      url: `https://${identity.teamName.toLowerCase().replace(/\W+/g, '-')}.slack.com/`,
      team: identity.teamName, user: 'jido-bot', team_id: identity.teamId, user_id: identity.botUserId, bot_id: identity.botId,
      is_enterprise_install: false,
    }),
    'conversations.info': (params) => {
      const c = channelOf(params)
      return {
        channel: {
          id: c.id, name: c.name, is_channel: c.type === 'channel', is_group: c.type === 'group', is_im: c.type === 'im',
          is_mpim: c.type === 'mpim', is_private: c.type !== 'channel', is_member: true,
        },
      }
    },
    'chat.postMessage': (params) => {
      const channel = channelOf(params)
      const text = checkText(params.text)
      const threadTs = str(params.thread_ts)
      if (threadTs !== undefined && !channel.messages.has(threadTs)) throw new SlackApiError('thread_not_found')
      const metadata = parseMetadata(params.metadata)
      const m = state.post(channel.id, { user: identity.botUserId, botId: identity.botId, text, ...(threadTs ? { threadTs } : {}), ...(metadata ? { metadata } : {}) })
      return { channel: channel.id, ts: m.ts, message: view(m) }
    },
    'chat.update': (params) => {
      const channel = channelOf(params)
      const m = messageOf(channel, params.ts)
      if (m.user !== identity.botUserId) throw new SlackApiError('cant_update_message')
      m.text = checkText(params.text)
      m.edited = { user: identity.botUserId, ts: state.nextTs() }
      return { channel: channel.id, ts: m.ts, text: m.text, message: view(m) }
    },
    'chat.delete': (params) => {
      const channel = channelOf(params)
      const m = messageOf(channel, params.ts)
      if (m.user !== identity.botUserId) throw new SlackApiError('cant_delete_message')
      channel.messages.delete(m.ts)
      return { channel: channel.id, ts: m.ts }
    },
    'reactions.add': (params) => {
      const m = messageOf(channelOf(params), params.timestamp)
      const name = reactionName(params.name)
      const existing = m.reactions.find((r) => r.name === name)
      if (existing?.users.includes(identity.botUserId)) throw new SlackApiError('already_reacted')
      if (existing) {
        existing.users.push(identity.botUserId)
        existing.count += 1
      } else m.reactions.push({ name, users: [identity.botUserId], count: 1 })
      return {}
    },
    'reactions.remove': (params) => {
      const m = messageOf(channelOf(params), params.timestamp)
      const name = reactionName(params.name)
      const existing = m.reactions.find((r) => r.name === name && r.users.includes(identity.botUserId))
      if (!existing) throw new SlackApiError('no_reaction')
      existing.users = existing.users.filter((u) => u !== identity.botUserId)
      existing.count -= 1
      if (existing.count === 0) m.reactions = m.reactions.filter((r) => r !== existing)
      return {}
    },
    'files.getUploadURLExternal': (params) => {
      const name = str(params.filename)
      const length = Number(params.length)
      if (name === undefined || !Number.isSafeInteger(length) || length <= 0) throw new SlackApiError('invalid_arguments')
      const id = `F0UPLOAD${String(nextFile++).padStart(4, '0')}`
      const altText = str(params.alt_text ?? params.alt_txt)
      state.files.set(id, { id, name, length, ...(altText === undefined ? {} : { altText }) })
      return { upload_url: `http://127.0.0.1:${port}/upload/v1/${id}`, file_id: id }
    },
    'files.completeUploadExternal': (params) => {
      const list = parseFileList(params.files)
      const files = list.map(({ id, title }) => {
        const f = state.files.get(id)
        // Not announced, not uploaded yet, or shared already.
        if (!f || f.data === undefined || f.ts !== undefined) throw new SlackApiError('file_not_found')
        return { f, title }
      })
      const channelId = str(params.channel_id)
      const comment = params.initial_comment === undefined ? undefined : checkText(params.initial_comment)
      if (channelId === undefined) {
        for (const { f, title } of files) if (title !== undefined) f.title = title
        return { files: files.map(({ f }) => fileView(f)) }
      }
      const channel = channelOf({ channel: channelId })
      const threadTs = str(params.thread_ts)
      if (threadTs !== undefined && !channel.messages.has(threadTs)) throw new SlackApiError('thread_not_found')
      const m = state.post(channel.id, { user: identity.botUserId, botId: identity.botId, text: comment ?? '', ...(threadTs ? { threadTs } : {}) })
      m.files = files.map(({ f }) => f.id)
      for (const { f, title } of files) {
        Object.assign(f, { channel: channel.id, ts: m.ts, ...(title === undefined ? {} : { title }), ...(m.threadTs ? { threadTs: m.threadTs } : {}),
          ...(comment === undefined ? {} : { initialComment: comment }) })
        shared.push(f)
      }
      return { files: files.map(({ f }) => fileView(f)) }
    },
    'apps.connections.open': () => ({ url: `ws://127.0.0.1:${port}/socket-mode?ticket=${randomUUID()}&app_id=${identity.appId}` }),
  }

  /** The POST to an upload URL: the file's bytes, as a multipart part (what @slack/web-api sends) or the raw body. */
  async function handleUpload(req: IncomingMessage, res: ServerResponse, fileId: string): Promise<void> {
    const record: FakeSlackUpload = { fileId, at: Date.now(), status: 200, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) }
    uploads.push(record)
    const reply = (status: number, text: string) => {
      record.status = status
      send(res, status, text)
    }
    const file = state.files.get(fileId)
    if (req.method !== 'POST' || !file || file.ts !== undefined) return reply(404, 'not found')
    const i = failures.findIndex((f) => f.method === 'upload')
    if (i !== -1) return reply(failures.splice(i, 1)[0]!.status ?? 500, 'scripted failure')
    const raw = await readBytes(req, MAX_UPLOAD_BYTES)
    if (raw === undefined) return reply(413, 'too large')
    const type = req.headers['content-type'] ?? ''
    if (type.toLowerCase().startsWith('multipart/form-data')) {
      const part = (await multipartFiles(raw, type)).files[0]
      if (!part) return reply(400, 'no file part')
      file.data = part.data
      if (part.contentType !== '') file.contentType = part.contentType
    } else {
      file.data = raw
      if (type !== '') file.contentType = type
    }
    reply(200, `OK - ${file.data.length}`)
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const upload = /^\/upload\/v1\/(\w+)$/.exec(url.pathname)
    if (upload) return handleUpload(req, res, upload[1]!)
    const match = /^\/api\/([\w.]+)$/.exec(url.pathname)
    if (!match || (req.method !== 'POST' && req.method !== 'GET')) return send(res, 404, { ok: false, error: 'unknown_method' })
    const method = match[1]!
    const raw = await readBody(req, MAX_BODY_BYTES)
    if (raw === undefined) return send(res, 413, { ok: false, error: 'request_too_large' })
    const { params, encoding } = parseParams(req.headers['content-type'] ?? '', raw, url.searchParams)
    if (params === undefined) return send(res, 200, { ok: false, error: 'invalid_json' })
    const auth = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? str(params.token)
    delete params.token
    const call: FakeSlackCall = { method, at: Date.now(), params, encoding, status: 200, ok: false, ...(auth === undefined ? {} : { token: auth }) }
    calls.push(call)

    const i = failures.findIndex((f) => f.method === undefined || f.method === method)
    if (i !== -1) {
      const failure = failures.splice(i, 1)[0]!
      if (failure.error !== undefined) return answer(res, call, 200, { ok: false, error: failure.error })
      const status = failure.status ?? 500
      const headers: Record<string, string> = failure.retryAfterSeconds === undefined ? {} : { 'retry-after': String(failure.retryAfterSeconds) }
      return answer(res, call, status, status === 429 ? { ok: false, error: 'ratelimited' } : `scripted ${status}`, headers)
    }
    const handler = handlers[method]
    if (!handler) return answer(res, call, 200, { ok: false, error: 'unknown_method' })
    if (auth === undefined) return answer(res, call, 200, { ok: false, error: 'not_authed' })
    const wanted = APP_TOKEN_METHODS.has(method) ? appToken : botToken
    if (auth !== wanted) {
      const other = auth === appToken || auth === botToken
      return answer(res, call, 200, { ok: false, error: other ? 'not_allowed_token_type' : 'invalid_auth' })
    }
    try {
      return answer(res, call, 200, { ok: true, ...handler(params) })
    } catch (error) {
      if (error instanceof SlackApiError) return answer(res, call, 200, { ok: false, error: error.code })
      throw error
    }
  }

  function answer(res: ServerResponse, call: FakeSlackCall, status: number, body: unknown, headers: Record<string, string> = {}): void {
    call.status = status
    if (typeof body === 'object' && body !== null) {
      const b = body as { ok?: boolean; error?: string }
      call.response = body as Record<string, unknown>
      call.ok = b.ok === true
      if (b.error !== undefined) call.error = b.error
    }
    send(res, status, body, headers)
  }

  // ---- Socket Mode ----
  const sockets: WebSocket[] = []
  const pendingAcks = new Map<string, (payload: Record<string, unknown>) => void>()
  const wss = new WebSocketServer({ noServer: true })
  wss.on('connection', (ws) => {
    sockets.push(ws)
    ws.on('message', (data) => {
      let frame: { envelope_id?: unknown; payload?: unknown }
      try {
        frame = JSON.parse(String(data)) as typeof frame
      } catch {
        return
      }
      const id = typeof frame.envelope_id === 'string' ? frame.envelope_id : undefined
      const resolve = id === undefined ? undefined : pendingAcks.get(id)
      if (resolve && id !== undefined) {
        pendingAcks.delete(id)
        resolve((frame.payload ?? {}) as Record<string, unknown>)
      }
    })
    ws.on('close', () => sockets.splice(sockets.indexOf(ws), 1))
    ws.send(JSON.stringify({ type: 'hello', num_connections: sockets.length, connection_info: { app_id: identity.appId }, debug_info: { host: 'fake-slack' } }))
  })

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, { ok: false, error: 'fatal_error', detail: String(err) }))
  })
  server.on('upgrade', (req, socket, head) => {
    if (!(req.url ?? '').startsWith('/socket-mode')) return socket.destroy()
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  port = (server.address() as AddressInfo).port
  let closed: Promise<void> | undefined

  return {
    url: `http://127.0.0.1:${port}/api/`,
    botToken,
    appToken,
    identity,
    state,
    calls,
    callsOf: (method) => calls.filter((c) => c.method === method && c.ok),
    addChannel: (seed) => state.addChannel(seed),
    postAs: (channel, text, o = {}) => state.post(channel, { user: o.user ?? 'U0HUMAN', text, ...(o.threadTs ? { threadTs: o.threadTs } : {}) }),
    messages: (channel, o = {}) => state.list(channel, o),
    files: (channel) => shared.filter((f) => channel === undefined || f.channel === channel),
    uploads,
    failNext(count, failure) {
      for (let i = 0; i < count; i++) failures.push(failure)
    },
    get socketConnections() {
      return sockets.length
    },
    sendSocketEnvelope(payload, o = {}) {
      const ws = sockets[sockets.length - 1]
      if (!ws) return Promise.reject(new Error('[testing] fake slack: no Socket Mode connection'))
      const envelopeId = randomUUID()
      const acked = new Promise<Record<string, unknown>>((resolve) => pendingAcks.set(envelopeId, resolve))
      ws.send(JSON.stringify({
        envelope_id: envelopeId, type: o.type ?? 'events_api', payload, accepts_response_payload: false,
        ...(o.retryAttempt === undefined ? { retry_attempt: 0, retry_reason: '' } : { retry_attempt: o.retryAttempt, retry_reason: o.retryReason ?? 'timeout' }),
      }))
      return acked
    },
    async waitForSocket(count = 1, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs
      while (sockets.length < count) {
        if (Date.now() > deadline) throw new Error(`[testing] fake slack: no ${count} Socket Mode connection(s) within ${timeoutMs} ms`)
        await new Promise((r) => setTimeout(r, 10))
      }
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const ws of sockets) ws.terminate()
        wss.close()
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return closed
    },
  }
}

/** Text length as Slack displays it: `&amp;`/`&lt;`/`&gt;` are one character, `<url|label>` is its label. */
export function visibleLength(text: string): number {
  return text
    .replace(/<([^<>|]*)\|([^<>]*)>/g, '$2')
    .replace(/<([^<>]*)>/g, '$1')
    .replace(/&(amp|lt|gt);/g, '_').length
}

function reactionName(name: unknown): string {
  // Slack takes names (`thumbsup`, `+1`, `thumbsup::skin-tone-2`), never the emoji character itself.
  if (typeof name !== 'string' || !/^[a-z0-9_+'-]+(::skin-tone-[2-6])?$/.test(name)) throw new SlackApiError('invalid_name')
  return name
}

function parseMetadata(value: unknown): FakeSlackMessage['metadata'] | undefined {
  let parsed = value
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value) as unknown
    } catch {
      throw new SlackApiError('invalid_metadata_format')
    }
  }
  if (parsed === undefined) return undefined
  const m = parsed as { event_type?: unknown; event_payload?: unknown }
  if (typeof m.event_type !== 'string' || typeof m.event_payload !== 'object' || m.event_payload === null) {
    throw new SlackApiError('invalid_metadata_schema')
  }
  return { event_type: m.event_type, event_payload: m.event_payload as Record<string, unknown> }
}

function parseParams(contentType: string, raw: string, query: URLSearchParams): { params: Record<string, unknown> | undefined; encoding: FakeSlackCall['encoding'] } {
  const params: Record<string, unknown> = Object.fromEntries(query)
  if (raw.length === 0) return { params, encoding: 'none' }
  if (contentType.includes('application/json')) {
    try {
      const body = JSON.parse(raw) as unknown
      if (typeof body !== 'object' || body === null || Array.isArray(body)) return { params: undefined, encoding: 'json' }
      return { params: { ...params, ...(body as Record<string, unknown>) }, encoding: 'json' }
    } catch {
      return { params: undefined, encoding: 'json' }
    }
  }
  return { params: { ...params, ...Object.fromEntries(new URLSearchParams(raw)) }, encoding: 'form' }
}

/** completeUploadExternal's `files`: `[{id, title?}]`, as JSON text (form bodies) or an array (JSON bodies). */
function parseFileList(value: unknown): Array<{ id: string; title?: string }> {
  let parsed = value
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value) as unknown
    } catch {
      throw new SlackApiError('invalid_arguments')
    }
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw new SlackApiError('invalid_arguments')
  return parsed.map((f: { id?: unknown; title?: unknown }) => {
    if (typeof f?.id !== 'string') throw new SlackApiError('invalid_arguments')
    return { id: f.id, ...(typeof f.title === 'string' ? { title: f.title } : {}) }
  })
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return
  const text = typeof body === 'string'
  res.writeHead(status, { 'content-type': text ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8', ...headers })
  res.end(text ? body : JSON.stringify(body))
}
