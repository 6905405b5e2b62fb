import type { Context } from '../api/context.js'
import type { AdapterRegistry } from '../bridge/registry.js'
import type { CapabilityLevel, PlatformAdapter } from '../contracts/platform-adapter.js'
import type { DeliveryAction, OutboxDelivery, RuntimeStore } from '../contracts/runtime-store.js'
import type { Signal } from '../contracts/signal-bus.js'
import type { MessagingStore } from '../contracts/store.js'
import { isMessagingError } from '../errors.js'
import { nowIso } from '../ids.js'
import type { Message } from '../model.js'
import type { FeedSubscription } from '../signals/feed.js'
import { SignalTypes } from '../signals/types.js'
import { compositeKey } from '../store-helpers.js'
import type { TopologyReads } from './router.js'
import { isSendDelivery } from './router.js'
import { mediaOriginOf, type MediaOrigin } from './media.js'
import { outboundPartsOf } from './routes.js'
import type { LiveRoute } from './stream.js'

type FullStore = MessagingStore & RuntimeStore

/** The durable subscription that turns committed changes into outbox deliveries (its checkpoint's name). */
export const CHANGES_SUBSCRIPTION = 'jido:outbound-changes'

const CHANGE_TYPES: ReadonlySet<string> = new Set([
  SignalTypes.messageEdited, SignalTypes.messageDeleted, SignalTypes.messageReactionAdded, SignalTypes.messageReactionRemoved,
])

/** A platform copy a change applies to: one conversation, and the copy's id when it is not one of our sends. */
interface Target {
  bridgeId: string
  channel: string
  externalRoomId: string
  externalThreadId?: string
  conversationKey: string
  /** Set for the message's own platform message (it came from there): not ours, so only reactions apply. */
  externalMessageId?: string
}

/**
 * Two-way sync (SPEC 8.1): canonical edits, eventful deletes and reactions, and the same changes ingested
 * from a platform (when the room mirrors), become outbox deliveries to every platform copy of the
 * message except the one the change came from. It reads the journal through a durable subscription, so
 * a change committed while the process was down is delivered after a restart; the deliveries' ids are
 * derived from the change's signal, so planning a change twice enqueues it once. Typing (live only)
 * goes straight to the platforms, never queued.
 */
export class OutboundChanges {
  private sub: FeedSubscription | undefined
  private typingSub: { id: string } | undefined
  private stopped = false

  constructor(
    private readonly ctx: Context,
    private readonly store: FullStore,
    private readonly registry: AdapterRegistry,
    private readonly reads: TopologyReads,
    private readonly liveRoutes: (draft: { roomId: string; threadId?: string }) => Promise<LiveRoute[]>,
    private readonly kick: () => void,
    private readonly onError: (error: unknown, where: string) => void,
  ) {}

  async start(): Promise<void> {
    this.stopped = false
    this.sub = this.ctx.feed.subscribe('jido.messaging.message.*', (signal) => this.onChange(signal), { name: CHANGES_SUBSCRIPTION })
    this.typingSub = this.ctx.feed.subscribe(SignalTypes.participantTyping, (signal) => void this.onTyping(signal))
    await this.sub.ready
  }

  stop(): void {
    this.stopped = true
    if (this.sub) this.ctx.feed.unsubscribe(this.sub.id)
    if (this.typingSub) this.ctx.feed.unsubscribe(this.typingSub.id)
    this.sub = undefined
    this.typingSub = undefined
  }

  /** Plans and enqueues one change, retrying while the store is unavailable (the checkpoint waits for it). */
  private async onChange(signal: Signal): Promise<void> {
    if (!CHANGE_TYPES.has(signal.type)) return
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        const deliveries = await this.plan(signal)
        if (deliveries.length === 0) return
        try {
          await this.store.enqueueDeliveries(deliveries)
        } catch (error) {
          // Planned before (a restart between enqueue and checkpoint): the ids are the signal's, so taken.
          if (!(isMessagingError(error) && error.code === 'CONFLICT')) throw error
        }
        this.kick()
        return
      } catch (error) {
        const transient = isMessagingError(error) && error.code === 'STORE_UNAVAILABLE'
        if (!transient || attempt >= 8) {
          this.onError(error, `delivering ${signal.type} ${String(signal.data?.['messageId'] ?? '')} to the platforms`)
          return
        }
        await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** attempt)))
      }
    }
  }

  /** The outbox rows of a change: one per platform copy in its conversation, or a record of why not. */
  async plan(signal: Signal): Promise<OutboxDelivery[]> {
    const data = (signal.data ?? {}) as Record<string, unknown>
    const roomId = data['roomId']
    const messageId = data['messageId']
    if (typeof roomId !== 'string' || typeof messageId !== 'string') return []
    const bridgeId = data['bridgeId']
    const fromPlatform = typeof bridgeId === 'string' && typeof data['externalRoomId'] === 'string'
      ? compositeKey(bridgeId, data['externalRoomId'] as string)
      : undefined
    // A change that came from a platform travels to the other platforms only where the room mirrors.
    if (fromPlatform !== undefined && (await this.reads.routingPolicy(roomId))?.mirror !== true) return []
    const message = (data['message'] as Message | undefined) ?? null
    let action: DeliveryAction
    let emoji: string | undefined
    switch (signal.type) {
      case SignalTypes.messageEdited:
        action = 'edit'
        break
      case SignalTypes.messageDeleted:
        action = 'delete'
        break
      case SignalTypes.messageReactionAdded:
      case SignalTypes.messageReactionRemoved: {
        emoji = typeof data['reaction'] === 'string' ? data['reaction'] : undefined
        if (emoji === undefined || message === null) return []
        const count = message.reactions[emoji]?.length ?? 0
        // The bot shows an emoji on the other platforms while anyone has it: added with the first
        // participant's reaction, removed with the last one's.
        if (signal.type === SignalTypes.messageReactionAdded ? count !== 1 : count !== 0) return []
        action = signal.type === SignalTypes.messageReactionAdded ? 'react' : 'unreact'
        break
      }
      default:
        return []
    }
    const targets = await this.targets(messageId, message, action)
    // An edit's text leaves out the media that went as uploads, as the send did.
    const origin = action === 'edit' && message !== null ? await mediaOriginOf(message, (id) => this.reads.bridgeConfig(id), this.registry) : undefined
    const now = nowIso()
    const out: OutboxDelivery[] = []
    const base = signal.id.replace(/^sig_/, '')
    let n = 0
    for (const target of targets) {
      if (target.conversationKey === fromPlatform) continue
      const config = await this.reads.bridgeConfig(target.bridgeId)
      if (!config?.enabled) continue
      // Without the adapter in this process the change is still queued: a worker that has it applies it
      // (or, lacking it too, records the failure); dropping it here would lose it for every process.
      const adapter = this.registry.get(config.adapter)
      const { level, method } = adapter === undefined ? { level: 'native' as const, method: true } : capabilityOf(adapter, action)
      const row: OutboxDelivery = {
        id: `dlv_${base}_${n++}`,
        messageId,
        roomId,
        bridgeId: target.bridgeId,
        channel: target.channel,
        externalRoomId: target.externalRoomId,
        ...(target.externalThreadId === undefined ? {} : { externalThreadId: target.externalThreadId }),
        text: action === 'edit' && message !== null ? editText(message, adapter, { bridgeId: target.bridgeId, origin }) : '',
        chunkIndex: 0,
        chunkCount: 1,
        action,
        ...(emoji === undefined ? {} : { emoji }),
        ...(target.externalMessageId === undefined ? {} : { externalMessageId: target.externalMessageId }),
        conversationKey: target.conversationKey,
        status: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        insertedAt: now,
        updatedAt: now,
      }
      if (level === 'native' && method) out.push(row)
      else if (level === 'fallback' && adapter?.send) {
        // A short note where the platform cannot apply the change itself.
        const note = action === 'edit' ? `(edited) ${row.text}` : action === 'delete' ? '(message deleted)' : action === 'react' ? `(reacted ${emoji})` : `(reaction ${emoji} removed)`
        const { action: _a, emoji: _e, externalMessageId: _x, ...send } = row
        out.push({ ...send, text: note })
      } else {
        // Recorded, not attempted: the platform has no way to show this change.
        out.push({ ...row, status: 'failed', lastError: `adapter ${config.adapter} cannot ${action} (capability ${level}${method ? '' : ', no method'})` })
      }
    }
    return out
  }

  /**
   * The platform copies of a message, by conversation: our sends (resolved to platform ids when the change
   * is attempted, after them), and for reactions the message's own platform message when it came from one.
   */
  private async targets(messageId: string, message: Message | null, action: DeliveryAction): Promise<Target[]> {
    const byConversation = new Map<string, Target>()
    for (const d of await this.store.listDeliveries(messageId)) {
      if (!isSendDelivery(d) || byConversation.has(d.conversationKey)) continue
      byConversation.set(d.conversationKey, {
        bridgeId: d.bridgeId, channel: d.channel, externalRoomId: d.externalRoomId, conversationKey: d.conversationKey,
        ...(d.externalThreadId === undefined ? {} : { externalThreadId: d.externalThreadId }),
      })
    }
    const sourceBridge = message?.metadata['bridgeId']
    const sourceRoom = message?.deliveryExternalRoomId
    if ((action === 'react' || action === 'unreact') && message !== null && message.externalId !== undefined
      && typeof sourceBridge === 'string' && sourceRoom !== undefined) {
      const key = compositeKey(sourceBridge, sourceRoom)
      if (!byConversation.has(key)) {
        byConversation.set(key, {
          bridgeId: sourceBridge, channel: String(message.metadata['channel'] ?? ''), externalRoomId: sourceRoom, conversationKey: key,
          externalMessageId: message.externalId, ...(message.externalThreadId === undefined ? {} : { externalThreadId: message.externalThreadId }),
        })
      }
    }
    return [...byConversation.values()].sort((a, b) => (a.conversationKey < b.conversationKey ? -1 : a.conversationKey > b.conversationKey ? 1 : 0))
  }

  /** An agent's (or the application's) typing shows on the room's platforms; best effort, never queued. */
  private async onTyping(signal: Signal): Promise<void> {
    const data = (signal.data ?? {}) as Record<string, unknown>
    if (data['isTyping'] !== true || typeof data['roomId'] !== 'string' || typeof data['participantId'] !== 'string') return
    // Typing that came from a platform is not sent anywhere (platforms' bots cannot relay people's typing).
    if (typeof data['bridgeId'] === 'string') return
    try {
      const participant = await this.store.getParticipant(data['participantId'])
      if (participant !== null && participant.type === 'human') return
      const threadId = typeof data['threadId'] === 'string' ? data['threadId'] : undefined
      const routes = await this.liveRoutes({ roomId: data['roomId'], ...(threadId === undefined ? {} : { threadId }) })
      await Promise.all(routes.filter((r) => r.canType).map((r) => r.typing().catch((error: unknown) => this.onError(error, `typing on bridge ${r.bridgeId}`))))
    } catch (error) {
      this.onError(error, 'typing')
    }
  }
}

/** A copy's new text: as the outbox sends the message, under the name the mirror relayed it with. */
function editText(message: Message, adapter: PlatformAdapter | undefined, route: { bridgeId: string; origin: MediaOrigin | undefined }): string {
  const text = outboundPartsOf(message, adapter ?? { capabilities: { media: 'unsupported' } as PlatformAdapter['capabilities'] }, route).text
  const who = message.metadata['relayedAs']
  return typeof who === 'string' ? `${who}: ${text}` : text
}

function capabilityOf(adapter: PlatformAdapter, action: DeliveryAction): { level: CapabilityLevel; method: boolean } {
  switch (action) {
    case 'edit': return { level: adapter.capabilities.edit, method: adapter.edit !== undefined }
    case 'delete': return { level: adapter.capabilities.delete, method: adapter.delete !== undefined }
    case 'react': return { level: adapter.capabilities.reactions, method: adapter.addReaction !== undefined }
    case 'unreact': return { level: adapter.capabilities.reactions, method: adapter.removeReaction !== undefined }
    default: return { level: adapter.capabilities.send, method: adapter.send !== undefined }
  }
}
