// Every error leaves as `{error: {code, message}}` with the status a client can act on.
import { isMessagingError, redactSecrets } from '@jido-messaging/core'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** An error raised by the HTTP layer itself (auth, routing, body parsing). */
export class HttpError extends Error {
  override readonly name = 'HttpError'
  constructor(readonly status: ContentfulStatusCode, readonly code: string, message: string, readonly details?: unknown) {
    super(message)
  }
}

const STATUS_BY_CODE: Record<string, ContentfulStatusCode> = {
  NOT_FOUND: 404,
  VALIDATION: 400,
  INVALID_CURSOR: 400,
  CURSOR_EXPIRED: 410,
  CONFLICT: 409,
  REVISION_CONFLICT: 409,
  TOPOLOGY: 409,
  BRIDGE_NOT_FOUND: 404,
  BRIDGE_DISABLED: 409,
  INVALID_SIGNATURE: 401,
  UNSUPPORTED: 422,
  DELIVERY_FAILED: 502,
  NO_ROUTES: 422,
  INVALID_TRANSITION: 409,
  AMBIGUOUS: 409,
  STORE_UNAVAILABLE: 503,
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown }
}

/** Maps any thrown value to a status and body; unknown errors are 500 and say nothing internal. */
export function toHttpError(error: unknown, secrets: readonly string[] = []): { status: ContentfulStatusCode; body: ErrorBody; internal: boolean } {
  if (error instanceof HttpError) {
    return { status: error.status, body: { error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) } }, internal: false }
  }
  if (isMessagingError(error)) {
    const status = STATUS_BY_CODE[error.code] ?? 500
    const details = Object.keys(error.details).length === 0 ? undefined : JSON.parse(redactSecrets(JSON.stringify(redactDetails(error.details)) ?? 'null', secrets)) as unknown
    return { status, body: { error: { code: error.code, message: redactSecrets(error.message, secrets), ...(details == null ? {} : { details }) } }, internal: status >= 500 }
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'internal error; see the gateway log' } }, internal: true }
}

function redactDetails(details: unknown): unknown {
  // issues lists and ids only; a cause (which may hold a platform response) stays in the log
  if (details && typeof details === 'object') {
    const { cause: _cause, ...rest } = details as Record<string, unknown>
    return rest
  }
  return details
}
