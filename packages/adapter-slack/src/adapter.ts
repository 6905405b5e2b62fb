import { AdapterError, ValidationError, type AdapterCapabilities, type BridgeContext, type PlatformAdapter } from '@jido-messaging/core'
import { parseEnvelope, requestBody, type InboundContext } from './inbound.js'
import { startSocketListener } from './listener.js'
import {
  createWebClientApi,
  DEFAULT_API_URL,
  deleteMessage,
  editMessage,
  fetchIdentity,
  PostedTexts,
  react,
  sendMessage,
  type OutboundDeps,
  type SlackBridgeApi,
} from './outbound.js'
import type { BotIdentity, SlackAdapterConfig, SlackEnvelope } from './types.js'
import { verifySlackSignature } from './verify.js'

const DEFAULT_TIMEOUT_MS = 10_000
/** Slack renders at most about 4000 characters of a message's text comfortably; core chunks to this. */
export const SLACK_TEXT_LIMIT = 4000
/** Slack's mass mentions, in its markup and as typed; core neutralizes them unless a route allows them. */
export const SLACK_MASS_MENTIONS = ['<!channel>', '<!here>', '<!everyone>', '@channel', '@here', '@everyone'] as const
const MAX_CACHED_CLIENTS = 100
/** Slack takes files of up to 1 GB. */
export const SLACK_UPLOAD_LIMIT = 1024 * 1024 * 1024

/**
 * The Slack adapter (SPEC 6.2); name and channel `slack`. Per bridge: `credentials.botToken`
 * (xoxb-...), `credentials.signingSecret`, `credentials.appToken` (xapp-..., Socket Mode only);
 * `options.apiUrl` (default `https://slack.com/api/`), `options.ingress.mode` `'webhook'` | `'socket'`.
 */
export function createSlackAdapter(config: SlackAdapterConfig = {}): PlatformAdapter {
  const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) {
    throw new ValidationError('[adapter-slack] timeoutMs must be a positive integer', [{ path: 'timeoutMs', message: String(timeoutMs) }])
  }
  const now = config.now ?? Date.now
  const createApi = config.createWebApi ?? createWebClientApi
  const bridges = new Map<string, SlackBridgeApi>()

  function bridgeApi(bridge: BridgeContext): SlackBridgeApi {
    const token = bridge.credentials.botToken
    if (typeof token !== 'string' || token === '') {
      throw new AdapterError(`[adapter-slack] bridge ${bridge.bridgeId} has no credentials.botToken`, { retryable: false })
    }
    const apiUrl = apiUrlOf(bridge)
    const key = `${apiUrl}\u0000${token}`
    const cached = bridges.get(key)
    if (cached) return cached
    const api = createApi({ token, apiUrl, timeoutMs, ...(config.logger ? { logger: config.logger } : {}) })
    let identity: Promise<BotIdentity> | undefined
    const entry: SlackBridgeApi = {
      api,
      identity() {
        identity ??= fetchIdentity(bridge, api).catch((error: unknown) => {
          identity = undefined // ask again next time
          throw error
        })
        return identity
      },
    }
    if (bridges.size >= MAX_CACHED_CLIENTS) bridges.delete(bridges.keys().next().value!)
    bridges.set(key, entry)
    return entry
  }

  const deps: OutboundDeps = { bridgeApi, postedTexts: new PostedTexts() }
  const inbound = (bridge: BridgeContext): InboundContext => ({ identity: () => bridgeApi(bridge).identity() })

  const capabilities: AdapterCapabilities = {
    send: 'native',
    edit: 'native',
    delete: 'native',
    reactions: 'native',
    // Bots cannot show "typing..." through the Web API (only the legacy RTM API could).
    typing: 'unsupported',
    threads: 'native',
    // No reply-to-message on Slack: a reply is posted into the thread of the message it answers.
    replies: 'fallback',
    // Media URLs go in the text; files as bytes (Telegram media core resolved) are uploaded.
    media: 'unsupported',
    uploads: { maxBytes: SLACK_UPLOAD_LIMIT },
    webhook: true,
    listener: true,
    ingressSubscriptions: true,
    textLimit: SLACK_TEXT_LIMIT,
    markdown: 'mrkdwn',
  }

  return {
    name: 'slack',
    channel: 'slack',
    capabilities,
    massMentions: SLACK_MASS_MENTIONS,
    defaultIngressMode: 'webhook',
    rateLimits: { perConversation: { perSecond: 1, burst: 3 } },
    verifyWebhook(bridge, request) {
      return verifySlackSignature(bridge.credentials.signingSecret, request.rawBody, request.headers, now())
    },
    parseWebhook(bridge, request) {
      return parseEnvelope(requestBody(request), inbound(bridge))
    },
    async transformPayload(bridge, payload) {
      return (await parseEnvelope(payload, inbound(bridge))).events
    },
    send: (bridge, message) => sendMessage(bridge, message, deps),
    edit: (bridge, target) => editMessage(bridge, target, deps),
    delete: (bridge, target) => deleteMessage(bridge, target, deps),
    addReaction: (bridge, target) => react(bridge, target, true, deps),
    removeReaction: (bridge, target) => react(bridge, target, false, deps),
    startListener(bridge, ctx) {
      return startSocketListener(bridge, ctx, {
        apiUrl: apiUrlOf(bridge),
        transform: async (envelope: SlackEnvelope) => (await parseEnvelope(envelope, inbound(bridge))).events,
        ...(config.logger ? { logger: config.logger } : {}),
      })
    },
    async ensureIngressSubscription(bridge, request) {
      if (ingressMode(bridge) === 'socket') {
        return {
          id: `${bridge.bridgeId}:socket-mode`,
          status: 'manual_action_required',
          instructions:
            'In your Slack app settings, enable Socket Mode, create an app-level token with the connections:write scope '
            + '(credentials.appToken), and under Event Subscriptions subscribe to the bot events message.channels, message.groups, '
            + 'message.im, message.mpim, reaction_added and reaction_removed.',
          metadata: { mode: 'socket' },
        }
      }
      const url = request.url ?? `/webhooks/${bridge.bridgeId}`
      return {
        id: `${bridge.bridgeId}:events-api`,
        status: 'manual_action_required',
        url,
        instructions:
          `In your Slack app settings, under Event Subscriptions, turn events on and paste ${url} as the Request URL `
          + '(Slack checks it with a url_verification request that this bridge answers), then subscribe to the bot events '
          + 'message.channels, message.groups, message.im, message.mpim, reaction_added and reaction_removed.',
        metadata: { mode: 'webhook' },
      }
    },
  }
}

function ingressMode(bridge: BridgeContext): string {
  const ingress = bridge.options.ingress as { mode?: unknown } | undefined
  return typeof ingress?.mode === 'string' ? ingress.mode : 'webhook'
}

/** `options.apiUrl` with a trailing slash (the WebClient appends the method name); the real API by default. */
function apiUrlOf(bridge: BridgeContext): string {
  const value = bridge.options.apiUrl ?? DEFAULT_API_URL
  if (typeof value !== 'string' || !/^https?:\/\//i.test(value) || !URL.canParse(value)) {
    throw new AdapterError(`[adapter-slack] bridge ${bridge.bridgeId}: options.apiUrl must be an http(s) URL like ${DEFAULT_API_URL}`, { retryable: false })
  }
  return value.endsWith('/') ? value : `${value}/`
}
