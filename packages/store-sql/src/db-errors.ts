import { ConflictError, isMessagingError, NotFoundError, StoreUnavailableError } from '@jido-messaging/core'

// Driver errors stay inside the store: they are classified here and turned into core errors.

export type DbErrorKind = 'unique' | 'foreign_key' | 'retryable' | 'unavailable' | 'other'

const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', 'EHOSTUNREACH', 'EAI_AGAIN'])

/** Classifies a better-sqlite3 or pg error by its code. */
export function classifyDbError(error: unknown): DbErrorKind {
  if (!(error instanceof Error)) return 'other'
  const code = (error as { code?: unknown }).code
  if (typeof code !== 'string') {
    return /connection terminated|timeout exceeded when trying to connect|not queryable/i.test(error.message) ? 'unavailable' : 'other'
  }
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505') return 'unique'
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503') return 'foreign_key'
  if (code === '40P01' || code === '40001' || code === '55P03' || code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'retryable'
  if (networkCodes.has(code) || code.startsWith('08') || code === '57P01' || code === '57P03' ||
    code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_READONLY') return 'unavailable'
  return 'other'
}

/** Text naming the violated constraint, for error details. */
function constraintOf(error: unknown): string | undefined {
  const e = error as { constraint?: unknown; message?: unknown }
  if (typeof e.constraint === 'string') return e.constraint
  return typeof e.message === 'string' ? e.message : undefined
}

/**
 * Maps a driver error to a core error: unique violation to `ConflictError`, foreign key violation to
 * `NotFoundError`, lost connection to `StoreUnavailableError`; anything else is returned unchanged.
 */
export function toStoreError(error: unknown, store: string, what?: { conflict?: string; notFound?: string }): unknown {
  if (isMessagingError(error)) return error
  switch (classifyDbError(error)) {
    case 'unique':
      return new ConflictError(`[${store}] ${what?.conflict ?? 'a unique key is taken'}`, { constraint: constraintOf(error) }, error)
    case 'foreign_key':
      return new NotFoundError(`[${store}] ${what?.notFound ?? 'a referenced record does not exist'}`)
    case 'unavailable':
      return new StoreUnavailableError(`[${store}] ${(error as Error).message}`, error)
    default:
      return error
  }
}

/** Runs `fn`, mapping the driver errors it throws with {@link toStoreError}. */
export async function mapErrors<T>(store: string, what: { conflict?: string; notFound?: string }, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (error) {
    throw toStoreError(error, store, what)
  }
}
