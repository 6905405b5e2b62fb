import type { JournalWrite } from '../contracts/journal.js'
import type { LeaseFence } from '../contracts/leases.js'
import type { Signal } from '../contracts/signal-bus.js'
import type { MessagingStore } from '../contracts/store.js'
import { newId } from '../ids.js'
import { sealSignal, type SignalContext, type SignalFactory } from '../signals/factory.js'
import type { SignalFeed } from '../signals/feed.js'

/** Options every eventful command accepts to join a larger flow of signals. */
export interface CommandOptions {
  correlationId?: string
  causationId?: string
}

/** How postMessage reaches the bridge runtime when asked to deliver (set by createMessaging). */
export interface OutboundHooks {
  /** The outbox rows for a message by the room's routing policy (none when it has no route). */
  plan(message: import('../model.js').Message, previews?: Record<string, string>): Promise<import('../contracts/runtime-store.js').OutboxDelivery[]>
  /** Where a message posted now would go first, with direct calls for streamed previews and typing. */
  liveRoutes(draft: { roomId: string; threadId?: string; replyToId?: string }): Promise<import('../outbound/stream.js').LiveRoute[]>
  /** Commits the message with its deliveries; with `dedupe`, a key claimed already resolves `duplicate` and writes nothing. */
  commit(message: import('../model.js').Message, deliveries: import('../contracts/runtime-store.js').OutboxDelivery[], journal: JournalWrite<import('../contracts/runtime-store.js').CommitMessageResult>,
    dedupe?: { key: string; now: string; expiresAt: string }): Promise<import('../contracts/runtime-store.js').CommitMessageResult>
  kick(): void
}

/** What the API modules share inside one Messaging instance. */
export interface Context {
  readonly instanceId: string
  readonly store: MessagingStore
  readonly feed: SignalFeed
  readonly makeSignal: SignalFactory
  outbound?: OutboundHooks
}

export function signalContext(options: CommandOptions | undefined): SignalContext {
  const sc: SignalContext = { correlationId: options?.correlationId ?? newId('correlation') }
  if (options?.causationId !== undefined) sc.causationId = options.causationId
  return sc
}

/**
 * The signals of one store write: `build` makes the drafts from the write's result inside the write's
 * transaction (the store calls it and appends them to the journal), and {@link emit} seals them with the
 * positions the store gave them once the write resolved.
 */
export class Journal<R> implements JournalWrite<R> {
  drafts: readonly Signal[] = []
  firstPosition?: number
  /** The lease term the write is made under (see `JournalWrite.fence`). */
  fence?: LeaseFence
  constructor(private readonly build: (result: R) => readonly Signal[]) {}
  signals(result: R): readonly Signal[] {
    this.drafts = this.build(result)
    return this.drafts
  }
}

/** `fence`: the write is refused once that lease term is superseded (see `JournalWrite.fence`). */
export function journal<R>(build: (result: R) => readonly Signal[], fence?: LeaseFence): Journal<R> {
  const j = new Journal(build)
  if (fence !== undefined) j.fence = fence
  return j
}

/** What {@link emit} reads of a {@link Journal}, whatever its result type. */
export interface Emittable {
  readonly drafts: readonly Signal[]
  readonly firstPosition?: number | undefined
}

/**
 * After a journaled write resolved: seals its signals with their positions, hands them to the
 * subscribers and resolves them (in journal order) for the command's result.
 */
export function emit(ctx: Context, j: Emittable): Signal[] {
  const drafts = j.drafts
  if (drafts.length === 0) return []
  const first = j.firstPosition
  if (first === undefined) throw new Error(`[core] ${ctx.store.name} committed a journaled write without journal positions`)
  const sealed = new Array<Signal>(drafts.length)
  for (let i = 0; i < drafts.length; i++) sealed[i] = sealSignal(drafts[i]!, first + i)
  ctx.feed.committed(sealed)
  return sealed
}

/** Appends signals that announce no stored change (custom room events, status changes) and emits them. */
export async function appendAndEmit(ctx: Context, signals: readonly Signal[], fence?: LeaseFence): Promise<Signal[]> {
  const j = journal<void>(() => signals, fence)
  await ctx.store.appendSignals(j)
  return emit(ctx, j)
}
