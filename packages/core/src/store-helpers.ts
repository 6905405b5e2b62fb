import type { ExternalBindings, Message, RoomBinding } from './model.js'

/** `Room.externalBindings` as derived from a room's bindings. */
export function externalBindingsOf(bindings: readonly RoomBinding[]): ExternalBindings {
  const out: ExternalBindings = {}
  for (const b of bindings) (out[b.channel] ??= {})[b.bridgeId] = b.externalRoomId
  return out
}

/** The unique platform identity of a message, or null when it has none: `(channel, bridgeId, externalId)`. */
export function messageExternalKey(message: Pick<Message, 'externalId' | 'metadata'>):
  { channel: string; bridgeId: string; externalId: string } | null {
  const channel = message.metadata['channel']
  const bridgeId = message.metadata['bridgeId']
  if (typeof channel !== 'string' || typeof bridgeId !== 'string' || message.externalId === undefined) return null
  return { channel, bridgeId, externalId: message.externalId }
}

/** The binding key string shared by stores: `channel \u0000 bridgeId \u0000 externalRoomId`. */
export function bindingKey(channel: string, bridgeId: string, externalRoomId: string): string {
  return `${channel}\u0000${bridgeId}\u0000${externalRoomId}`
}

/** Strings JSON.stringify writes verbatim between quotes: no quote, backslash, control character or surrogate. */
const JSON_PLAIN = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/

/**
 * A persisted composite key (dedupe keys, conversation keys): the parts as a JSON array, so no part
 * can run into the next and the key holds no NUL (which PostgreSQL text refuses).
 */
export function compositeKey(...parts: string[]): string {
  // Fast path, same text as JSON.stringify(parts): parts it would copy unescaped are joined directly.
  let key = '['
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]
    if (typeof part !== 'string' || !JSON_PLAIN.test(part)) return JSON.stringify(parts)
    key += i === 0 ? `"${part}"` : `,"${part}"`
  }
  return `${key}]`
}
