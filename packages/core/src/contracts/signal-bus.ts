import type { CloudEvent } from 'cloudevents'

/** The data of every signal: a JSON object of camelCase ids and, where it applies, the whole message. */
export type SignalData = Record<string, unknown>

/** A committed change announced as a CloudEvent 1.0 (`jido.messaging.*`). */
export type Signal = CloudEvent<SignalData>

/** Receives matching signals one at a time, in publish order. May be async; may throw. */
export type SignalHandler = (signal: Signal) => void | Promise<void>

export interface SubscribeOptions {
  /** Only signals whose `subject` (the room id) equals this. */
  roomId?: string
  /** Signals buffered for a slow handler before overflow is counted (default 1000). */
  queueSize?: number
}

export interface SubscriptionStats {
  delivered: number
  /** Handler calls that threw or rejected. */
  failed: number
  /** Signals dropped because the subscriber's queue was full (oldest first). */
  dropped: number
  queued: number
}

export interface BusSubscription {
  readonly id: string
  readonly pattern: string
  stats(): SubscriptionStats
}

/**
 * The signal bus behind `subscribe`/`signals()`. The in-process bus in core implements it; a distributed
 * bus (bus-redis) can replace it.
 *
 * `publish` MUST deliver the signals of one call, and of calls made in sequence, to each subscriber in
 * the order given; it MUST NOT throw because of a subscriber and MUST NOT wait for handlers: a throwing
 * or slow subscriber never fails or blocks the publisher. Each subscriber has a bounded queue; overflow
 * drops the oldest queued signals and MUST be counted in `stats().dropped` and reported to `onOverflow`.
 */
export interface SignalBus {
  start?(): Promise<void>
  /** Stops delivery; waits up to `drainMs` (default 5000) for queued signals to reach their handlers. */
  stop?(options?: { drainMs?: number }): Promise<void>
  /** Hands committed signals to subscribers. Resolves once they are accepted (queued), not handled. */
  publish(signals: readonly Signal[]): Promise<void>
  subscribe(pattern: string, handler: SignalHandler, options?: SubscribeOptions): BusSubscription
  unsubscribe(id: string): boolean
}
