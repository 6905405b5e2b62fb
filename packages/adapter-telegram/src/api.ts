import { AdapterError, redactError, redactSecrets, type BridgeContext } from '@jido-messaging/core'
import { Telegram, TelegramError } from 'telegraf'
import { botIdFromToken } from './format.js'

// The one place telegraf is used: a generic Bot API call, with every failure turned into core's
// AdapterError at this boundary (429 -> retryable with retry_after, 5xx and network -> retryable,
// other 4xx -> terminal). Every Bot API URL holds the bot token (`/bot<token>/<method>`), and network
// errors and some answers echo it: no error leaves here with a credential in its text, or its cause's.

export const DEFAULT_API_ROOT = 'https://api.telegram.org'

export interface CallOptions {
  signal?: AbortSignal
  /** Overrides the client's request timeout (the long poll waits longer than a send). */
  timeoutMs?: number
}

/** The slice of the Bot API the adapter needs: one method call. */
export interface TelegramApi {
  readonly bridgeId: string
  /** The bridge's credential values, which no error text may carry. */
  readonly secrets: readonly string[]
  /** The Bot API root (with a trailing slash) and the token, for file downloads (`<root>file/bot<token>/<path>`). */
  readonly root: string
  readonly token: string
  call<T>(method: string, params: Record<string, unknown>, options?: CallOptions): Promise<T>
}

export interface ApiPool {
  /** The API client of a bridge (its token and apiRoot); cached per token and root. */
  forBridge(bridge: BridgeContext): TelegramApi
  /** The bot's own user id: the token's numeric prefix, else getMe (cached). */
  botId(bridge: BridgeContext): Promise<string | undefined>
}

export function createApiPool(defaults: { apiRoot: string; requestTimeoutMs: number }): ApiPool {
  const clients = new Map<string, Telegram>()
  const botIds = new Map<string, Promise<string | undefined>>()

  function forBridge(bridge: BridgeContext): TelegramApi {
    const where = `[adapter-telegram] bridge ${bridge.bridgeId}`
    const token = bridge.credentials.botToken
    if (typeof token !== 'string' || token === '') {
      throw new AdapterError(`${where} has no credentials.botToken`, { retryable: false })
    }
    const root = apiRootOf(bridge, defaults.apiRoot)
    const key = `${root}\u0000${token}`
    let client = clients.get(key)
    if (!client) {
      client = new Telegram(token, { apiRoot: root, webhookReply: false })
      clients.set(key, client)
    }
    const telegram = client
    const secrets = Object.values(bridge.credentials)
    return {
      bridgeId: bridge.bridgeId,
      secrets,
      root,
      token,
      async call<T>(method: string, params: Record<string, unknown>, options: CallOptions = {}): Promise<T> {
        const timeout = AbortSignal.timeout(options.timeoutMs ?? defaults.requestTimeoutMs)
        const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout
        try {
          // callApi is typed per method; the adapter reads results through its own types.
          return (await telegram.callApi(method as 'getMe', params as never, { signal: signal as never })) as T
        } catch (error) {
          throw toAdapterError(error, `${where}: ${method}`, timeout.aborted, secrets)
        }
      },
    }
  }

  return {
    forBridge,
    botId(bridge) {
      const token = bridge.credentials.botToken
      const fromToken = botIdFromToken(token)
      if (fromToken !== undefined || token === undefined || token === '') return Promise.resolve(fromToken)
      const key = `${apiRootOf(bridge, defaults.apiRoot)}\u0000${token}`
      let pending = botIds.get(key)
      if (!pending) {
        pending = forBridge(bridge).call<{ id: number }>('getMe', {}).then((me) => String(me.id))
        // a failed lookup is retried on the next update rather than cached
        pending.catch(() => botIds.delete(key))
        botIds.set(key, pending)
      }
      return pending
    },
  }
}

/** The Bot API root of a bridge, with a trailing slash so that paths under it are kept. */
export function apiRootOf(bridge: BridgeContext, fallback: string): string {
  const root = bridge.options.apiRoot ?? fallback
  if (typeof root !== 'string' || !/^https?:\/\//i.test(root) || !URL.canParse(root)) {
    throw new AdapterError(`[adapter-telegram] bridge ${bridge.bridgeId}: options.apiRoot must be an http(s) URL`, { retryable: false })
  }
  return root.endsWith('/') ? root : `${root}/`
}

/**
 * Maps a telegraf or network failure to core's AdapterError with Telegram's retry information. The
 * `secrets` (the bridge's credentials) are redacted from its message and from the cause it keeps.
 */
export function toAdapterError(error: unknown, where: string, timedOut = false, secrets: readonly string[] = []): AdapterError {
  redactError(error, secrets)
  if (error instanceof AdapterError) return error
  if (error instanceof TelegramError) {
    const response = error.response as { description?: unknown } | undefined
    if (response && typeof response.description === 'string') response.description = redactSecrets(response.description, secrets)
    const status = error.code
    const retryAfter = error.parameters?.retry_after
    const message = redactSecrets(`${where} failed: ${status} ${error.description}`, secrets)
    if (status === 429) {
      return new AdapterError(message, { retryable: true, status, cause: error, ...(typeof retryAfter === 'number' ? { retryAfterMs: retryAfter * 1000 } : {}) })
    }
    // 5xx: Telegram or a proxy in front of it hiccuped; everything else (400 bad request, 401 bad token,
    // 403 blocked or kicked, 404, 409 webhook conflict) cannot succeed by sending the same call again.
    return new AdapterError(message, { retryable: status >= 500, status, cause: error })
  }
  const reason = timedOut ? 'timed out' : error instanceof Error ? error.message : String(error)
  return new AdapterError(redactSecrets(`${where} failed: ${reason}`, secrets), { retryable: true, cause: error })
}
