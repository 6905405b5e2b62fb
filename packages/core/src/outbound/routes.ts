import { compositeKey } from '../store-helpers.js'
import type { AdapterRegistry } from '../bridge/registry.js'
import type { OutboxDelivery } from '../contracts/runtime-store.js'
import type { MessagingStore } from '../contracts/store.js'
import { newId } from '../ids.js'
import type { ContentBlock, Message, RoutingPolicy, Thread } from '../model.js'
import type { PlatformAdapter } from '../contracts/platform-adapter.js'
import { chunkText, DEFAULT_MASS_MENTIONS, neutralizeMassMentions } from './chunker.js'
import { isMediaBlock, isPrivateUrl, mediaLabel, mediaRoute, type MediaOrigin } from './media.js'

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

/**
 * What a message sends to one route: its text, and the media blocks the delivery carries. Where the
 * adapter sends media natively (`capabilities.media: 'native'`) every media block goes along; elsewhere
 * (`fallback`: links the platform unfurls, `unsupported`) a media's public URL joins the text. A
 * platform's own file reference (Telegram's `tg-file:`) means nothing elsewhere: it goes along to be
 * uploaded where the adapter uploads files and `origin`'s adapter can resolve it (see
 * {@link mediaRoute}), else it becomes a label naming the media.
 */
export function outboundPartsOf(
  message: Pick<Message, 'content'>,
  adapter: Pick<PlatformAdapter, 'capabilities'>,
  route?: { bridgeId: string; origin?: MediaOrigin | undefined },
): { text: string; media: ContentBlock[] } {
  if (adapter.capabilities.media === 'native') {
    const text = message.content.flatMap((b) => (b.type === 'text' && b.text.length > 0 ? [b.text] : [])).join('\n')
    return { text, media: message.content.filter(isMediaBlock) }
  }
  const target = { bridgeId: route?.bridgeId ?? '', capabilities: adapter.capabilities }
  const media: ContentBlock[] = []
  const parts: string[] = []
  for (const b of message.content) {
    if (b.type === 'text') {
      if (b.text.length > 0) parts.push(b.text)
    } else if (isMediaBlock(b)) {
      const how = mediaRoute(b, target, route?.origin)
      if (how === 'upload') media.push(b)
      else if (how === 'link') parts.push(b.url!)
      else if (isPrivateUrl(b.url)) parts.push(mediaLabel(b))
    }
  }
  return { text: parts.join('\n'), media }
}
