import type { CloudEvent } from 'cloudevents'

/** The data of every signal: a JSON object of camelCase ids and, where it applies, the whole message. */
export type SignalData = Record<string, unknown>

/**
 * A committed change announced as a CloudEvent 1.0 (`jido.messaging.*`). A journaled signal carries
 * its journal position as the extension attribute `position` (read it with `positionOf`); a live-only
 * one (`participant.typing`) has none.
 */
export type Signal = CloudEvent<SignalData>

/** Receives matching signals one at a time, in journal order. May be async (the next signal waits for it); may throw. */
export type SignalHandler = (signal: Signal) => void | Promise<void>

export interface SubscribeOptions {
  /** Only signals whose `subject` (the room id) equals this. */
  roomId?: string
  /**
   * Where a subscription starts: `'now'` (default: signals committed after the call), `'start'` (the
   * oldest retained journal entry) or a position (signals after it). A durable subscription whose
   * checkpoint exists resumes after the checkpoint instead.
   */
  from?: number | 'start' | 'now'
  /** Makes the subscription durable: its checkpoint is stored under this name and a later subscription with it resumes there. */
  name?: string
  /** @deprecated Ignored: subscriptions no longer drop signals (a slow one reads the journal). Kept for source compatibility. */
  queueSize?: number
}

export interface SubscriptionStats {
  delivered: number
  /** Handler calls that threw or rejected. */
  failed: number
  /** Live-only signals (typing) dropped because the subscriber was slow; journaled signals are never dropped. */
  dropped: number
  /** Signals committed (or live ones buffered) but not yet handled by this subscriber. */
  queued: number
  /** Times this subscription was told (by a `jido.messaging.journal.gap` signal) that pruned positions were skipped. */
  gaps?: number
  /** The last journal position handled or passed over (-1 before the start position is known). */
  position?: number
}

export interface BusSubscription {
  readonly id: string
  readonly pattern: string
  stats(): SubscriptionStats
}

/**
 * A live transport of signals, for example between processes. It is a fast path only: the delivery
 * guarantees come from the store's journal, not from the bus.
 *
 * The runtime publishes each committed signal (carrying its `position`) once it is committed, and
 * live-only signals (no position); it subscribes with `**` and takes what arrives as a hint: committed
 * signals are deduplicated and ordered by position, and any the bus loses, delays or reorders are read
 * from the journal. A bus therefore MAY drop, duplicate or reorder; it MUST NOT throw because of a
 * subscriber or wait for handlers, and `publish` SHOULD resolve once the signals are accepted. Live-only
 * signals reach subscribers only through the bus when one is configured, so a bus SHOULD deliver them to
 * its own process too.
 */
export interface SignalBus {
  start?(): Promise<void>
  /** Stops delivery; waits up to `drainMs` (default 5000) for queued signals to reach their handlers. */
  stop?(options?: { drainMs?: number }): Promise<void>
  /** Hands signals to subscribers. Resolves once they are accepted (queued), not handled. */
  publish(signals: readonly Signal[]): Promise<void>
  subscribe(pattern: string, handler: SignalHandler, options?: SubscribeOptions): BusSubscription
  unsubscribe(id: string): boolean
}
