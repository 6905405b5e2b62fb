import { compositeKey } from '../store-helpers.js'
import { emit, journal, signalContext, type Context } from '../api/context.js'
import type { SignalContext } from '../signals/factory.js'
import type { AdapterRegistry } from '../bridge/registry.js'
import type { BridgeContext, InboundEvent, PlatformAdapter } from '../contracts/platform-adapter.js'
import type { CommitMessageResult, RuntimeStore } from '../contracts/runtime-store.js'
import type { LeaseFence } from '../contracts/leases.js'
import type { Signal, SignalData } from '../contracts/signal-bus.js'
import type { MessagingStore, UpdateResult } from '../contracts/store.js'
import { ValidationError } from '../errors.js'
import { newId, nowIso } from '../ids.js'
import type { BridgeConfig, ContentBlock, Message, Participant, Room, RoomType, Thread } from '../model.js'
import { outboundPartsOf, planDeliveries, resolveRoutes } from '../outbound/routes.js'
import { describeError } from '../redact.js'
import { SignalTypes } from '../signals/types.js'
import { findMentions, parseCommand } from './commands.js'
import { applyMediaPolicy, runPolicy } from './policies.js'
import type { ReadCache } from '../bridge/read-cache.js'
import { InboundEventSchema, isPlainInboundEvent, type IngestOptions, type IngestOutcome, type PolicyDecision } from './types.js'

type FullStore = MessagingStore & RuntimeStore

const DAY_MS = 86_400_000
const roomTypeOf: Record<InboundEvent['chatType'], RoomType> = { direct: 'direct', group: 'group', channel: 'channel' }
/** The decision of a policy that is not configured (read only). */
const ALLOW: PolicyDecision = Object.freeze({ action: 'allow' })
/** What a passed `isPlainInboundEvent` stands for: the schema's verdict without running it. */
const VALID = { success: true } as const

/** The ingest stages after verification and parsing, shared by webhooks, direct payloads and listeners. */
export function createIngestPipeline(
  ctx: Context,
  store: FullStore,
  registry: AdapterRegistry,
  options: IngestOptions,
  kick: () => void,
  cache: ReadCache,
) {
  const cachedReads = { listRoomBindings: (id: string) => cache.bindings(id), getBridgeConfig: (id: string) => cache.bridgeConfig(id) }
  const dedupeWindowMs = Math.max(DAY_MS, options.dedupeWindowMs ?? DAY_MS)
  /** In-process copies of one platform message wait for the first one's commit. */
  const inFlight = new Map<string, Promise<IngestOutcome>>()
  /** The dedupe expiry of the last `now` seen: consecutive messages mostly share their millisecond. */
  let expiryOf = ''
  let expiry = ''
  const dedupeExpiry = (now: string): string => {
    if (now !== expiryOf) {
      expiry = new Date(Date.parse(now) + dedupeWindowMs).toISOString()
      expiryOf = now
    }
    return expiry
  }

  function senderOf(event: InboundEvent, channel: string): Promise<Participant> {
    // The candidate is built only on a cache miss: a known sender costs a map lookup.
    return cache.sender(channel, event.externalUserId, async () => {
      const candidate: Participant = {
        id: newId('participant'),
        type: event.isBot ? 'agent' : 'human',
        identity: {
          ...(event.displayName === undefined ? {} : { displayName: event.displayName, name: event.displayName }),
          ...(event.username === undefined ? {} : { username: event.username }),
        },
        externalIds: { [channel]: event.externalUserId },
        presence: 'offline',
        capabilities: [],
        metadata: {},
        insertedAt: nowIso(),
      }
      return (await store.getOrCreateParticipantByExternalId(channel, event.externalUserId, candidate)).participant
    })
  }

  async function ingestMessage(config: BridgeConfig, adapter: PlatformAdapter, event: InboundEvent, key: string, causationId?: string, fence?: LeaseFence): Promise<IngestOutcome> {
    const channel = adapter.channel
    const bridgeId = config.id
    const bridge = options.verifySender || options.gating || options.moderation ? { bridgeId, options: config.options } : undefined
    // Cache hits are taken synchronously (`cached*`); only a miss awaits the read.
    const bound = cache.cachedRoomByBinding(channel, bridgeId, event.externalRoomId) ?? await cache.roomByBinding(channel, bridgeId, event.externalRoomId)
    const existingRoom = bound?.room ?? null
    if (bound?.binding && (!bound.binding.enabled || bound.binding.direction === 'outbound')) {
      return { status: 'rejected', room: bound.room, reason: 'binding_inbound_disabled' }
    }
    // Policies run only where a hook is configured: no context, promise or timer for the default allow.
    const sender = options.verifySender
      ? await runPolicy(options.verifySender, { bridge: bridge!, channel, event, ...(existingRoom ? { room: existingRoom } : {}) })
      : ALLOW
    if (sender.action === 'reject') return { status: 'rejected', reason: `sender: ${sender.reason ?? 'not verified'}` }

    const now = nowIso()
    let room: Room
    const sc = signalContext(causationId === undefined ? undefined : { causationId })
    const externalRoomId = event.externalRoomId
    if (existingRoom) room = existingRoom
    else {
      const roomCandidate: Room = { id: newId('room'), type: roomTypeOf[event.chatType], externalBindings: {}, metadata: {}, insertedAt: now }
      if (event.chatTitle !== undefined) roomCandidate.name = event.chatTitle
      const j = journal<{ room: Room; created: boolean }>((r) => r.created
        ? [ctx.makeSignal(SignalTypes.roomCreated, r.room.id, { roomId: r.room.id, bridgeId, channel, externalRoomId, room: r.room }, sc)]
        : [], fence)
      ;({ room } = await store.getOrCreateRoomByBinding(roomCandidate, {
        id: newId('binding'), roomId: roomCandidate.id, channel, bridgeId, externalRoomId: event.externalRoomId,
        direction: 'both', enabled: true, insertedAt: now,
      }, j))
      emit(ctx, j)
    }
    const participant = cache.cachedSender(channel, event.externalUserId) ?? await senderOf(event, channel)

    let thread: Thread | undefined
    if (event.externalThreadId !== undefined) {
      const roomId = room.id
      const j = journal<{ thread: Thread; created: boolean }>((r) => r.created
        ? [ctx.makeSignal(SignalTypes.threadCreated, roomId, { roomId, bridgeId, channel, externalRoomId, threadId: r.thread.id, thread: r.thread }, sc)]
        : [], fence)
      thread = (await store.getOrCreateThread({
        id: newId('thread'), roomId: room.id, externalThreadId: event.externalThreadId, rootExternalMessageId: event.externalThreadId,
        deliveryExternalRoomId: event.externalRoomId, status: 'active', metadata: { channel, bridgeId }, insertedAt: now, updatedAt: now,
      }, j)).thread
      emit(ctx, j)
    }
    const replyTo = event.externalReplyToId === undefined ? null : await store.getMessageByExternalId(channel, bridgeId, event.externalReplyToId)

    const media = applyMediaPolicy(event.media, options.media)
    if (media.rejected) return { status: 'rejected', room, participant, reason: media.rejected }
    const policyContext = options.gating || options.moderation ? { bridge: bridge!, channel, event, room, participant } : undefined
    const gate = options.gating ? await runPolicy(options.gating, policyContext!) : ALLOW
    if (gate.action === 'reject') return { status: 'rejected', room, participant, reason: `gating: ${gate.reason ?? 'rejected'}` }
    const moderation = options.moderation ? await runPolicy(options.moderation, policyContext!) : ALLOW
    if (moderation.action === 'reject') return { status: 'rejected', room, participant, reason: `moderation: ${moderation.reason ?? 'rejected'}` }

    const text = media.note === undefined ? event.text : [event.text, media.note].filter((t) => t.length > 0).join('\n')
    const command = parseCommand(event.text)
    const mentions = findMentions(event.text)
    const content: ContentBlock[] = []
    if (text.length > 0) content.push({ type: 'text', text })
    for (const block of media.blocks) content.push(block)
    // The message and its metadata get their optional keys by assignment, in the order they have always
    // had (stores persist that order), instead of spreads that build a throwaway object per key.
    const metadata: Message['metadata'] = { channel, bridgeId, chatType: event.chatType, platformTimestamp: event.timestamp }
    if (event.username !== undefined) metadata['username'] = event.username
    if (command) metadata['command'] = command
    if (mentions.length > 0) metadata['mentions'] = mentions
    if (moderation.action === 'flag') metadata['moderation'] = { flagged: true, reason: moderation.reason }
    if (gate.action === 'flag') metadata['gating'] = { flagged: true, reason: gate.reason }
    const message = {
      id: newId('message'),
      roomId: room.id,
      senderId: participant.id,
      role: participant.type === 'agent' ? 'assistant' : 'user',
      content,
      externalId: event.externalMessageId,
      deliveryExternalRoomId: event.externalRoomId,
    } as Message
    if (replyTo) message.replyToId = replyTo.id
    if (event.externalReplyToId !== undefined) message.externalReplyToId = event.externalReplyToId
    if (thread) {
      message.threadId = thread.id
      message.externalThreadId = event.externalThreadId!
    }
    message.status = 'sent'
    message.reactions = {}
    message.receipts = {}
    message.metadata = metadata
    message.insertedAt = now
    message.updatedAt = now
    // An @mention of exactly one agent registered in the room opens a thread on this message for it.
    const agentThread = thread === undefined && mentions.length > 0 ? await openAgentThread(config, adapter, event, message, mentions, sc, fence) : undefined

    const cachedPolicy = cache.cachedRoutingPolicy(room.id)
    const policy = cachedPolicy !== undefined ? cachedPolicy : await cache.routingPolicy(room.id)
    let deliveries: ReturnType<typeof planDeliveries> = []
    if (policy?.mirror) {
      const routes = await resolveRoutes(cachedReads, registry, room.id, policy, { exclude: { bridgeId, externalRoomId: event.externalRoomId } })
      const who = event.displayName ?? event.username ?? event.externalUserId
      // Kept so that the mirror relays a later edit under the same name.
      if (routes.length > 0) message.metadata = { ...message.metadata, relayedAs: who }
      // This platform's private media (Telegram's tg-file:) go along to be uploaded where this adapter can resolve them.
      const origin = { bridgeId, canResolve: adapter.resolveMedia !== undefined }
      for (const route of routes) {
        const target = registry.get(route.adapter)!
        // The media go along as media where the target takes them, else as their URLs (or labels) after the text.
        const extra = media.blocks.length === 0 ? { text: '', media: [] } : outboundPartsOf({ content: media.blocks }, target, { bridgeId: route.bridgeId, origin })
        const relayed = extra.text.length > 0 ? `${who}: ${text}\n${extra.text}` : `${who}: ${text}`
        deliveries.push(...planDeliveries(message, route, relayed, target.massMentions ? { massMentions: target.massMentions } : {},
          { thread: thread ?? null, replyTo, media: extra.media, now }))
      }
    }

    const roomId = room.id
    const j = journal<CommitMessageResult>((result): Signal[] => {
      if (result.status !== 'created') return []
      const signals: Signal[] = []
      const m = result.message
      if (result.memberAdded) {
        signals.push(ctx.makeSignal(SignalTypes.roomParticipantJoined, roomId, { roomId, bridgeId, channel, externalRoomId, participantId: participant.id, participant }, sc))
      }
      // Built as a literal (no spreads): this runs for every ingested message. The signals share it (as
      // they share the message), so the journal serializes it once.
      const data: SignalData = { roomId, bridgeId, channel, externalRoomId, messageId: m.id, senderId: participant.id, participantId: participant.id }
      if (thread) data['threadId'] = thread.id
      data['message'] = m
      const added = ctx.makeSignal(SignalTypes.roomMessageAdded, roomId, data, sc)
      const caused = { correlationId: sc.correlationId, causationId: added.id }
      signals.push(added, ctx.makeSignal(SignalTypes.messageReceived, roomId, data, caused))
      if (thread) signals.push(ctx.makeSignal(SignalTypes.threadReplyAdded, roomId, data, caused))
      return signals
    }, fence)
    const written = await store.commitMessage({
      message,
      dedupe: { key, now, expiresAt: dedupeExpiry(now) },
      member: { roomId, participantId: participant.id, joinedAt: now },
      deliveries,
      journal: j,
    })
    emit(ctx, j)
    if (written.status === 'duplicate') {
      const original = written.messageId === null ? null : await store.getMessage(written.messageId)
      return { status: 'duplicate', room, participant, ...(original ? { message: original } : {}), reason: 'already ingested' }
    }
    if (deliveries.length > 0) kick()
    const outcome: IngestOutcome = { status: 'message', message: written.message, room, participant }
    if (thread) outcome.thread = thread
    if (agentThread) outcome.thread = await platformThread(config, adapter, event, agentThread)
    return outcome
  }

  /**
   * Opens (or finds) the canonical thread rooted at `message` and assigns it to the one registered agent
   * the message @-mentions; none when it mentions no agent or several. On a platform whose threads are
   * keyed by their root message (Slack) the thread's external id is the message's; a platform that
   * opens threads explicitly (Discord) gets its thread after the commit ({@link platformThread}).
   */
  async function openAgentThread(config: BridgeConfig, adapter: PlatformAdapter, event: InboundEvent, message: Message, mentions: string[], sc: SignalContext,
    fence?: LeaseFence): Promise<Thread | undefined> {
    const wanted = new Set(mentions.map((m) => m.toLowerCase()))
    const agents = (await store.listAgentRegistrations(message.roomId))
      .filter((r) => (r.mentionHandles ?? []).some((h) => wanted.has(h.toLowerCase())))
    if (agents.length !== 1) return undefined
    const agent = agents[0]!
    const roomId = message.roomId
    const candidate: Thread = {
      id: newId('thread'), roomId, rootMessageId: message.id, rootExternalMessageId: event.externalMessageId,
      deliveryExternalRoomId: event.externalRoomId, assignedAgentId: agent.agentId, status: 'active',
      metadata: { channel: adapter.channel, bridgeId: config.id, openedFor: agent.agentId }, insertedAt: message.insertedAt, updatedAt: message.insertedAt,
    }
    if (adapter.capabilities.threads === 'native' && adapter.openThread === undefined) candidate.externalThreadId = event.externalMessageId
    const ids = { roomId, bridgeId: config.id, channel: adapter.channel, externalRoomId: event.externalRoomId }
    const j = journal<{ thread: Thread; created: boolean }>((r) => r.created
      ? [ctx.makeSignal(SignalTypes.threadCreated, roomId, { ...ids, threadId: r.thread.id, thread: r.thread }, sc),
        ctx.makeSignal(SignalTypes.threadAssigned, roomId, { roomId, threadId: r.thread.id, agentId: agent.agentId, thread: r.thread }, sc)]
      : [], fence)
    const { thread } = await store.getOrCreateThread(candidate, j)
    emit(ctx, j)
    return thread
  }

  /** After the commit: a platform that opens threads explicitly gets one on the message, stored on the thread. */
  async function platformThread(config: BridgeConfig, adapter: PlatformAdapter, event: InboundEvent, thread: Thread): Promise<Thread> {
    if (adapter.openThread === undefined || adapter.capabilities.threads !== 'native' || thread.externalThreadId !== undefined) return thread
    try {
      const { externalThreadId } = await adapter.openThread(registry.context(config), { externalRoomId: event.externalRoomId, externalMessageId: event.externalMessageId })
      const updatedAt = nowIso()
      const r = await store.updateThread(thread.id, (t) => (t.externalThreadId === undefined ? { ...t, externalThreadId, updatedAt } : undefined))
      return r?.record ?? thread
    } catch (error) {
      // The canonical thread stands; replies then go to the conversation instead of a platform thread.
      console.warn(`[core] bridge ${config.id}: could not open a platform thread for message ${event.externalMessageId}: ${describeError(error, registry.secrets())}`)
      return thread
    }
  }

  /**
   * Platform edits, deletes and reactions. One that carries the platform's event id is applied once: a
   * retry of an event already applied (its 200 was lost, say) is a duplicate, so a reaction retried
   * after a later removal does not come back. The id is recorded after the change is applied, so a
   * crash in between makes the retry apply it again (changes are idempotent) instead of losing it.
   */
  async function ingestChange(config: BridgeConfig, adapter: PlatformAdapter, event: InboundEvent, causationId?: string, fence?: LeaseFence): Promise<IngestOutcome> {
    if (event.eventId === undefined) return applyChange(config, adapter, event, causationId, fence)
    const key = compositeKey('event', adapter.channel, config.id, event.eventId)
    // A claim that expires as it is made only asks whether a live one exists (an expired claim is free).
    const asOf = nowIso()
    if (!(await store.claimDedupeKey(key, { now: asOf, expiresAt: asOf }))) {
      return { status: 'duplicate', reason: 'already applied' }
    }
    const outcome = await applyChange(config, adapter, event, causationId, fence)
    // Not for an unknown message: its retry may find the message once that has been ingested.
    if (outcome.reason !== 'unknown_message') {
      const now = nowIso()
      await store.claimDedupeKey(key, { now, expiresAt: dedupeExpiry(now) })
    }
    return outcome
  }

  /** The message whose platform copy (a sent delivery of ours) has this id on this bridge. */
  async function copyOf(bridgeId: string, externalMessageId: string): Promise<Message | null> {
    const delivery = await store.findDeliveryByExternalId(bridgeId, externalMessageId)
    return delivery === null ? null : store.getMessage(delivery.messageId)
  }

  async function applyChange(config: BridgeConfig, adapter: PlatformAdapter, event: InboundEvent, causationId?: string, fence?: LeaseFence): Promise<IngestOutcome> {
    const channel = adapter.channel
    // A reaction may be on our copy of a message that came from elsewhere (sent there by the outbox);
    // edits and deletes apply only to the message's own platform message (a copy is ours, not its author's).
    const target = await store.getMessageByExternalId(channel, config.id, event.externalMessageId)
      ?? (event.kind === 'reaction' ? await copyOf(config.id, event.externalMessageId) : null)
    if (!target) return { status: 'event', reason: 'unknown_message' }
    const sc = signalContext(causationId === undefined ? {} : { causationId })
    const ids = { roomId: target.roomId, messageId: target.id, bridgeId: config.id, channel, externalRoomId: event.externalRoomId }
    if (event.kind === 'reaction') {
      if (!event.reaction) throw new ValidationError('a reaction event needs reaction', [{ path: 'reaction', message: 'required' }])
      const emoji = event.reaction.emoji
      if (typeof emoji !== 'string' || emoji.length < 1 || emoji.length > 100) throw new ValidationError('a reaction needs 1-100 characters', [{ path: 'reaction.emoji', message: String(emoji) }])
      const participant = await senderOf(event, channel)
      const added = event.reaction.added
      const now = nowIso()
      // The signal names the bridge it came from, so the mirror carries it to the other platforms only.
      const j = journal<UpdateResult<Message> | null>((r) => (r?.changed
        ? [ctx.makeSignal(added ? SignalTypes.messageReactionAdded : SignalTypes.messageReactionRemoved, target.roomId,
          { ...ids, participantId: participant.id, reaction: emoji, message: r.record }, sc)]
        : []), fence)
      const written = await store.updateMessage(target.id, (m) => {
        const list = m.reactions[emoji] ?? []
        if (added === list.includes(participant.id)) return undefined
        const reactions = { ...m.reactions }
        const next = added ? [...list, participant.id].sort() : list.filter((p) => p !== participant.id)
        if (next.length > 0) reactions[emoji] = next
        else delete reactions[emoji]
        return { ...m, reactions, updatedAt: now }
      }, j)
      emit(ctx, j)
      return { status: 'event', participant, ...(written ? { message: written.record } : {}) }
    }
    if (event.kind === 'delete') {
      const j = journal<boolean>((deleted) => (deleted ? [ctx.makeSignal(SignalTypes.messageDeleted, target.roomId, { ...ids, externalId: event.externalMessageId }, sc)] : []), fence)
      await store.deleteMessage(target.id, j)
      emit(ctx, j)
      return { status: 'event', reason: 'deleted' }
    }
    const now = nowIso()
    let stale = false
    const j = journal<UpdateResult<Message> | null>((r) => (r?.changed ? [ctx.makeSignal(SignalTypes.messageEdited, target.roomId, { ...ids, message: r.record }, sc)] : []), fence)
    const written = await store.updateMessage(target.id, (m) => {
      // An edit older (by platform time) than the one applied last is a late retry: keep the newer text.
      const editedAt = m.metadata['editedAt']
      stale = typeof editedAt === 'string' && Date.parse(event.timestamp) < Date.parse(editedAt)
      if (stale) return undefined
      const media = m.content.filter((b) => b.type !== 'text')
      const content: ContentBlock[] = event.text.length > 0 ? [{ type: 'text', text: event.text }, ...media] : media
      if (JSON.stringify(content) === JSON.stringify(m.content)) return undefined
      return { ...m, content, metadata: { ...m.metadata, editedAt: event.timestamp }, updatedAt: now }
    }, j)
    emit(ctx, j)
    return { status: 'event', ...(written ? { message: written.record } : {}), reason: stale ? 'stale_edit' : 'edited' }
  }

  return {
    /**
     * Runs one normalized event through the pipeline. Errors become `{status: 'error'}` outcomes. `fence`:
     * the lease term of the listener that received it; its writes are refused (CONFLICT) once superseded.
     */
    async ingest(config: BridgeConfig, adapter: PlatformAdapter, input: InboundEvent, causationId?: string, fence?: LeaseFence): Promise<IngestOutcome> {
      const parsed = isPlainInboundEvent(input) ? VALID : InboundEventSchema.safeParse(input)
      if (!parsed.success) {
        throw new ValidationError(`[core] adapter ${adapter.name} produced an invalid inbound event: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
          parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })))
      }
      const event = input
      if (event.isSelf) return { status: 'noop', reason: 'self' }
      if (event.kind === 'other') return { status: 'event', reason: 'ignored' }
      if (event.kind !== 'message' && event.kind !== 'command') return ingestChange(config, adapter, event, causationId, fence)
      const key = dedupeKey(adapter.channel, config.id, event)
      const first = inFlight.get(key)
      if (first) {
        const prior = await first.catch(() => undefined)
        if (prior?.status === 'message' || prior?.status === 'duplicate') {
          return { ...prior, status: 'duplicate', reason: 'already ingested' }
        }
      }
      const run = ingestMessage(config, adapter, event, key, causationId, fence)
      inFlight.set(key, run)
      try {
        return await run
      } finally {
        if (inFlight.get(key) === run) inFlight.delete(key)
      }
    },
  }
}

export type IngestPipeline = ReturnType<typeof createIngestPipeline>

export function dedupeKey(channel: string, bridgeId: string, event: Pick<InboundEvent, 'externalRoomId' | 'externalMessageId'>): string {
  return compositeKey('ingest', channel, bridgeId, event.externalRoomId, event.externalMessageId)
}

export type { BridgeContext }
