import type { Signal, SignalBus } from '../contracts/signal-bus.js'
import type { MessagingStore } from '../contracts/store.js'
import { newId } from '../ids.js'
import type { SignalContext, SignalFactory } from '../signals/factory.js'
import type { RoomSequencer } from '../signals/sequencer.js'
import { synchronousPublish } from '../signals/local-bus.js'

/** Options every eventful command accepts to join a larger flow of signals. */
export interface CommandOptions {
  correlationId?: string
  causationId?: string
}

/** How postMessage reaches the bridge runtime when asked to deliver (set by createMessaging). */
export interface OutboundHooks {
  /** The outbox rows for a message by the room's routing policy (none when it has no route). */
  plan(message: import('../model.js').Message): Promise<import('../contracts/runtime-store.js').OutboxDelivery[]>
  commit(message: import('../model.js').Message, deliveries: import('../contracts/runtime-store.js').OutboxDelivery[]): Promise<import('../model.js').Message>
  kick(): void
}

/** What the API modules share inside one Messaging instance. */
export interface Context {
  readonly instanceId: string
  readonly store: MessagingStore
  readonly bus: SignalBus
  readonly makeSignal: SignalFactory
  readonly sequencer: RoomSequencer
  outbound?: OutboundHooks
}

export function signalContext(options: CommandOptions | undefined): SignalContext {
  const sc: SignalContext = { correlationId: options?.correlationId ?? newId('correlation') }
  if (options?.causationId !== undefined) sc.causationId = options.causationId
  return sc
}

/**
 * Runs an eventful command: the ticket is taken now (so emission follows start order, which is the
 * order writes reach the store), `write` commits, then `build` makes the signals, which are published
 * once every earlier command of the room has published. A failed write publishes nothing.
 */
export async function commitAndEmit<W>(
  ctx: Context,
  roomId: string,
  write: () => Promise<W>,
  build: (written: W) => Signal[],
): Promise<{ written: W; signals: Signal[] }> {
  const ticket = ctx.sequencer.ticket(roomId)
  let written: W
  try {
    written = await write()
  } catch (error) {
    await ticket.run(() => undefined)
    throw error
  }
  const signals = await ticket.run(() => {
    const built = build(written)
    if (built.length === 0) return built
    // The local bus publishes synchronously: the step then ends here, and the room's next ticket
    // finds this one released instead of waiting a few promise hops for it.
    const publishNow = synchronousPublish(ctx.bus)
    if (publishNow !== undefined) {
      publishNow(built)
      return built
    }
    return ctx.bus.publish(built).then(() => built)
  })
  return { written, signals }
}
