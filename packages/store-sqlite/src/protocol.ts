import {
  ConflictError, CursorExpiredError, InvalidCursorError, MessagingError, NotFoundError, RevisionConflictError, StoreUnavailableError,
  TopologyError, UnsupportedError, ValidationError, type ErrorCode,
} from '@jido-messaging/core'

// The messages between a worker-mode store and its worker thread. Calls and results travel in batches
// (one postMessage per event-loop turn each way), so concurrent writes still meet in one group commit.

/**
 * A store call: [call id, store id, method name, arguments]. An updater argument travels as
 * {@link UpdaterRef}, a journal as {@link JournalRef}. Two methods manage the worker's stores: `$open`
 * (arguments: the store's options) creates store `store` (opening nothing yet), `$close` forgets it.
 */
export type Call = [id: number, store: number, method: string, args: unknown[]]
/**
 * A settled call: [call id, true, value] or [call id, false, error]; a successful call that carried
 * journals also their `firstPosition`s, by journal number (null: unset).
 */
export type Result = [id: number, ok: boolean, value: unknown, positions?: Array<number | null>]

/** Stands for the updater function of an `update*` call, which runs on the caller's thread. */
export interface UpdaterRef { updater: number }

/**
 * Stands for a `JournalWrite` argument (a top-level argument, or the `journal` of one, as in
 * `commitMessage({ ..., journal })`): its `signals` runs on the caller's thread. `$journal` numbers the
 * call's journals from 0.
 */
export interface JournalRef {
  $journal: number
  /** The journal's lease fence (`JournalWrite.fence`), which the worker's write checks. */
  fence?: { name: string; generation: number }
}

export const isJournalRef = (value: unknown): value is JournalRef =>
  typeof value === 'object' && value !== null && typeof (value as { $journal?: unknown }).$journal === 'number'

/** Whether a value is a `JournalWrite` (an object with a `signals` function). */
export const isJournalWrite = (value: unknown): value is { signals: (result: unknown) => unknown; firstPosition?: number } =>
  typeof value === 'object' && value !== null && typeof (value as { signals?: unknown }).signals === 'function'

/**
 * Replaces the journals among a call's arguments (top level, or one level down under `journal`) by what
 * `swap` makes of them, copying the objects that hold them; arguments without one are passed as they are.
 */
export function swapJournals<J, R>(args: unknown[], isJournal: (value: unknown) => value is J, swap: (journal: J) => R): unknown[] {
  let out: unknown[] | undefined
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    let next: unknown = arg
    if (isJournal(arg)) {
      next = swap(arg)
    } else if (typeof arg === 'object' && arg !== null && !Array.isArray(arg) && isJournal((arg as { journal?: unknown }).journal)) {
      next = { ...arg, journal: swap((arg as { journal: J }).journal) }
    }
    if (next !== arg) (out ??= [...args])[i] = next
  }
  return out ?? args
}

export type ToWorker =
  | { type: 'calls'; calls: Call[] }
  /** The answer to an `update` request (the updater's return value) or a `signals` request (`signalToJson` objects), or its error. */
  | { type: 'updated'; request: number; ok: boolean; value: unknown }
export type FromWorker =
  | { type: 'results'; results: Result[] }
  /** Asks the caller's thread to run the updater of call `call` on `current`. */
  | { type: 'update'; call: number; request: number; current: unknown }
  /** Asks the caller's thread to run `signals(result)` of journal `journal` of call `call`. */
  | { type: 'signals'; call: number; journal: number; request: number; result: unknown }

/** The store methods that take an updater function as their second argument. */
export const UPDATER_METHODS: ReadonlySet<string> = new Set(['updateMessage', 'updateParticipant', 'updateThread', 'updateOnboardingFlow'])

/** An error as it crosses threads: enough to rebuild the same typed error on the other side. */
export interface WireError {
  name: string
  message: string
  code?: ErrorCode
  details?: Record<string, unknown>
  stack?: string
}

export function toWire(error: unknown): WireError {
  if (error instanceof MessagingError) {
    return { name: error.name, message: error.message, code: error.code, details: error.details, ...(error.stack ? { stack: error.stack } : {}) }
  }
  if (error instanceof Error) return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) }
  return { name: 'Error', message: String(error) }
}

/** Rebuilds a typed error (the same class, code and details) from its wire form. */
export function fromWire(wire: WireError): Error {
  const details = wire.details ?? {}
  let error: Error
  switch (wire.code) {
    case undefined:
      error = new Error(wire.message)
      error.name = wire.name
      break
    case 'NOT_FOUND': error = new NotFoundError(wire.message, details); break
    case 'VALIDATION': error = new ValidationError(wire.message, (details['issues'] as ValidationError['issues'] | undefined) ?? []); break
    case 'CONFLICT': error = new ConflictError(wire.message, details); break
    case 'INVALID_CURSOR': error = new InvalidCursorError(wire.message, details); break
    case 'CURSOR_EXPIRED': error = new CursorExpiredError(wire.message, details['requestedAfter'] as number, details['prunedThrough'] as number); break
    case 'STORE_UNAVAILABLE': error = new StoreUnavailableError(wire.message); break
    case 'UNSUPPORTED': error = new UnsupportedError(wire.message, details); break
    case 'REVISION_CONFLICT': error = new RevisionConflictError(wire.message, details['expected'] as number, details['actual'] as number); break
    case 'TOPOLOGY': error = new TopologyError(wire.message, (details['issues'] as TopologyError['issues'] | undefined) ?? []); break
    default: error = new MessagingError(wire.message, { code: wire.code, details })
  }
  if (wire.stack !== undefined) error.stack = wire.stack
  return error
}
