import { compositeKey } from '../store-helpers.js'
import { z } from 'zod'
import type { Context } from '../api/context.js'
import { emit, journal, signalContext, type CommandOptions } from '../api/context.js'
import type { AdapterRegistry } from '../bridge/registry.js'
import type { CommitMessageResult, OutboxDelivery, RuntimeStore } from '../contracts/runtime-store.js'
import type { JournalWrite } from '../contracts/journal.js'
import type { Signal } from '../contracts/signal-bus.js'
import type { MessagingStore, UpdateResult } from '../contracts/store.js'
import { MessagingError, NotFoundError } from '../errors.js'
import { newId, nowIso } from '../ids.js'
import { ContentBlockSchema, type BridgeConfig, type ContentBlock, type Message, type RoomBinding, type RoutingPolicy } from '../model.js'
import { SignalTypes } from '../signals/types.js'
import { parse, requireId } from '../validate.js'
import { DEFAULT_MASS_MENTIONS, neutralizeMassMentions } from './chunker.js'
import { mediaOriginOf } from './media.js'
import { outboundPartsOf, planDeliveries, resolveRoutes, selectRoutes, type OutboundRoute } from './routes.js'
import type { LiveRoute } from './stream.js'

const RouteOutboundOptionsSchema = z.strictObject({
  threadId: z.string().min(1).optional(),
  replyToId: z.string().min(1).optional(),
  bridgeId: z.string().min(1).optional(),
  senderId: z.string().min(1).max(255).default('system'),
  role: z.enum(['user', 'assistant', 'system', 'tool']).default('assistant'),
  idempotencyKey: z.string().min(1).max(255).optional(),
  allowMassMentions: z.boolean().default(false),
  metadata: z.record(z.string(), z.unknown()).default({}),
  /** How long to wait for every route's first attempt (default 30 s); deliveries go on after it. */
  waitMs: z.number().int().min(0).max(600_000).default(30_000),
  correlationId: z.string().optional(),
  causationId: z.string().optional(),
})
export type RouteOutboundOptions = z.input<typeof RouteOutboundOptionsSchema>

export type RouteDeliveryStatus = 'sent' | 'retrying' | 'failed' | 'dead_lettered'

export interface RouteDeliverySummary {
  /** The first chunk's delivery id (the idempotency key the platform sees). */
  id: string
  deliveryIds: string[]
  bridgeId: string
  channel: string
  externalRoomId: string
  status: RouteDeliveryStatus
  externalIds: string[]
  lastError?: string
}

export interface RouteOutboundResult {
  message: Message
  deliveries: RouteDeliverySummary[]
}

type FullStore = MessagingStore & RuntimeStore

/** Summarizes a message's deliveries per route (bridge and external room), chunks in order. */
export function summarizeDeliveries(deliveries: OutboxDelivery[]): RouteDeliverySummary[] {
  const routes = new Map<string, OutboxDelivery[]>()
  for (const d of deliveries) {
    // Changes made after the send (edits, deletes, reactions) are not part of how the message went out.
    if (!isSendDelivery(d)) continue
    const list = routes.get(d.conversationKey) ?? []
    list.push(d)
    routes.set(d.conversationKey, list)
  }
  return [...routes.values()].map((list) => {
    list.sort((a, b) => a.chunkIndex - b.chunkIndex)
    const first = list[0]!
    const status: RouteDeliveryStatus = list.every((d) => d.status === 'sent')
      ? 'sent'
      : list.some((d) => d.status === 'dead_lettered')
        ? 'dead_lettered'
        : list.some((d) => d.status === 'failed')
          ? 'failed'
          : 'retrying'
    const lastError = list.find((d) => d.lastError !== undefined)?.lastError
    return {
      id: first.id,
      deliveryIds: list.map((d) => d.id),
      bridgeId: first.bridgeId,
      channel: first.channel,
      externalRoomId: first.externalRoomId,
      status,
      externalIds: list.flatMap((d) => (d.externalMessageId === undefined ? [] : [d.externalMessageId])),
      ...(lastError === undefined ? {} : { lastError }),
    }
  })
}

const isFinal = (d: OutboxDelivery) => d.status === 'sent' || d.status === 'failed' || d.status === 'dead_lettered'

/** A delivery that sends (a chunk of) its message, as opposed to changing a copy already sent. */
export const isSendDelivery = (d: OutboxDelivery): boolean => d.action === undefined || d.action === 'send'

/** Cached reads of the routing topology (the messaging instance's read cache); default: the store. */
export interface TopologyReads {
  routingPolicy(roomId: string): Promise<RoutingPolicy | null>
  bindings(roomId: string): Promise<RoomBinding[]>
  bridgeConfig(id: string): Promise<BridgeConfig | null>
}

export function outboundApi(ctx: Context, store: FullStore, registry: AdapterRegistry, kick: () => void, reads?: TopologyReads) {
  // Posted messages and agents' live routes read the topology through the cache (seen within its ttl
  // after another process changes it; at once after a change through this instance).
  const topology = reads === undefined
    ? store
    : { getRoutingPolicy: (id: string) => reads.routingPolicy(id), listRoomBindings: (id: string) => reads.bindings(id), getBridgeConfig: (id: string) => reads.bridgeConfig(id) }
  const waiters = new Map<string, Set<() => void>>()

  function notify(messageId: string): void {
    for (const w of waiters.get(messageId) ?? []) w()
  }

  /** Resolves once every route of the message has finished its first attempt (final, or retrying). */
  async function waitForFirstAttempts(messageId: string, waitMs: number): Promise<OutboxDelivery[]> {
    const settled = (list: OutboxDelivery[]) => {
      const byRoute = new Map<string, OutboxDelivery[]>()
      for (const d of list) byRoute.set(d.conversationKey, [...(byRoute.get(d.conversationKey) ?? []), d])
      return [...byRoute.values()].every((r) => r.every(isFinal) || r.some((d) => d.status === 'retrying'))
    }
    const deadline = Date.now() + waitMs
    for (;;) {
      let wake!: () => void
      const woken = new Promise<void>((r) => (wake = r))
      const set = waiters.get(messageId) ?? new Set()
      set.add(wake)
      waiters.set(messageId, set)
      try {
        const list = (await store.listDeliveries(messageId)).filter(isSendDelivery)
        if (settled(list) || Date.now() >= deadline) return list
        let timer: NodeJS.Timeout | undefined
        await Promise.race([woken, new Promise((r) => (timer = setTimeout(r, Math.min(250, deadline - Date.now()))))])
        clearTimeout(timer)
      } finally {
        set.delete(wake)
        if (set.size === 0) waiters.delete(messageId)
      }
    }
  }

  async function plan(message: Message, routes: OutboundRoute[], allowMassMentions: boolean, now: string) {
    const thread = message.threadId === undefined ? null : await store.getThread(message.threadId)
    const replyTo = message.replyToId === undefined ? null : await store.getMessage(message.replyToId)
    const origin = await mediaOriginOf(message, (id) => topology.getBridgeConfig(id), registry)
    return routes.flatMap((route) => {
      const adapter = registry.get(route.adapter)!
      const { text, media } = outboundPartsOf(message, adapter, { bridgeId: route.bridgeId, origin })
      return planDeliveries(message, route, text, adapter.massMentions ? { massMentions: adapter.massMentions } : {},
        { thread, replyTo, allowMassMentions, media, now })
    })
  }

  /**
   * Called by the delivery worker after each attempt: updates the message (status, platform ids),
   * emits `message.sent` / `message.failed` for a route that just finished, fails over to the next
   * route when the policy says so, and wakes routeOutbound callers.
   */
  async function onSettled(delivery: OutboxDelivery): Promise<void> {
    try {
      if (!isSendDelivery(delivery)) return
      const all = (await store.listDeliveries(delivery.messageId)).filter(isSendDelivery)
      const route = all.filter((d) => d.conversationKey === delivery.conversationKey)
      const routeDone = route.every(isFinal)
      const routeSent = route.every((d) => d.status === 'sent')
      const justFinished = routeDone && isFinal(delivery)
      if (!justFinished) return
      const summaries = summarizeDeliveries(all)
      const anySent = summaries.some((s) => s.status === 'sent')
      const allDone = all.every(isFinal)
      const failoverCandidates = (m: Message) => ((m.metadata['routing'] as { failover?: OutboundRoute[] } | undefined)?.failover ?? [])
      const summary = summaries.find((s) => s.deliveryIds.includes(delivery.id))!
      const now = nowIso()
      let next: OutboundRoute | undefined
      const sc = signalContext({})
      const j = journal<UpdateResult<Message> | null>((result): Signal[] => {
        if (!result) return []
        const message = result.record
        const data = { roomId: message.roomId, messageId: message.id, bridgeId: delivery.bridgeId, channel: delivery.channel,
          externalRoomId: delivery.externalRoomId, externalIds: summary.externalIds, status: summary.status,
          ...(summary.lastError === undefined ? {} : { reason: summary.lastError }), message }
        return [ctx.makeSignal(routeSent ? SignalTypes.messageSent : SignalTypes.messageFailed, message.roomId, data, sc)]
      })
      const result = await store.updateMessage(delivery.messageId, (m) => {
        const externalIds = { ...((m.metadata['externalIds'] as Record<string, string[]>) ?? {}) }
        if (routeSent) externalIds[delivery.bridgeId] = summary.externalIds
        const candidates = failoverCandidates(m)
        next = !routeSent && !anySent && candidates.length > 0 ? candidates[0] : undefined
        const status = anySent ? 'sent' : allDone && !next ? 'failed' : m.status
        const metadata: Record<string, unknown> = { ...m.metadata, externalIds }
        if (next) metadata['routing'] = { ...(m.metadata['routing'] as object), failover: candidates.slice(1) }
        const out: Message = { ...m, status, metadata, updatedAt: now }
        if (routeSent && out.externalId === undefined && m.metadata['channel'] === undefined && summary.externalIds[0] !== undefined) {
          out.externalId = summary.externalIds[0]
          out.metadata = { ...out.metadata, channel: delivery.channel, bridgeId: delivery.bridgeId }
          out.deliveryExternalRoomId = delivery.externalRoomId
        }
        return out
      }, j)
      const written = result?.record ?? null
      emit(ctx, j)
      if (next && written) {
        await store.enqueueDeliveries(await plan(written, [next], written.metadata['allowMassMentions'] === true, now))
        kick()
      }
    } finally {
      notify(delivery.messageId)
    }
  }

  /**
   * Outbox rows for a message posted with `deliver`, by the room's policy; the failover list goes in its
   * metadata. `previews`: platform messages already showing this message (a streamed reply), by
   * conversation key; the first chunk's delivery there carries that id, so the worker edits it.
   */
  async function planPosted(message: Message, previews?: Record<string, string>): Promise<OutboxDelivery[]> {
    const policy = await topology.getRoutingPolicy(message.roomId)
    const routes = await resolveRoutes(topology, registry, message.roomId, policy)
    const { now: chosen, failover } = selectRoutes(routes, policy)
    if (chosen.length === 0) return []
    message.metadata = { ...message.metadata, routing: { deliveryMode: policy?.deliveryMode ?? 'best_effort', failover } }
    const deliveries = await plan(message, chosen, false, message.insertedAt)
    if (previews !== undefined) {
      for (const d of deliveries) {
        const id = previews[d.conversationKey]
        if (d.chunkIndex === 0 && id !== undefined && d.media === undefined) d.externalMessageId = id
      }
    }
    return deliveries
  }

  /**
   * The platforms a message posted now into the room (in that thread, replying to that message) would
   * reach first by the routing policy, with direct calls for a streamed preview and typing. Text goes
   * out as the outbox would send it (mass mentions neutralized), to the target its first chunk gets.
   */
  async function liveRoutes(draft: { roomId: string; threadId?: string; replyToId?: string }): Promise<LiveRoute[]> {
    const policy = await topology.getRoutingPolicy(draft.roomId)
    const { now: chosen } = selectRoutes(await resolveRoutes(topology, registry, draft.roomId, policy), policy)
    if (chosen.length === 0) return []
    const thread = draft.threadId === undefined ? null : await store.getThread(draft.threadId)
    const replyTo = draft.replyToId === undefined ? null : await store.getMessage(draft.replyToId)
    const now = nowIso()
    const probe = { id: 'msg_probe', roomId: draft.roomId, senderId: 'probe', role: 'assistant', content: [], status: 'sending', reactions: {},
      receipts: {}, metadata: {}, insertedAt: now, updatedAt: now } as Message
    const out: LiveRoute[] = []
    for (const route of chosen) {
      const adapter = registry.get(route.adapter)
      const config = await topology.getBridgeConfig(route.bridgeId)
      if (!adapter || !config) continue
      const [target] = planDeliveries(probe, route, '.', {}, { thread, replyTo, now })
      if (!target) continue
      const mentions = adapter.massMentions ?? DEFAULT_MASS_MENTIONS
      const safe = (text: string) => neutralizeMassMentions(text, mentions)
      const bridge = () => registry.context(config)
      const rate = ((config.options['rateLimit'] as { perConversation?: { perSecond?: number } } | undefined)?.perConversation?.perSecond)
        ?? adapter.rateLimits?.perConversation?.perSecond ?? 5
      const where = { externalRoomId: target.externalRoomId, ...(target.externalThreadId === undefined ? {} : { externalThreadId: target.externalThreadId }) }
      out.push({
        bridgeId: route.bridgeId,
        conversationKey: target.conversationKey,
        textLimit: route.textLimit,
        canEdit: adapter.edit !== undefined && adapter.send !== undefined && adapter.capabilities.edit === 'native',
        canType: adapter.startTyping !== undefined && adapter.capabilities.typing !== 'unsupported',
        minIntervalMs: rate > 0 ? Math.ceil(1000 / rate) : 1000,
        send: async (text) => (await adapter.send!(bridge(), {
          deliveryId: newId('delivery'), ...where, text: safe(text),
          ...(target.externalReplyToId === undefined ? {} : { externalReplyToId: target.externalReplyToId }),
        })).externalMessageId,
        edit: (externalMessageId, text) => adapter.edit!(bridge(), { ...where, externalMessageId, text: safe(text) }),
        typing: () => adapter.startTyping!(bridge(), where),
      })
    }
    return out
  }

  return {
    onSettled,
    hooks: {
      plan: planPosted,
      liveRoutes,
      async commit(message: Message, deliveries: OutboxDelivery[], journal: JournalWrite<CommitMessageResult>, dedupe?: { key: string; now: string; expiresAt: string }): Promise<CommitMessageResult> {
        const result = await store.commitMessage({ message, deliveries, journal, ...(dedupe === undefined ? {} : { dedupe }) })
        if (result.status !== 'created' && dedupe === undefined) throw new MessagingError('[core] message was committed already', { code: 'CONFLICT' })
        return result
      },
      kick,
    },

    api: {
      /** The routes a room's outbound messages would take now, in policy order. */
      async resolveOutboundRoutes(roomId: string, options: { bridgeId?: string } = {}): Promise<OutboundRoute[]> {
        requireId(roomId, 'roomId')
        if (!(await store.getRoom(roomId))) throw new NotFoundError(`room ${roomId} not found`, { roomId })
        const policy = await store.getRoutingPolicy(roomId)
        return resolveRoutes(store, registry, roomId, policy, options.bridgeId === undefined ? {} : { bridgeId: options.bridgeId })
      },

      /**
       * Stores an outbound message and its deliveries in one commit (durable outbox), then sends them
       * by the room's routing policy. Resolves once every route's first attempt has finished; retries
       * go on from the outbox. NO_ROUTES when the room has no usable route; DELIVERY_FAILED when every
       * route failed for good. A repeated `idempotencyKey` returns the first call's message.
       */
      async routeOutbound(roomId: string, textOrContent: string | ContentBlock[], options: RouteOutboundOptions = {}): Promise<RouteOutboundResult> {
        requireId(roomId, 'roomId')
        const opts = parse(RouteOutboundOptionsSchema, options, 'routeOutbound options')
        const content = typeof textOrContent === 'string'
          ? [{ type: 'text' as const, text: textOrContent }]
          : parse(z.array(ContentBlockSchema).min(1), textOrContent, 'content')
        if (!(await store.getRoom(roomId))) throw new NotFoundError(`room ${roomId} not found`, { roomId })
        if (opts.replyToId !== undefined) {
          const replyTo = await store.getMessage(opts.replyToId)
          if (!replyTo || replyTo.roomId !== roomId) throw new NotFoundError(`message ${opts.replyToId} (replyToId) not found in room ${roomId}`, { replyToId: opts.replyToId })
        }
        if (opts.threadId !== undefined) {
          const thread = await store.getThread(opts.threadId)
          if (!thread || thread.roomId !== roomId) throw new NotFoundError(`thread ${opts.threadId} not found in room ${roomId}`, { threadId: opts.threadId })
        }
        const policy = await store.getRoutingPolicy(roomId)
        const routes = await resolveRoutes(store, registry, roomId, policy, opts.bridgeId === undefined ? {} : { bridgeId: opts.bridgeId })
        const { now: chosen, failover } = selectRoutes(routes, policy)
        if (chosen.length === 0) {
          throw new MessagingError(`[core] room ${roomId} has no outbound route${opts.bridgeId ? ` on bridge ${opts.bridgeId}` : ''}`, { code: 'NO_ROUTES', details: { roomId } })
        }
        const now = nowIso()
        const message: Message = {
          id: newId('message'),
          roomId,
          senderId: opts.senderId,
          role: opts.role,
          content,
          ...(opts.threadId === undefined ? {} : { threadId: opts.threadId }),
          ...(opts.replyToId === undefined ? {} : { replyToId: opts.replyToId }),
          status: 'sending',
          reactions: {},
          receipts: {},
          metadata: { ...opts.metadata, routing: { deliveryMode: policy?.deliveryMode ?? 'best_effort', failover },
            ...(opts.allowMassMentions ? { allowMassMentions: true } : {}) },
          insertedAt: now,
          updatedAt: now,
        }
        const deliveries = await plan(message, chosen, opts.allowMassMentions, now)
        const sc = signalContext(opts)
        const j = journal<CommitMessageResult>((result) => {
          if (result.status !== 'created') return []
          const m = result.message
          const added = ctx.makeSignal(SignalTypes.roomMessageAdded, roomId,
            { roomId, messageId: m.id, senderId: m.senderId, ...(m.threadId === undefined ? {} : { threadId: m.threadId }), message: m }, sc)
          if (m.threadId === undefined) return [added]
          // A reply in a thread is announced as such, as postMessage does.
          return [added, ctx.makeSignal(SignalTypes.threadReplyAdded, roomId, { roomId, threadId: m.threadId, messageId: m.id, senderId: m.senderId, message: m },
            { correlationId: sc.correlationId, causationId: added.id })]
        })
        const written = await store.commitMessage({
          message,
          deliveries,
          ...(opts.idempotencyKey === undefined ? {} : {
            dedupe: { key: compositeKey('outbound', roomId, opts.idempotencyKey), now, expiresAt: new Date(Date.parse(now) + 86_400_000).toISOString() },
          }),
          journal: j,
        })
        emit(ctx, j)
        const messageId = written.status === 'created' ? written.message.id : written.messageId
        if (messageId === null) throw new MessagingError('[core] idempotency key reused without a message', { code: 'CONFLICT' })
        kick()
        const list = await waitForFirstAttempts(messageId, opts.waitMs)
        const summaries = summarizeDeliveries(list)
        const current = (await store.getMessage(messageId)) ?? (written.status === 'created' ? written.message : message)
        if (summaries.length > 0 && summaries.every((s) => s.status === 'failed' || s.status === 'dead_lettered')) {
          throw new MessagingError(`[core] every route failed for message ${messageId}: ${summaries.map((s) => `${s.bridgeId}: ${s.lastError ?? s.status}`).join('; ')}`, {
            code: 'DELIVERY_FAILED',
            details: { messageId, summary: summaries },
          })
        }
        return { message: current, deliveries: summaries }
      },
    },
  }
}
export type { CommandOptions }
