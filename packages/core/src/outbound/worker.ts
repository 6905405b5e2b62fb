import type { AdapterRegistry } from '../bridge/registry.js'
import type { AdapterRateLimits, RateLimit } from '../contracts/platform-adapter.js'
import type { OutboxDelivery, RuntimeStore } from '../contracts/runtime-store.js'
import type { MessagingStore } from '../contracts/store.js'
import { AdapterError, adapterErrorInfo } from '../errors.js'
import { newId, nowIso } from '../ids.js'
import type { BridgeContext, OutboundMessage, PlatformAdapter } from '../contracts/platform-adapter.js'
import { chunkText, DEFAULT_MASS_MENTIONS, neutralizeMassMentions } from './chunker.js'
import { prepareMedia } from './media.js'
import { backoffMs, TokenBuckets } from './rate-limit.js'

/** A change that cannot be applied and will not become applicable by retrying (no platform copy to change). */
class SkipError extends Error {}

export interface DeliveryWorkerOptions {
  /** Lease owner name; a restarted worker with the same id resumes its own leased deliveries at once. */
  workerId: string
  /** How often due retries are looked for (default 100 ms). */
  pollMs?: number
  /** Deliveries in flight at once (default 32). */
  concurrency?: number
  /** How long a leased delivery stays reserved for this worker (default 30 s). */
  leaseMs?: number
  /** Reads a bridge config (cached by the caller); default: the store. */
  configOf?: (id: string) => Promise<import('../model.js').BridgeConfig | null>
  /** Called after every attempt settles a delivery's state (sent, retrying, failed, dead_lettered). */
  onSettled: (delivery: OutboxDelivery) => Promise<void>
  onError?: (error: unknown) => void
}

const DEFAULT_LIMITS: Required<AdapterRateLimits> = {
  perBridge: { perSecond: 30, burst: 30 },
  perConversation: { perSecond: 5, burst: 5 },
}

/**
 * Sends outbox deliveries: leases due ones (one per conversation at a time, so a conversation stays in
 * order), sends through the bridge's adapter under token-bucket rate limits, and records the outcome:
 * sent, retrying after exponential backoff with jitter (or the platform's Retry-After), or, after the
 * bridge's maxAttempts or a non-retryable error, a dead letter (or failed when dead letters are off).
 */
export class DeliveryWorker {
  private readonly buckets = new TokenBuckets()
  private readonly inFlight = new Map<string, Promise<void>>()
  private timer: NodeJS.Timeout | undefined
  private pumping = false
  private again = false
  private stopped = false
  private reclaimed = false
  private readonly poll: number
  private readonly concurrency: number
  private readonly leaseMs: number

  constructor(
    private readonly store: MessagingStore & RuntimeStore,
    private readonly registry: AdapterRegistry,
    private readonly options: DeliveryWorkerOptions,
  ) {
    this.poll = options.pollMs ?? 100
    this.concurrency = options.concurrency ?? 32
    this.leaseMs = options.leaseMs ?? 30_000
  }

  /** Starts polling; resumes this worker's own deliveries left `sending` by a previous run. */
  start(): void {
    this.stopped = false
    this.schedule()
    this.kick()
  }

  /** Looks for work now (after an enqueue). */
  kick(): void {
    if (this.stopped) return
    if (this.pumping) {
      this.again = true
      return
    }
    void this.pump()
  }

  /** Stops claiming and waits for deliveries in flight. */
  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await Promise.allSettled([...this.inFlight.values()])
  }

  private schedule(): void {
    clearTimeout(this.timer)
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.kick()
      this.schedule()
    }, this.poll)
    this.timer.unref?.()
  }

  private async pump(): Promise<void> {
    this.pumping = true
    try {
      do {
        this.again = false
        const room = this.concurrency - this.inFlight.size
        if (room <= 0) break
        const now = Date.now()
        const claimed = await this.store.claimDeliveries({
          now: new Date(now).toISOString(),
          limit: room,
          owner: this.options.workerId,
          leaseUntil: new Date(now + this.leaseMs).toISOString(),
          ...(this.reclaimed ? {} : { reclaimFrom: this.options.workerId }),
        })
        this.reclaimed = true
        for (const delivery of claimed) {
          const p = this.attempt(delivery)
            .catch((error) => this.options.onError?.(error))
            .finally(() => {
              this.inFlight.delete(delivery.id)
              this.kick()
            })
          this.inFlight.set(delivery.id, p)
        }
        if (claimed.length === room) this.again = true
      } while (this.again && !this.stopped)
    } catch (error) {
      this.options.onError?.(error)
    } finally {
      this.pumping = false
    }
  }

  private limitsFor(adapterLimits: AdapterRateLimits | undefined, options: Record<string, unknown>): Required<AdapterRateLimits> {
    const override = (options['rateLimit'] ?? {}) as AdapterRateLimits
    const pick = (k: keyof AdapterRateLimits): RateLimit => override[k] ?? adapterLimits?.[k] ?? DEFAULT_LIMITS[k]
    return { perBridge: pick('perBridge'), perConversation: pick('perConversation') }
  }

  private async attempt(delivery: OutboxDelivery): Promise<void> {
    const config = await (this.options.configOf ?? ((id: string) => this.store.getBridgeConfig(id)))(delivery.bridgeId)
    const attempts = delivery.attempts + 1
    let error: unknown
    if (!config) {
      return this.settleFailure(delivery, attempts, new AdapterError(`bridge ${delivery.bridgeId} no longer exists`, { retryable: false }), 1, false)
    }
    try {
      const adapter = this.registry.require(config)
      const isSend = (delivery.action ?? 'send') === 'send'
      // A delivery that already has its platform message (a streamed reply's preview, see stream.ts)
      // finishes it: the platform message is edited to this chunk's text rather than sent again.
      const finishing = isSend && delivery.externalMessageId !== undefined && adapter.edit !== undefined && adapter.capabilities.edit !== 'unsupported'
      if (isSend && !finishing && !adapter.send) throw new AdapterError(`adapter ${adapter.name} cannot send`, { retryable: false })
      const bridge = this.registry.context(config)
      // Before the rate limit: fetching a file another platform hosts may take a while.
      const parts = isSend && !finishing ? await this.sendParts(delivery, adapter, bridge, attempts < config.deliveryPolicy.maxAttempts) : undefined
      const limits = this.limitsFor(adapter.rateLimits, config.options)
      const wait = Math.max(
        this.buckets.reserve(`b\u0000${delivery.bridgeId}`, limits.perBridge),
        this.buckets.reserve(`c\u0000${delivery.conversationKey}`, limits.perConversation),
      )
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
      const action = delivery.action ?? 'send'
      const result = action !== 'send'
        ? { externalMessageId: await this.change(delivery, adapter, bridge) }
        : finishing
        ? await adapter.edit!(bridge, {
          externalRoomId: delivery.externalRoomId,
          externalMessageId: delivery.externalMessageId!,
          text: delivery.text,
          ...(delivery.externalThreadId === undefined ? {} : { externalThreadId: delivery.externalThreadId }),
        }).then(() => ({ externalMessageId: delivery.externalMessageId! }))
        : await adapter.send!(bridge, {
        deliveryId: delivery.id,
        externalRoomId: delivery.externalRoomId,
        ...parts!,
        ...(delivery.externalThreadId === undefined ? {} : { externalThreadId: delivery.externalThreadId }),
        ...(delivery.externalReplyToId === undefined ? {} : { externalReplyToId: delivery.externalReplyToId }),
      })
      const sent: OutboxDelivery = {
        ...delivery,
        status: 'sent',
        attempts,
        externalMessageId: result.externalMessageId,
        updatedAt: nowIso(),
      }
      delete sent.leaseOwner
      delete sent.leaseUntil
      delete sent.lastError
      await this.store.saveDelivery(sent)
      await this.options.onSettled(sent)
      return
    } catch (e) {
      if (e instanceof SkipError) return this.settleSkipped(delivery, attempts, e.message)
      error = e
    }
    const policy = config.deliveryPolicy
    await this.settleFailure(delivery, attempts, error, policy.maxAttempts, adapterErrorInfo(error).retryable, policy)
  }

  /**
   * The text and media a send delivery hands its adapter: media another platform hosts privately are
   * resolved into uploads (or labels in the text, see prepareMedia); everything else goes as planned.
   */
  private async sendParts(delivery: OutboxDelivery, adapter: PlatformAdapter, bridge: BridgeContext, canRetry: boolean): Promise<Pick<OutboundMessage, 'text' | 'media' | 'uploads'>> {
    const planned = delivery.media ?? []
    if (planned.length === 0 || (adapter.capabilities.media === 'native' && adapter.capabilities.uploads === undefined)) {
      return { text: delivery.text, ...(delivery.media === undefined ? {} : { media: delivery.media }) }
    }
    const { media, uploads, labels } = await prepareMedia(planned, {
      target: { bridgeId: delivery.bridgeId, adapter },
      origin: () => this.mediaOrigin(delivery.messageId),
      canRetry,
    })
    let text = delivery.text
    if (labels.length > 0) {
      const labelled = [text, ...labels].filter((t) => t.length > 0).join('\n')
      // Labels join the text where they fit the platform's limit (the text may be a full chunk already).
      if (labelled.length <= (adapter.textLimitFor?.(bridge) ?? adapter.capabilities.textLimit)) text = labelled
    }
    return { text, ...(media.length === 0 ? {} : { media }), ...(uploads.length === 0 ? {} : { uploads }) }
  }

  /** The bridge a message came in through, for resolving its media; undefined when it is gone or disabled. */
  private async mediaOrigin(messageId: string): Promise<{ bridgeId: string; adapter: PlatformAdapter; bridge: BridgeContext } | undefined> {
    const message = await this.store.getMessage(messageId)
    const bridgeId = message?.metadata['bridgeId']
    if (typeof bridgeId !== 'string') return undefined
    const config = await (this.options.configOf ?? ((id: string) => this.store.getBridgeConfig(id)))(bridgeId)
    const adapter = config?.enabled ? this.registry.get(config.adapter) : undefined
    if (!config || !adapter) return undefined
    try {
      return { bridgeId, adapter, bridge: this.registry.context(config) }
    } catch {
      // Its credentials cannot be resolved: the media go as labels.
      return undefined
    }
  }

  /**
   * Applies a change delivery (edit, delete, react, unreact) to the platform copies of its message in
   * its conversation: the sent chunks, found now (the send they refer to finished before this delivery
   * was claimed, as deliveries of a conversation go one at a time in order), or the platform message the
   * delivery names (a reaction on a message that came from that platform). Resolves the first copy's id.
   */
  private async change(delivery: OutboxDelivery, adapter: PlatformAdapter, bridge: BridgeContext): Promise<string> {
    const action = delivery.action!
    let ids: string[]
    if (delivery.externalMessageId !== undefined) ids = [delivery.externalMessageId]
    else {
      const sends = (await this.store.listDeliveries(delivery.messageId))
        .filter((d) => (d.action ?? 'send') === 'send' && d.conversationKey === delivery.conversationKey)
      const sent = sends.filter((d) => d.status === 'sent' && d.externalMessageId !== undefined).sort((a, b) => a.chunkIndex - b.chunkIndex)
      if (sent.length === 0) {
        if (sends.some((d) => d.status === 'pending' || d.status === 'sending' || d.status === 'retrying')) {
          throw new AdapterError('the send this change refers to has not finished yet', { retryable: true })
        }
        throw new SkipError(`no platform copy of message ${delivery.messageId} in this conversation (its send ${sends.length === 0 ? 'never happened' : 'failed'})`)
      }
      ids = sent.map((d) => d.externalMessageId!)
    }
    const thread = delivery.externalThreadId === undefined ? {} : { externalThreadId: delivery.externalThreadId }
    const target = (externalMessageId: string) => ({ externalRoomId: delivery.externalRoomId, externalMessageId, ...thread })
    const unsupported = (what: string) => new AdapterError(`adapter ${adapter.name} cannot ${what}`, { retryable: false })
    switch (action) {
      case 'edit': {
        if (!adapter.edit) throw unsupported('edit')
        const limit = Math.max(16, adapter.textLimitFor?.(bridge) ?? adapter.capabilities.textLimit)
        const text = neutralizeMassMentions(delivery.text, adapter.massMentions ?? DEFAULT_MASS_MENTIONS)
        const chunks = text.length === 0 ? [''] : chunkText(text, limit)
        for (let i = 0; i < ids.length; i++) {
          // The last copy takes whatever text is left (cut to the limit); copies past the new text's end
          // are deleted where the platform can, otherwise left as they are.
          if (i >= chunks.length) {
            if (adapter.delete && adapter.capabilities.delete !== 'unsupported') await adapter.delete(bridge, target(ids[i]!))
            continue
          }
          const piece = i === ids.length - 1 ? chunks.slice(i).join('\n') : chunks[i]!
          await adapter.edit(bridge, { ...target(ids[i]!), text: piece.length > limit ? `${piece.slice(0, limit - 1)}…` : piece })
        }
        return ids[0]!
      }
      case 'delete':
        if (!adapter.delete) throw unsupported('delete')
        for (const id of ids) await adapter.delete(bridge, target(id))
        return ids[0]!
      case 'react':
      case 'unreact': {
        const call = action === 'react' ? adapter.addReaction : adapter.removeReaction
        if (!call) throw unsupported(action === 'react' ? 'add reactions' : 'remove reactions')
        await call.call(adapter, bridge, { ...target(ids[0]!), emoji: delivery.emoji ?? '' })
        return ids[0]!
      }
      default:
        throw new AdapterError(`unknown delivery action ${String(action)}`, { retryable: false })
    }
  }

  /** A change with nothing to apply it to: final (`failed`) with the reason, no dead letter. */
  private async settleSkipped(delivery: OutboxDelivery, attempts: number, reason: string): Promise<void> {
    const settled: OutboxDelivery = { ...delivery, status: 'failed', attempts, lastError: reason, updatedAt: nowIso() }
    delete settled.leaseOwner
    delete settled.leaseUntil
    await this.store.saveDelivery(settled)
    await this.options.onSettled(settled)
  }

  private async settleFailure(
    delivery: OutboxDelivery,
    attempts: number,
    error: unknown,
    maxAttempts: number,
    retryable: boolean,
    policy = { baseBackoffMs: 250, maxBackoffMs: 30_000, deadLetter: true },
  ): Promise<void> {
    const now = Date.now()
    // A dead letter's reason, a delivery's lastError and message.failed never carry a bridge's credentials.
    const reason = this.registry.redact(error instanceof Error ? error.message : String(error))
    const base = { ...delivery, attempts, lastError: reason, updatedAt: new Date(now).toISOString() }
    delete base.leaseOwner
    delete base.leaseUntil
    let settled: OutboxDelivery
    if (retryable && attempts < maxAttempts) {
      const retryAfter = adapterErrorInfo(error).retryAfterMs
      const delay = retryAfter ?? backoffMs(attempts, policy.baseBackoffMs, policy.maxBackoffMs)
      settled = { ...base, status: 'retrying', nextAttemptAt: new Date(now + delay).toISOString() }
      await this.store.saveDelivery(settled)
    } else if (policy.deadLetter) {
      settled = { ...base, status: 'dead_lettered' }
      await this.store.deadLetterDelivery(settled, {
        id: newId('deadLetter'),
        deliveryId: delivery.id,
        roomId: delivery.roomId,
        messageId: delivery.messageId,
        bridgeId: delivery.bridgeId,
        externalRoomId: delivery.externalRoomId,
        reason,
        attempts,
        status: 'active',
        insertedAt: base.updatedAt,
        updatedAt: base.updatedAt,
      })
    } else {
      settled = { ...base, status: 'failed' }
      await this.store.saveDelivery(settled)
    }
    await this.options.onSettled(settled)
  }
}
