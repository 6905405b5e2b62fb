import { isMessagingError, type AdapterError, type InboundEvent } from '@jido-messaging/core'
import { expect } from 'vitest'

const KINDS = ['message', 'edit', 'delete', 'reaction', 'command', 'other']
const CHAT_TYPES = ['direct', 'group', 'channel']
const MEDIA_TYPES = ['image', 'audio', 'video', 'file']

/** Every field of the normalized inbound shape (SPEC 6) is present with its type, optional ones absent or typed. */
export function expectInboundShape(event: InboundEvent, where: string): void {
  const e = event as unknown as Record<string, unknown>
  expect(KINDS, `${where}: kind`).toContain(e.kind)
  for (const key of ['externalRoomId', 'externalUserId', 'externalMessageId']) {
    expect(typeof e[key], `${where}: ${key}`).toBe('string')
    expect(e[key], `${where}: ${key}`).not.toBe('')
  }
  for (const key of ['externalThreadId', 'externalReplyToId', 'chatTitle', 'username', 'displayName', 'eventId']) {
    if (e[key] !== undefined) expect(typeof e[key], `${where}: ${key}`).toBe('string')
  }
  expect(typeof e.text, `${where}: text`).toBe('string')
  expect(Array.isArray(e.media), `${where}: media`).toBe(true)
  for (const media of event.media) expect(MEDIA_TYPES, `${where}: media type`).toContain(media.type)
  expect(CHAT_TYPES, `${where}: chatType`).toContain(e.chatType)
  expect(typeof e.isSelf, `${where}: isSelf`).toBe('boolean')
  if (e.isBot !== undefined) expect(typeof e.isBot, `${where}: isBot`).toBe('boolean')
  expect(typeof e.timestamp, `${where}: timestamp`).toBe('string')
  expect(new Date(e.timestamp as string).toISOString(), `${where}: timestamp is ISO-8601 UTC`).toBe(e.timestamp)
  expect(Object.hasOwn(e, 'raw'), `${where}: raw`).toBe(true)
  expect(e.raw, `${where}: raw`).not.toBeUndefined()
  if (event.kind === 'reaction') {
    expect(typeof event.reaction?.emoji, `${where}: reaction.emoji`).toBe('string')
    expect(typeof event.reaction?.added, `${where}: reaction.added`).toBe('boolean')
  }
}

/** Awaits `promise`, which must reject with core's AdapterError carrying the given retry information. */
export async function expectAdapterError(
  promise: Promise<unknown>,
  expected: { retryable: boolean; retryAfterMs?: number; status?: number },
): Promise<AdapterError> {
  const error = await promise.then(
    () => expect.unreachable('expected an AdapterError, the call resolved'),
    (err: unknown) => err,
  )
  // Fields, not instanceof: the adapter may load its own copy of core.
  expect(isMessagingError(error, 'DELIVERY_FAILED'), String(error)).toBe(true)
  const adapterError = error as AdapterError
  expect(adapterError.name).toBe('AdapterError')
  expect(adapterError.retryable).toBe(expected.retryable)
  if ('retryAfterMs' in expected) expect(adapterError.retryAfterMs).toBe(expected.retryAfterMs)
  if (expected.status !== undefined && adapterError.status !== undefined) expect(adapterError.status).toBe(expected.status)
  return adapterError
}
