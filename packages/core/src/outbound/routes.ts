import { compositeKey } from '../store-helpers.js'
import type { AdapterRegistry } from '../bridge/registry.js'
import type { OutboxDelivery } from '../contracts/runtime-store.js'
import type { MessagingStore } from '../contracts/store.js'
import { newId } from '../ids.js'
import type { ContentBlock, Message, RoutingPolicy, Thread } from '../model.js'
import type { PlatformAdapter } from '../contracts/platform-adapter.js'
import { chunkText, DEFAULT_MASS_MENTIONS, neutralizeMassMentions } from './chunker.js'

/** One place a room's outbound messages can go: an enabled binding of an enabled bridge whose adapter can send. */
export interface OutboundRoute {
  bindingId: string
  bridgeId: string
  channel: string
  adapter: string
  externalRoomId: string
  /** The adapter's text limit for this bridge. */
  textLimit: number
}

export interface ResolveRoutesOptions {
  /** Only this bridge. */
  bridgeId?: string
  /** Leave out the binding a message came from (mirror). */
  exclude?: { bridgeId: string; externalRoomId: string }
}

/** Routes from the room's bindings, ordered by the policy's fallbackOrder, then binding order. */
export async function resolveRoutes(
  store: Pick<MessagingStore, 'listRoomBindings' | 'getBridgeConfig'>,
  registry: AdapterRegistry,
  roomId: string,
  policy: RoutingPolicy | null,
  options: ResolveRoutesOptions = {},
): Promise<OutboundRoute[]> {
  const bindings = await store.listRoomBindings(roomId)
  const routes: OutboundRoute[] = []
  for (const b of bindings) {
    if (!b.enabled || b.direction === 'inbound') continue
    if (options.bridgeId !== undefined && b.bridgeId !== options.bridgeId) continue
    if (options.exclude && b.bridgeId === options.exclude.bridgeId && b.externalRoomId === options.exclude.externalRoomId) continue
    const config = await store.getBridgeConfig(b.bridgeId)
    if (!config?.enabled) continue
    const adapter = registry.get(config.adapter)
    if (!adapter?.send || adapter.capabilities.send === 'unsupported') continue
    let textLimit = adapter.capabilities.textLimit
    if (adapter.textLimitFor) {
      try {
        textLimit = adapter.textLimitFor(registry.context(config))
      } catch {
        // unresolvable credentials fail at send time with a clear error; the default limit is fine here
      }
    }
    routes.push({ bindingId: b.id, bridgeId: b.bridgeId, channel: b.channel, adapter: adapter.name, externalRoomId: b.externalRoomId, textLimit })
  }
  const order = policy?.fallbackOrder ?? []
  const rank = (r: OutboundRoute) => {
    const i = order.indexOf(r.bridgeId)
    return i === -1 ? order.length : i
  }
  return routes.map((r, i) => ({ r, i })).sort((a, b) => rank(a.r) - rank(b.r) || a.i - b.i).map(({ r }) => r)
}

/** Which routes a message goes to first, by delivery mode; the rest are failover candidates. */
export function selectRoutes(routes: OutboundRoute[], policy: RoutingPolicy | null): { now: OutboundRoute[]; failover: OutboundRoute[] } {
  const mode = policy?.deliveryMode ?? 'best_effort'
  if (mode === 'broadcast') return { now: routes, failover: [] }
  const [first, ...rest] = routes
  if (!first) return { now: [], failover: [] }
  if (mode === 'primary') return { now: [first], failover: [] }
  const failover = policy?.failoverPolicy ?? 'next_available'
  return { now: [first], failover: failover === 'none' ? [] : rest }
}

export interface DeliveryPlanOptions {
  thread?: Thread | null
  replyTo?: Message | null
  allowMassMentions?: boolean
  /** Media blocks to send with the first chunk (see {@link outboundPartsOf}). */
  media?: ContentBlock[]
  now: string
}

/** Builds the outbox rows of one message to one route: one row per chunk at the adapter's text limit. */
export function planDeliveries(
  message: Message,
  route: OutboundRoute,
  text: string,
  limits: { massMentions?: readonly string[] },
  options: DeliveryPlanOptions,
): OutboxDelivery[] {
  const safe = options.allowMassMentions ? text : neutralizeMassMentions(text, limits.massMentions ?? DEFAULT_MASS_MENTIONS)
  const chunks = safe.length === 0 ? [''] : chunkText(safe, Math.max(16, route.textLimit))
  const thread = options.thread
  const reply = options.replyTo
  const replyOnRoute = reply !== null && reply !== undefined && reply.metadata['bridgeId'] === route.bridgeId
  // the canonical thread's platform id when it lives on this bridge, else the thread of the message
  // replied to (a reply to a threaded message belongs in that thread, e.g. Slack's root ts)
  const externalThreadId =
    thread?.externalThreadId !== undefined && (thread.metadata['bridgeId'] === undefined || thread.metadata['bridgeId'] === route.bridgeId)
      ? thread.externalThreadId
      : replyOnRoute && reply.externalThreadId !== undefined
        ? reply.externalThreadId
        : undefined
  const externalReplyToId = replyOnRoute && reply.externalId !== undefined ? reply.externalId : undefined
  const media = options.media ?? []
  return chunks.map((chunk, i) => ({
    id: newId('delivery'),
    messageId: message.id,
    roomId: message.roomId,
    bridgeId: route.bridgeId,
    channel: route.channel,
    externalRoomId: route.externalRoomId,
    ...(externalThreadId === undefined ? {} : { externalThreadId }),
    ...(externalReplyToId === undefined || i > 0 ? {} : { externalReplyToId }),
    text: chunk,
    ...(i === 0 && media.length > 0 ? { media } : {}),
    chunkIndex: i,
    chunkCount: chunks.length,
    conversationKey: compositeKey(route.bridgeId, route.externalRoomId),
    status: 'pending',
    attempts: 0,
    nextAttemptAt: options.now,
    insertedAt: options.now,
    updatedAt: options.now,
  }))
}

const MEDIA_TYPES: ReadonlySet<string> = new Set(['image', 'audio', 'video', 'file'])

/**
 * What a message sends on one adapter: its text, and its media blocks as media where the adapter sends
 * media natively (`capabilities.media: 'native'`); elsewhere (`fallback`: links the platform unfurls,
 * `unsupported`) the media's URLs join the text.
 */
export function outboundPartsOf(message: Pick<Message, 'content'>, adapter: Pick<PlatformAdapter, 'capabilities'>): { text: string; media: ContentBlock[] } {
  if (adapter.capabilities.media !== 'native') return { text: textOf(message), media: [] }
  const text = message.content.flatMap((b) => (b.type === 'text' && b.text.length > 0 ? [b.text] : [])).join('\n')
  return { text, media: message.content.filter((b) => MEDIA_TYPES.has(b.type)) }
}

/**
 * The plain text of a message's content, for platforms that take text. A media block's URL goes in as
 * is when anyone can open it (http, https); a platform's own file reference (Telegram's `tg-file:`) means
 * nothing elsewhere, so it becomes a label naming the media instead.
 */
export function textOf(message: Pick<Message, 'content'>): string {
  return message.content
    .map((b) => (b.type === 'text' ? b.text : b.type === 'image' || b.type === 'file' || b.type === 'audio' || b.type === 'video' ? mediaText(b) : ''))
    .filter((t) => t.length > 0)
    .join('\n')
}

function mediaText(block: ContentBlock & { url?: string; filename?: string; altText?: string }): string {
  const url = block.url ?? ''
  if (url === '' || /^https?:\/\//i.test(url)) return url
  const name = block.filename ?? block.altText
  return `[${block.type}${name ? `: ${name}` : ''}]`
}
