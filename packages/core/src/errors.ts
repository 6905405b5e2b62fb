/** Stable error codes carried by every {@link MessagingError}. */
export const ErrorCodes = {
  NOT_FOUND: 'NOT_FOUND',
  VALIDATION: 'VALIDATION',
  CONFLICT: 'CONFLICT',
  REVISION_CONFLICT: 'REVISION_CONFLICT',
  TOPOLOGY: 'TOPOLOGY',
  BRIDGE_NOT_FOUND: 'BRIDGE_NOT_FOUND',
  BRIDGE_DISABLED: 'BRIDGE_DISABLED',
  INVALID_SIGNATURE: 'INVALID_SIGNATURE',
  UNSUPPORTED: 'UNSUPPORTED',
  DELIVERY_FAILED: 'DELIVERY_FAILED',
  NO_ROUTES: 'NO_ROUTES',
  INVALID_TRANSITION: 'INVALID_TRANSITION',
  AMBIGUOUS: 'AMBIGUOUS',
  INVALID_CURSOR: 'INVALID_CURSOR',
  CURSOR_EXPIRED: 'CURSOR_EXPIRED',
  STORE_UNAVAILABLE: 'STORE_UNAVAILABLE',
} as const

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes]

export interface MessagingErrorOptions {
  code: ErrorCode
  cause?: unknown
  details?: Record<string, unknown>
}

/** Base class of every error the runtime throws on purpose. `code` is stable; `message` is for people. */
export class MessagingError extends Error {
  readonly code: ErrorCode
  readonly details: Record<string, unknown>

  constructor(message: string, options: MessagingErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'MessagingError'
    this.code = options.code
    this.details = options.details ?? {}
  }

  /** A JSON body for HTTP edges: `{error: {code, message}}`. */
  toJSON(): { error: { code: ErrorCode; message: string; details?: Record<string, unknown> } } {
    const body: { code: ErrorCode; message: string; details?: Record<string, unknown> } = {
      code: this.code,
      message: this.message,
    }
    if (Object.keys(this.details).length > 0) body.details = this.details
    return { error: body }
  }
}

export class NotFoundError extends MessagingError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, { code: ErrorCodes.NOT_FOUND, ...(details ? { details } : {}) })
    this.name = 'NotFoundError'
  }
}

export interface ValidationIssue {
  path: string
  message: string
}

export class ValidationError extends MessagingError {
  readonly issues: ValidationIssue[]
  constructor(message: string, issues: ValidationIssue[] = []) {
    super(message, { code: ErrorCodes.VALIDATION, details: { issues } })
    this.name = 'ValidationError'
    this.issues = issues
  }
}

export class ConflictError extends MessagingError {
  constructor(message: string, details?: Record<string, unknown>, cause?: unknown) {
    super(message, { code: ErrorCodes.CONFLICT, cause, ...(details ? { details } : {}) })
    this.name = 'ConflictError'
  }
}

export class RevisionConflictError extends MessagingError {
  readonly expected: number
  readonly actual: number
  constructor(message: string, expected: number, actual: number) {
    super(message, { code: ErrorCodes.REVISION_CONFLICT, details: { expected, actual } })
    this.name = 'RevisionConflictError'
    this.expected = expected
    this.actual = actual
  }
}

export interface TopologyIssue {
  kind: string
  message: string
  [key: string]: unknown
}

export class TopologyError extends MessagingError {
  readonly issues: TopologyIssue[]
  constructor(message: string, issues: TopologyIssue[]) {
    super(message, { code: ErrorCodes.TOPOLOGY, details: { issues } })
    this.name = 'TopologyError'
    this.issues = issues
  }
}

export class InvalidCursorError extends MessagingError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, { code: ErrorCodes.INVALID_CURSOR, ...(details ? { details } : {}) })
    this.name = 'InvalidCursorError'
  }
}

/**
 * A lookup that needs exactly one match found several. `details.matches`: the matching entries (at most
 * a few dozen), `details.truncated`: whether there were more.
 */
export class AmbiguousError extends MessagingError {
  readonly matches: unknown[]
  readonly truncated: boolean
  constructor(message: string, details: { matches: unknown[]; truncated: boolean; [key: string]: unknown }) {
    super(message, { code: ErrorCodes.AMBIGUOUS, details })
    this.name = 'AmbiguousError'
    this.matches = details.matches
    this.truncated = details.truncated
  }
}

/**
 * A journal position that was pruned (older than the retention): the signals in
 * `(requestedAfter, prunedThrough]` are gone. `details`: `{requestedAfter, prunedThrough}`.
 */
export class CursorExpiredError extends MessagingError {
  readonly requestedAfter: number
  readonly prunedThrough: number
  constructor(message: string, requestedAfter: number, prunedThrough: number) {
    super(message, { code: ErrorCodes.CURSOR_EXPIRED, details: { requestedAfter, prunedThrough } })
    this.name = 'CursorExpiredError'
    this.requestedAfter = requestedAfter
    this.prunedThrough = prunedThrough
  }
}

export class StoreUnavailableError extends MessagingError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: ErrorCodes.STORE_UNAVAILABLE, cause })
    this.name = 'StoreUnavailableError'
  }
}

export class UnsupportedError extends MessagingError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(message, { code: ErrorCodes.UNSUPPORTED, ...(details ? { details } : {}) })
    this.name = 'UnsupportedError'
  }
}

/**
 * A state machine was asked for a transition its current state does not allow (an onboarding flow).
 * `details`: `{from, transition, allowed}` (`allowed`: the transitions `from` does allow, [] when terminal).
 */
export class InvalidTransitionError extends MessagingError {
  readonly from: string
  readonly transition: string
  readonly allowed: string[]
  constructor(message: string, details: { from: string; transition: string; allowed: string[]; [key: string]: unknown }) {
    super(message, { code: ErrorCodes.INVALID_TRANSITION, details })
    this.name = 'InvalidTransitionError'
    this.from = details.from
    this.transition = details.transition
    this.allowed = details.allowed
  }
}

const knownCodes = new Set<string>(Object.values(ErrorCodes))

/** True for a MessagingError (also one thrown by another copy of this package), optionally of one code. */
export function isMessagingError(error: unknown, code?: ErrorCode): error is MessagingError {
  if (!(error instanceof Error)) return false
  const actual = (error as { code?: unknown }).code
  if (typeof actual !== 'string' || !knownCodes.has(actual)) return false
  return code === undefined || actual === code
}

export interface AdapterErrorOptions {
  /** Whether trying again may succeed (network errors, 5xx, 429). Default true. */
  retryable?: boolean
  /** How long the platform asked us to wait before retrying. */
  retryAfterMs?: number
  /** The platform's HTTP status, when there was one. */
  status?: number
  cause?: unknown
}

/**
 * A platform call failed. Thrown by adapters at their boundary (SDK errors stay inside the adapter),
 * read by core's delivery loop to decide between retrying (honouring `retryAfterMs`) and giving up.
 */
export class AdapterError extends MessagingError {
  readonly retryable: boolean
  readonly retryAfterMs: number | undefined
  readonly status: number | undefined
  constructor(message: string, options: AdapterErrorOptions = {}) {
    super(message, {
      code: ErrorCodes.DELIVERY_FAILED,
      cause: options.cause,
      details: { retryable: options.retryable ?? true, retryAfterMs: options.retryAfterMs, status: options.status },
    })
    this.name = 'AdapterError'
    this.retryable = options.retryable ?? true
    this.retryAfterMs = options.retryAfterMs
    this.status = options.status
  }
}

/** Retry facts of a failed platform call, read by duck typing so an AdapterError from another copy of core counts. */
export function adapterErrorInfo(error: unknown): { retryable: boolean; retryAfterMs: number | undefined } {
  if (isMessagingError(error)) {
    const e = error as MessagingError & { retryable?: unknown; retryAfterMs?: unknown }
    const retryable = typeof e.retryable === 'boolean' ? e.retryable : e.details['retryable']
    const after = typeof e.retryAfterMs === 'number' ? e.retryAfterMs : e.details['retryAfterMs']
    if (typeof retryable === 'boolean') return { retryable, retryAfterMs: typeof after === 'number' ? after : undefined }
    // our own typed errors (bad config, unsupported operations) will not heal by retrying
    return { retryable: error.code === 'STORE_UNAVAILABLE', retryAfterMs: undefined }
  }
  return { retryable: true, retryAfterMs: undefined }
}
