import { AdapterError, type OutboundMessage, type SendResult } from '@jido-messaging/core'
import { DefaultRestOptions, DiscordAPIError, HTTPError, RateLimitError, REST, type ResponseLike } from 'discord.js'
import { emojiForRoute, nonceFor } from './format.js'
import type { DiscordBridgeSettings, RawChannel } from './types.js'

// Outbound calls through @discordjs/rest (re-exported by discord.js). Our outbox owns retries, so the
// REST client is told not to: `retries: 0` (5xx and network errors throw at once) and every rate limit
// rejects (`rejectOnRateLimit`) instead of sleeping in a hidden queue. Errors leave as AdapterError.

/** One REST client per bridge and token, so Discord's per-route buckets are tracked across calls. */
export class RestPool {
  private readonly clients = new Map<string, REST>()

  constructor(private readonly timeoutMs: number) {}

  for(bridge: DiscordBridgeSettings): REST {
    const token = requireToken(bridge)
    const key = `${bridge.bridgeId}\u0000${bridge.apiUrl}\u0000${token}`
    let rest = this.clients.get(key)
    if (!rest) {
      rest = new REST({
        api: bridge.apiUrl,
        version: '10',
        retries: 0,
        offset: 0,
        timeout: this.timeoutMs,
        rejectOnRateLimit: () => true,
        makeRequest: withPreciseRetryAfter,
      }).setToken(token)
      this.clients.set(key, rest)
    }
    return rest
  }

  /** Forgets a bridge's client (after a 401 the client has dropped its token). */
  evict(bridge: DiscordBridgeSettings): void {
    for (const key of this.clients.keys()) if (key.startsWith(`${bridge.bridgeId}\u0000`)) this.clients.delete(key)
  }
}

function requireToken(bridge: DiscordBridgeSettings): string {
  if (!bridge.botToken) throw new AdapterError(`[adapter-discord] bridge ${bridge.bridgeId} has no credentials.botToken`, { retryable: false })
  return bridge.botToken
}

/**
 * Discord's 429 body says how long to wait in float seconds (`retry_after`); the Retry-After header is
 * rounded up to whole seconds. @discordjs/rest reads the header, so hand it the precise value.
 */
async function withPreciseRetryAfter(url: string, init: Parameters<typeof DefaultRestOptions.makeRequest>[1]): Promise<ResponseLike> {
  const response = await DefaultRestOptions.makeRequest(url, init)
  if (response.status !== 429) return response
  const text = await response.text()
  const headers = new Headers()
  response.headers.forEach((value, name) => headers.set(name, value))
  try {
    const retryAfter = (JSON.parse(text) as { retry_after?: unknown }).retry_after
    if (typeof retryAfter === 'number' && Number.isFinite(retryAfter) && retryAfter >= 0) headers.set('retry-after', String(retryAfter))
  } catch {
    // not JSON: keep the header as it came
  }
  return new Response(text, { status: 429, statusText: response.statusText, headers }) as unknown as ResponseLike
}

/** A REST failure as core's AdapterError: 429 and 5xx and network errors retry, other 4xx do not. */
export function toAdapterError(error: unknown, what: string, pool?: RestPool, bridge?: DiscordBridgeSettings): AdapterError {
  if (error instanceof AdapterError) return error
  if (error instanceof RateLimitError) {
    const waitMs = Math.ceil(error.retryAfter > 0 ? error.retryAfter : Math.max(0, error.timeToReset))
    return new AdapterError(`[adapter-discord] ${what}: rate limited (${error.global ? 'global' : error.scope}) for ${waitMs} ms`, {
      retryable: true, retryAfterMs: waitMs, status: 429, cause: error,
    })
  }
  if (error instanceof DiscordAPIError) {
    if (error.status === 401 && pool && bridge) pool.evict(bridge)
    const retryable = error.status >= 500 || error.status === 408
    return new AdapterError(`[adapter-discord] ${what}: Discord answered ${error.status} (code ${String(error.code)}): ${error.message}`, {
      retryable, status: error.status, cause: error,
    })
  }
  if (error instanceof HTTPError) {
    return new AdapterError(`[adapter-discord] ${what}: Discord answered ${error.status} ${error.message}`, { retryable: error.status >= 500 || error.status === 408, status: error.status, cause: error })
  }
  const message = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error)
  return new AdapterError(`[adapter-discord] ${what}: ${message}`, { retryable: true, cause: error })
}

/** REST operations of one adapter instance. */
export class DiscordOutbound {
  constructor(private readonly pool: RestPool) {}

  private async call<T>(bridge: DiscordBridgeSettings, what: string, run: (rest: REST) => Promise<unknown>): Promise<T> {
    try {
      return (await run(this.pool.for(bridge))) as T
    } catch (error) {
      throw toAdapterError(error, `bridge ${bridge.bridgeId}: ${what}`, this.pool, bridge)
    }
  }

  async send(bridge: DiscordBridgeSettings, message: OutboundMessage): Promise<SendResult> {
    // A thread is a channel of its own: post into it.
    const channelId = message.externalThreadId ?? message.externalRoomId
    const body: Record<string, unknown> = {
      content: message.text,
      allowed_mentions: { parse: bridge.allowedMentions },
      // Discord drops a second message with the same nonce for a few minutes: a retry cannot double-post.
      nonce: nonceFor(message.deliveryId),
      enforce_nonce: true,
    }
    // fail_if_not_exists false: a reply to a message deleted since still arrives, as a plain message.
    if (message.externalReplyToId !== undefined) body['message_reference'] = { message_id: message.externalReplyToId, fail_if_not_exists: false }
    // Files go in the same request (multipart: payload_json and files[n]), so the nonce covers them too.
    const uploads = message.uploads ?? []
    if (uploads.length > 0) {
      body['attachments'] = uploads.map((u, id) => ({ id, filename: u.filename, ...(u.altText === undefined ? {} : { description: u.altText.slice(0, 1024) }) }))
    }
    const files = uploads.map((u) => ({ name: u.filename, data: u.data, contentType: u.mediaType }))
    const sent = await this.call<{ id?: unknown }>(bridge, `send to channel ${channelId}`, (rest) =>
      rest.post(`/channels/${channelId}/messages`, files.length === 0 ? { body } : { body, files }))
    if (typeof sent?.id !== 'string') throw new AdapterError(`[adapter-discord] bridge ${bridge.bridgeId}: send answered without a message id`, { retryable: false })
    return { externalMessageId: sent.id }
  }

  async edit(bridge: DiscordBridgeSettings, channelId: string, messageId: string, text: string): Promise<void> {
    await this.call(bridge, `edit ${messageId}`, (rest) =>
      rest.patch(`/channels/${channelId}/messages/${messageId}`, { body: { content: text, allowed_mentions: { parse: bridge.allowedMentions } } }))
  }

  async delete(bridge: DiscordBridgeSettings, channelId: string, messageId: string): Promise<void> {
    await this.call(bridge, `delete ${messageId}`, (rest) => rest.delete(`/channels/${channelId}/messages/${messageId}`))
  }

  async react(bridge: DiscordBridgeSettings, channelId: string, messageId: string, emoji: string, add: boolean): Promise<void> {
    const route = `/channels/${channelId}/messages/${messageId}/reactions/${emojiForRoute(emoji)}/@me` as const
    await this.call(bridge, `${add ? 'add' : 'remove'} reaction on ${messageId}`, (rest) => (add ? rest.put(route) : rest.delete(route)))
  }

  async typing(bridge: DiscordBridgeSettings, channelId: string): Promise<void> {
    await this.call(bridge, `typing in ${channelId}`, (rest) => rest.post(`/channels/${channelId}/typing`))
  }

  async startThread(bridge: DiscordBridgeSettings, channelId: string, messageId: string, name: string): Promise<{ externalThreadId: string }> {
    const thread = await this.call<{ id?: unknown }>(bridge, `start a thread on ${messageId}`, (rest) =>
      rest.post(`/channels/${channelId}/messages/${messageId}/threads`, { body: { name, auto_archive_duration: 1440 } }))
    if (typeof thread?.id !== 'string') throw new AdapterError(`[adapter-discord] bridge ${bridge.bridgeId}: thread answered without an id`, { retryable: false })
    return { externalThreadId: thread.id }
  }

  /** GET /channels/:id; undefined when Discord will not show it to us (403/404). */
  async channel(bridge: DiscordBridgeSettings, channelId: string): Promise<RawChannel | undefined> {
    try {
      return (await this.pool.for(bridge).get(`/channels/${channelId}`)) as RawChannel
    } catch (error) {
      if (error instanceof DiscordAPIError && (error.status === 403 || error.status === 404)) return undefined
      throw toAdapterError(error, `bridge ${bridge.bridgeId}: look up channel ${channelId}`, this.pool, bridge)
    }
  }
}
