import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { WebhookRequest } from '@jido-messaging/core'
import { intParam, parseParams, readBody, type UploadedFile } from './body.js'
import type { FakeFile, FileDownload, FileSpec } from './files.js'
import { METHODS, notFound, type CallEffects, type WebhookState } from './methods.js'
import { TelegramState, type FakeMessageRecord, type MessageSpec, type ReactionSpec } from './state.js'
import { TgApiError, type TgChat, type TgMessage, type TgUpdate, type TgUser } from './types.js'

// A stateful fake of the Telegram Bot API on 127.0.0.1: `POST /bot<token>/<method>` with JSON,
// urlencoded or multipart bodies, answered `{ok, result}` or `{ok: false, error_code, description,
// parameters?}`. It records every call, keeps chats, messages, topics and reactions, holds getUpdates
// long polls until an update is queued, and fails calls on demand (429 with retry_after, 5xx, 4xx).

export interface TelegramFakeOptions {
  /** The bot token the fake accepts (default `7000000001:AAFakeTokenForJidoTests`); its numeric prefix is the bot's user id. */
  token?: string
  /** The bot's username (default `jido_test_bot`). */
  botUsername?: string
  botFirstName?: string
  /** Caps how long one getUpdates is held, in seconds, whatever timeout the client asks (default: no cap). */
  maxPollSeconds?: number
}

export interface TelegramCall {
  method: string
  params: Record<string, unknown>
  files: Record<string, UploadedFile>
  /** The HTTP status answered. */
  status: number
  ok: boolean
  result?: unknown
  /** `description` of a failed call. */
  error?: string
  effects?: CallEffects
  at: number
}

export interface ScriptedTelegramFailure {
  /** 429 answers `{ok: false, error_code: 429, parameters: {retry_after}}`; 5xx answers that status; other codes `{ok: false}` with it. */
  status: number
  /** For 429: the `retry_after` seconds (default 1). */
  retryAfterSeconds?: number
  description?: string
  /** Only calls to this method fail (default any method). */
  method?: string
  /** Append the requested URL, bot token and all, to the description (as some proxies and errors do). */
  echoUrl?: boolean
}

export interface TelegramFake {
  /** Pass as telegraf's `apiRoot` (or a bridge's `options.apiRoot`). */
  readonly apiRoot: string
  readonly token: string
  /** The bot user (its id is the token's numeric prefix). */
  readonly bot: TgUser
  readonly state: TelegramState
  /** Every call, in the order they were answered, failed ones included. */
  readonly calls: readonly TelegramCall[]
  /** Successful calls of one method. */
  callsTo(method: string): TelegramCall[]
  /** The registered webhook (url, secret token, allowed updates), or null. */
  webhook(): WebhookState | null
  /** The next `count` calls (of `failure.method`, if given) fail as scripted. */
  failNext(count: number, failure: ScriptedTelegramFailure): void
  addChat(chat: TgChat, topics?: Record<number, string>): void
  createTopic(chatId: number, name: string, threadId?: number): number
  /** The chat's messages that are not deleted, oldest first. */
  messages(chatId: number): TgMessage[]
  /** One message's record (text, reactions, deleted), deleted ones included. */
  record(chatId: number, messageId: number): FakeMessageRecord | undefined
  /** A message from someone (user, other bot, the bot itself, a channel), recorded in its chat, as an update. */
  userMessage(spec: MessageSpec): TgUpdate
  editMessage(chatId: number, messageId: number, text: string): TgUpdate
  react(spec: ReactionSpec): TgUpdate
  /** Queues updates for getUpdates. */
  enqueue(...updates: TgUpdate[]): void
  /** Queued updates not yet confirmed by a getUpdates offset. */
  pendingUpdates(): TgUpdate[]
  /** The request Telegram would POST to the registered webhook for `update` (secret token header included). */
  webhookRequest(update: TgUpdate, path?: string): WebhookRequest
  /** Hosts a file: getFile answers its file_path and `GET /file/bot<token>/<file_path>` serves its bytes. */
  addFile(spec: FileSpec): FakeFile
  /** Every request to the file download route, in order. */
  readonly downloads: readonly FileDownload[]
  /** Resolves once a successful call to `method` matching `predicate` was recorded. */
  waitForCall(method: string, predicate?: (call: TelegramCall) => boolean, ms?: number): Promise<TelegramCall>
  close(): Promise<void>
}

const DEFAULT_TOKEN = '7000000001:AAFakeTokenForJidoTests'
// Without allowed_updates, Telegram sends every update type except these.
const OPT_IN_UPDATES = new Set(['chat_member', 'message_reaction', 'message_reaction_count'])

export async function startTelegramFake(options: TelegramFakeOptions = {}): Promise<TelegramFake> {
  const token = options.token ?? DEFAULT_TOKEN
  const botId = Number(/^(\d+):/.exec(token)?.[1] ?? 7000000001)
  const bot: TgUser = { id: botId, is_bot: true, first_name: options.botFirstName ?? 'Jido Test Bot', username: options.botUsername ?? 'jido_test_bot' }
  const state = new TelegramState(bot)
  const calls: TelegramCall[] = []
  const failures: ScriptedTelegramFailure[] = []
  const webhook: { current: WebhookState | null } = { current: null }
  const closing = new AbortController()
  let allowedUpdates: string[] | undefined
  let heldPoll: { terminate(): void } | undefined

  const allowed = (update: TgUpdate): boolean => {
    const type = Object.keys(update).find((k) => k !== 'update_id') ?? ''
    return allowedUpdates && allowedUpdates.length > 0 ? allowedUpdates.includes(type) : !OPT_IN_UPDATES.has(type)
  }

  async function getUpdates(params: Record<string, unknown>, res: ServerResponse): Promise<TgUpdate[]> {
    if (webhook.current) throw new TgApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
    const offset = intParam(params, 'offset')
    const limit = Math.min(100, Math.max(1, intParam(params, 'limit') ?? 100))
    const timeout = Math.max(0, intParam(params, 'timeout') ?? 0)
    if (Array.isArray(params.allowed_updates)) allowedUpdates = params.allowed_updates.filter((u): u is string => typeof u === 'string')
    // Only one poll at a time: a newer one ends the held one with 409, as Telegram does.
    heldPoll?.terminate()
    let updates = state.take(offset, limit, allowed)
    if (updates.length > 0 || timeout === 0) return updates
    const stop = new AbortController()
    let terminated = false
    const me = { terminate: () => { terminated = true; stop.abort() } }
    heldPoll = me
    const onClose = () => stop.abort()
    res.on('close', onClose)
    closing.signal.addEventListener('abort', onClose, { once: true })
    const seconds = options.maxPollSeconds === undefined ? timeout : Math.min(timeout, options.maxPollSeconds)
    await state.waitForUpdate(seconds * 1000, stop.signal)
    res.off('close', onClose)
    closing.signal.removeEventListener('abort', onClose)
    if (heldPoll === me) heldPoll = undefined
    if (terminated) throw new TgApiError(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running')
    updates = state.take(offset, limit, allowed)
    return updates
  }

  function scripted(method: string, requestUrl: string): TgApiError | undefined {
    const i = failures.findIndex((f) => f.method === undefined || f.method === method)
    if (i < 0) return undefined
    const [f] = failures.splice(i, 1)
    const echo = f!.echoUrl ? ` (${requestUrl})` : ''
    if (f!.status === 429) {
      const after = f!.retryAfterSeconds ?? 1
      return new TgApiError(429, `${f!.description ?? `Too Many Requests: retry after ${after}`}${echo}`, { retry_after: after })
    }
    if (f!.status >= 500) return new TgApiError(f!.status, `${f!.description ?? 'Bad Gateway'}${echo}`)
    return new TgApiError(f!.status, `${f!.description ?? (f!.status === 403 ? 'Forbidden: bot was blocked by the user' : 'Bad Request: scripted failure')}${echo}`)
  }

  /** `GET /file/bot<token>/<file_path>`: a hosted file's bytes; a wrong token is 401, an unknown path 404. */
  function serveFile(url: URL, res: ServerResponse): void {
    const download = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname)
    if (!download) return send(res, 404, notFound().body())
    if (download[1] !== token) return send(res, 401, new TgApiError(401, 'Unauthorized').body())
    const file = state.files.download(decodeURIComponent(download[2]!))
    if (!file) return send(res, 404, notFound().body())
    if (res.destroyed || res.writableEnded) return
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': file.data.length })
    res.end(file.data)
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname)
    const raw = await readBody(req)
    if (!match) return serveFile(url, res)
    const [, givenToken, method] = match as unknown as [string, string, string]
    const call: TelegramCall = { method, params: {}, files: {}, status: 200, ok: true, at: Date.now() }
    try {
      if (givenToken !== token) throw new TgApiError(401, 'Unauthorized')
      const parsed = await parseParams(url, req.headers['content-type'], raw)
      call.params = parsed.params
      call.files = parsed.files
      const failure = scripted(method, `http://${req.headers.host ?? '127.0.0.1'}${req.url ?? ''}`)
      if (failure) throw failure
      if (method === 'getUpdates') call.result = await getUpdates(parsed.params, res)
      else {
        const impl = METHODS[method]
        if (!impl) throw notFound()
        const { result, effects } = impl({ state, params: parsed.params, files: parsed.files, webhook })
        call.result = result
        if (effects) call.effects = effects
        if (method === 'setWebhook' || method === 'deleteWebhook') allowedUpdates = webhook.current?.allowedUpdates ?? allowedUpdates
      }
      calls.push(call)
      if (closing.signal.aborted) return void res.destroy()
      send(res, 200, { ok: true, result: call.result })
    } catch (error) {
      const apiError = error instanceof TgApiError ? error : new TgApiError(500, `Internal Server Error: ${String(error)}`)
      call.ok = false
      call.status = apiError.errorCode
      call.error = apiError.description
      calls.push(call)
      send(res, apiError.errorCode, apiError.body())
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  let closed: Promise<void> | undefined

  const fake: TelegramFake = {
    apiRoot: `http://127.0.0.1:${port}`,
    token,
    bot,
    state,
    calls,
    callsTo: (method) => calls.filter((c) => c.ok && c.method === method),
    webhook: () => (webhook.current ? { ...webhook.current } : null),
    failNext(count, failure) {
      for (let i = 0; i < count; i++) failures.push({ ...failure })
    },
    addChat: (chat, topics) => void state.addChat(chat, topics),
    createTopic: (chatId, name, threadId) => state.createTopic(chatId, name, threadId),
    addFile: (spec) => state.files.add(spec),
    downloads: state.files.downloads,
    messages: (chatId) => [...(state.chats.get(chatId)?.messages.values() ?? [])].filter((r) => !r.deleted).map((r) => structuredClone(r.message)),
    record: (chatId, messageId) => state.chats.get(chatId)?.messages.get(messageId),
    userMessage: (spec) => state.messageUpdate(spec),
    editMessage: (chatId, messageId, text) => state.editUpdate(chatId, messageId, text),
    react: (spec) => state.reactionUpdate(spec),
    enqueue: (...updates) => state.enqueue(...updates),
    pendingUpdates: () => state.pending(),
    webhookRequest(update, path = '/webhooks/telegram') {
      const rawBody = JSON.stringify(update)
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      const secret = webhook.current?.secretToken
      if (secret !== undefined) headers['x-telegram-bot-api-secret-token'] = secret
      return { method: 'POST', path, headers, rawBody, body: JSON.parse(rawBody) as unknown }
    },
    async waitForCall(method, predicate = () => true, ms = 30_000) {
      const deadline = Date.now() + ms
      for (;;) {
        const found = calls.find((c) => c.ok && c.method === method && predicate(c))
        if (found) return found
        if (Date.now() > deadline) throw new Error(`[testing] telegram fake: no ${method} call within ${ms} ms (calls: ${calls.map((c) => c.method).join(', ') || 'none'})`)
        await new Promise((r) => setTimeout(r, 10))
      }
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing.abort()
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return closed
    },
  }
  return fake
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed || res.writableEnded) return
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}
