import { ValidationError, type AdapterCapabilities, type BridgeContext, type ParsedWebhook, type PlatformAdapter, type WebhookRequest } from '@jido-messaging/core'
import { GatewayIntentBits } from 'discord.js'
import { ChannelDirectory } from './channels.js'
import { botUserIdFromToken } from './format.js'
import { dispatchToEvents, isDispatch, type InboundContext } from './inbound.js'
import { isInteraction, parseInteraction, verifyInteraction } from './interactions.js'
import { startGatewayListener } from './listener.js'
import { DiscordOutbound, RestPool } from './outbound.js'
import type { DiscordAdapterConfig, DiscordBridgeSettings } from './types.js'

export const DEFAULT_API_URL = 'https://discord.com/api'
/** Guilds, GuildMessages, GuildMessageReactions, DirectMessages, DirectMessageReactions, MessageContent. */
export const DEFAULT_INTENTS =
  GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages | GatewayIntentBits.GuildMessageReactions |
  GatewayIntentBits.DirectMessages | GatewayIntentBits.DirectMessageReactions | GatewayIntentBits.MessageContent

const MENTION_KINDS = new Set(['users', 'roles', 'everyone'])
/** Discord's attachment limit for bots in a server without boosts (10 MiB). */
export const DISCORD_UPLOAD_LIMIT = 10 * 1024 * 1024

/** The Discord adapter (SPEC 6.2); name and channel `discord`, gateway ingress by default. */
export function createDiscordAdapter(config: DiscordAdapterConfig = {}): PlatformAdapter {
  const now = config.now ?? Date.now
  const restTimeoutMs = positive(config.restTimeoutMs ?? 15_000, 'restTimeoutMs')
  const readyTimeoutMs = positive(config.readyTimeoutMs ?? 30_000, 'readyTimeoutMs')
  const replyOptions = { commandReply: config.commandReply ?? 'ack', ackText: config.ackText ?? 'Received.' } as const
  if (replyOptions.commandReply !== 'ack' && replyOptions.commandReply !== 'deferred') {
    throw new ValidationError('[adapter-discord] commandReply must be ack or deferred', [{ path: 'commandReply', message: String(replyOptions.commandReply) }])
  }
  const outbound = new DiscordOutbound(new RestPool(restTimeoutMs))
  const directories = new Map<string, ChannelDirectory>()
  const directory = (bridgeId: string) => {
    let d = directories.get(bridgeId)
    if (!d) directories.set(bridgeId, (d = new ChannelDirectory()))
    return d
  }

  function inboundContext(settings: DiscordBridgeSettings, botUserId = settings.botUserId): InboundContext {
    const channels = directory(settings.bridgeId)
    const fetch = settings.botToken ? (id: string) => outbound.channel(settings, id) : undefined
    return { botUserId, now, resolveChannel: (id) => channels.resolve(id, fetch) }
  }

  async function payloadEvents(bridge: BridgeContext, payload: unknown): Promise<ParsedWebhook> {
    const settings = settingsOf(bridge)
    if (isDispatch(payload)) {
      directory(settings.bridgeId).learn(payload)
      return { events: await dispatchToEvents(payload, inboundContext(settings)) }
    }
    if (isInteraction(payload)) return parseInteraction(payload, inboundContext(settings), replyOptions)
    throw new ValidationError('[adapter-discord] payload is neither an interaction nor a gateway dispatch', [{ path: 'body', message: 'unrecognized' }])
  }

  const capabilities: AdapterCapabilities = {
    send: 'native',
    edit: 'native',
    delete: 'native',
    reactions: 'native',
    typing: 'native',
    threads: 'native',
    replies: 'native',
    // Media URLs go out as links in the text (Discord unfurls them); files as bytes are attached.
    media: 'fallback',
    uploads: { maxBytes: DISCORD_UPLOAD_LIMIT },
    webhook: true,
    listener: true,
    ingressSubscriptions: false,
    textLimit: 2000,
    markdown: 'discord',
  }

  return {
    name: 'discord',
    channel: 'discord',
    capabilities,
    massMentions: ['@everyone', '@here'],
    defaultIngressMode: 'gateway',
    rateLimits: { perConversation: { perSecond: 5, burst: 5 }, perBridge: { perSecond: 50, burst: 50 } },
    verifyWebhook(bridge, request: WebhookRequest) {
      return verifyInteraction(bridge.credentials.publicKey, request.headers, request.rawBody, now())
    },
    async parseWebhook(bridge, request) {
      const body = request.body !== undefined ? request.body : parseJson(request.rawBody)
      return payloadEvents(bridge, body)
    },
    async transformPayload(bridge, payload) {
      return (await payloadEvents(bridge, payload)).events
    },
    send: (bridge, message) => outbound.send(settingsOf(bridge), message),
    edit: (bridge, target: { externalRoomId: string; externalMessageId: string; text: string; externalThreadId?: string }) =>
      outbound.edit(settingsOf(bridge), target.externalThreadId ?? target.externalRoomId, target.externalMessageId, target.text),
    delete: (bridge, target: { externalRoomId: string; externalMessageId: string; externalThreadId?: string }) =>
      outbound.delete(settingsOf(bridge), target.externalThreadId ?? target.externalRoomId, target.externalMessageId),
    addReaction: (bridge, target: { externalRoomId: string; externalMessageId: string; emoji: string; externalThreadId?: string }) =>
      outbound.react(settingsOf(bridge), target.externalThreadId ?? target.externalRoomId, target.externalMessageId, target.emoji, true),
    removeReaction: (bridge, target: { externalRoomId: string; externalMessageId: string; emoji: string; externalThreadId?: string }) =>
      outbound.react(settingsOf(bridge), target.externalThreadId ?? target.externalRoomId, target.externalMessageId, target.emoji, false),
    startTyping: (bridge, target) => outbound.typing(settingsOf(bridge), target.externalThreadId ?? target.externalRoomId),
    openThread: (bridge, target) =>
      outbound.startThread(settingsOf(bridge), target.externalRoomId, target.externalMessageId, (target.name ?? 'Thread').slice(0, 100) || 'Thread'),
    startListener(bridge, ctx) {
      const settings = settingsOf(bridge)
      const channels = directory(settings.bridgeId)
      return startGatewayListener(settings, ctx, {
        readyTimeoutMs,
        toEvents: (packet, botUserId) => {
          channels.learn(packet)
          return dispatchToEvents(packet, inboundContext(settings, botUserId ?? settings.botUserId))
        },
      })
    },
  }
}

/** A bridge's credentials and options, checked. Misconfiguration is a ValidationError (never retried). */
export function settingsOf(bridge: BridgeContext): DiscordBridgeSettings {
  const { credentials, options } = bridge
  const where = `[adapter-discord] bridge ${bridge.bridgeId}`
  const apiUrl = options['apiUrl'] ?? DEFAULT_API_URL
  if (typeof apiUrl !== 'string' || !/^https?:\/\/[^/]/i.test(apiUrl)) {
    throw new ValidationError(`${where} options.apiUrl must be an http(s) URL`, [{ path: 'options.apiUrl', message: String(apiUrl) }])
  }
  const botToken = nonEmpty(credentials['botToken'])
  const applicationId = nonEmpty(credentials['applicationId'])
  const botUserId = nonEmpty(typeof options['botUserId'] === 'string' ? options['botUserId'] : undefined) ?? botUserIdFromToken(botToken) ?? applicationId
  return {
    bridgeId: bridge.bridgeId,
    botToken,
    publicKey: nonEmpty(credentials['publicKey']),
    applicationId,
    apiUrl: apiUrl.replace(/\/+$/, ''),
    intents: intentsOf(options['intents'], where),
    botUserId,
    allowedMentions: mentionsOf(options['allowedMentions'], where),
  }
}

function intentsOf(value: unknown, where: string): number {
  if (value === undefined) return DEFAULT_INTENTS
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value
  if (Array.isArray(value)) {
    let bits = 0
    for (const name of value) {
      const bit = typeof name === 'string' ? (GatewayIntentBits as Record<string, unknown>)[name] : undefined
      if (typeof bit !== 'number') throw new ValidationError(`${where} options.intents has an unknown intent ${String(name)}`, [{ path: 'options.intents', message: String(name) }])
      bits |= bit
    }
    return bits
  }
  throw new ValidationError(`${where} options.intents must be a bitfield or a list of intent names`, [{ path: 'options.intents', message: String(value) }])
}

function mentionsOf(value: unknown, where: string): Array<'users' | 'roles' | 'everyone'> {
  if (value === undefined) return []
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' && MENTION_KINDS.has(v))) return value as Array<'users' | 'roles' | 'everyone'>
  throw new ValidationError(`${where} options.allowedMentions must list users, roles and/or everyone`, [{ path: 'options.allowedMentions', message: String(value) }])
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined
}

function positive(value: number, name: string): number {
  if (Number.isFinite(value) && value > 0) return value
  throw new ValidationError(`[adapter-discord] ${name} must be a positive number`, [{ path: name, message: String(value) }])
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw)
  } catch {
    throw new ValidationError('[adapter-discord] webhook body is not JSON', [{ path: 'body', message: 'invalid JSON' }])
  }
}
