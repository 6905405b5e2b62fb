import { InvalidCursorError } from './errors.js'
import type { MessageKey } from './contracts/store.js'

/** Encodes an (insertedAt, id) position as an opaque page cursor; stores share it so cursors look alike. */
export function encodeKeyCursor(key: MessageKey): string {
  return Buffer.from(JSON.stringify([key.insertedAt, key.id]), 'utf8').toString('base64url')
}

/** Decodes a cursor made by {@link encodeKeyCursor}; anything else rejects with `INVALID_CURSOR`. */
export function decodeKeyCursor(cursor: string): MessageKey {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string' &&
      !Number.isNaN(Date.parse(value[0]))) {
      return { insertedAt: value[0], id: value[1] }
    }
  } catch {
    // fall through to the typed error
  }
  throw new InvalidCursorError(`invalid cursor: ${JSON.stringify(cursor)}`)
}

/** Total order of message keys: by insertedAt, then id. */
export function compareKeys(a: MessageKey, b: MessageKey): number {
  if (a.insertedAt !== b.insertedAt) return a.insertedAt < b.insertedAt ? -1 : 1
  if (a.id !== b.id) return a.id < b.id ? -1 : 1
  return 0
}
