import { ValidationError, type AdapterCapabilities, type BridgeContext, type PlatformAdapter } from '@jido-messaging/core'
import { createApiPool, DEFAULT_API_ROOT } from './api.js'
import { resolveMedia, type ResolvedMedia, type TelegramMediaRef } from './media.js'
import { deleteWebhook, ensureWebhook, listWebhooks } from './ingress.js'
import { parseUpdate, requestBody, updatesOf, verifySecretToken } from './inbound.js'
import { startPolling } from './listener.js'
import { deleteMessage, editMessage, PartialSends, sendMessage, sendTyping, setReaction } from './outbound.js'
import type { TelegramAdapterConfig } from './types.js'

/** Telegram's limit for one message, in characters after formatting (we send plain text). */
export const TELEGRAM_TEXT_LIMIT = 4096

const capabilities: AdapterCapabilities = {
  send: 'native',
  edit: 'native',
  delete: 'native',
  reactions: 'native',
  typing: 'native',
  // Forum topics (message_thread_id) and replies (reply_parameters).
  threads: 'native',
  replies: 'native',
  media: 'native',
  webhook: true,
  listener: true,
  ingressSubscriptions: true,
  textLimit: TELEGRAM_TEXT_LIMIT,
  // Plain text: no parse_mode, so what core counts is what Telegram counts and nothing needs escaping.
  markdown: 'none',
}

/** The Telegram adapter: a PlatformAdapter, plus `resolveMedia` for Telegram-hosted files. */
export interface TelegramAdapter extends PlatformAdapter {
  /**
   * A `tg-file:<file_id>` media block as bytes (getFile, then the download), for re-uploading it to a
   * platform that cannot open Telegram file ids. The download URL holds the bot token, so it never
   * leaves the adapter; only the bytes do. Rejects with an AdapterError (no credential in its text)
   * for other urls, files over 20 MB (or `options.maxBytes`) and failed calls. Core calls it to upload
   * Telegram media mirrored to platforms that take uploads (`capabilities.uploads`).
   */
  resolveMedia(bridge: BridgeContext, block: TelegramMediaRef, options?: { maxBytes?: number }): Promise<ResolvedMedia>
}

/** The Telegram Bot API adapter (telegraf underneath); name and channel `telegram`. */
export function createTelegramAdapter(config: TelegramAdapterConfig = {}): TelegramAdapter {
  const pollTimeoutSeconds = integer(config.pollTimeoutSeconds ?? 30, 'pollTimeoutSeconds', 0, 50)
  const pollLimit = integer(config.pollLimit ?? 100, 'pollLimit', 1, 100)
  const requestTimeoutMs = integer(config.requestTimeoutMs ?? 30_000, 'requestTimeoutMs', 1, 600_000)
  const pool = createApiPool({ apiRoot: config.apiRoot ?? DEFAULT_API_ROOT, requestTimeoutMs })
  const partials = new PartialSends()

  return {
    name: 'telegram',
    channel: 'telegram',
    capabilities,
    defaultIngressMode: 'webhook',
    rateLimits: {
      // Telegram: about one message per second per chat (short bursts pass), 30 per second per bot.
      perConversation: { perSecond: 1, burst: 3 },
      perBridge: { perSecond: 30, burst: 30 },
    },
    verifyWebhook: (bridge, request) => verifySecretToken(bridge, request),
    // Every member below is async, so a bad bridge (no token, bad apiRoot) rejects instead of throwing.
    async parseWebhook(bridge, request) {
      const updates = updatesOf(requestBody(request))
      const botId = await pool.botId(bridge)
      return { events: updates.flatMap((update) => parseUpdate(update, botId)) }
    },
    async transformPayload(bridge, payload) {
      const updates = updatesOf(payload)
      const botId = await pool.botId(bridge)
      return updates.flatMap((update) => parseUpdate(update, botId))
    },
    send: async (bridge, message) => sendMessage(pool.forBridge(bridge), message, partials),
    edit: async (bridge, target) => editMessage(pool.forBridge(bridge), target),
    delete: async (bridge, target) => deleteMessage(pool.forBridge(bridge), target),
    addReaction: async (bridge, target) => setReaction(pool.forBridge(bridge), target, true),
    removeReaction: async (bridge, target) => setReaction(pool.forBridge(bridge), target, false),
    startTyping: async (bridge, target) => sendTyping(pool.forBridge(bridge), target),
    startListener: async (bridge, ctx) =>
      startPolling(pool.forBridge(bridge), ctx, { timeoutSeconds: pollTimeoutSeconds, limit: pollLimit, botId: () => pool.botId(bridge) }),
    ensureIngressSubscription: async (bridge, request) => ensureWebhook(pool.forBridge(bridge), bridge, request),
    listIngressSubscriptions: async (bridge) => listWebhooks(pool.forBridge(bridge)),
    deleteIngressSubscription: async (bridge, id) => deleteWebhook(pool.forBridge(bridge), id),
    resolveMedia: async (bridge, block, options = {}) =>
      resolveMedia(pool.forBridge(bridge), block, { timeoutMs: requestTimeoutMs, ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }) }),
  }
}

/**
 * {@link TelegramAdapter.resolveMedia} without an adapter instance: a Telegram file of `bridge` (its
 * `credentials.botToken`, its `options.apiRoot`) as bytes.
 */
export async function resolveTelegramMedia(
  bridge: BridgeContext,
  block: TelegramMediaRef,
  options: { apiRoot?: string; requestTimeoutMs?: number; maxBytes?: number } = {},
): Promise<ResolvedMedia> {
  const requestTimeoutMs = integer(options.requestTimeoutMs ?? 30_000, 'requestTimeoutMs', 1, 600_000)
  const pool = createApiPool({ apiRoot: options.apiRoot ?? DEFAULT_API_ROOT, requestTimeoutMs })
  return resolveMedia(pool.forBridge(bridge), block, { timeoutMs: requestTimeoutMs, ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }) })
}

function integer(value: unknown, name: string, min: number, max: number): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max) return value
  throw new ValidationError(`[adapter-telegram] ${name} must be an integer from ${min} to ${max}`, [{ path: name, message: String(value) }])
}
