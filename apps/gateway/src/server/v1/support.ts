// What the /v1 handlers share: 404s for absent records, the API key's own participant, content input.
import { signalToJson, type ContentBlock, type Signal } from '@jido-messaging/core'
import type { Principal } from '../auth.js'
import type { GatewayContext } from '../context.js'
import { HttpError } from '../errors.js'

/** The record, or a 404 `NOT_FOUND` naming what was looked for. */
export function found<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new HttpError(404, 'NOT_FOUND', `${what} not found`)
  return value
}

/** 404 unless the room exists: listing an unknown room's messages is an error, not an empty page. */
export async function requireRoom(gw: GatewayContext, roomId: string): Promise<void> {
  found(await gw.messaging.getRoom(roomId), `room ${roomId}`)
}

/**
 * The participant that stands for an API key (channel `api`, external id the key id), made on first
 * use: what the API does without a `senderId` or `participantId` is attributed to the key that did it.
 */
export async function keyParticipantId(gw: GatewayContext, principal: Principal): Promise<string> {
  const participant = await gw.messaging.getOrCreateParticipantByExternalId('api', principal.keyId, {
    type: 'system',
    identity: { name: `API key ${principal.keyId}` },
    metadata: { apiKeyId: principal.keyId },
  })
  return participant.id
}

/** The given participant, or the API key's own. */
export async function actor(gw: GatewayContext, principal: Principal, participantId: string | undefined): Promise<string> {
  return participantId ?? keyParticipantId(gw, principal)
}

/** `{text}` or `{content}` (the schemas made sure exactly one is there) as content blocks. */
export function blocksOf(body: { text?: string | undefined; content?: ContentBlock[] | undefined }): ContentBlock[] {
  return body.content ?? [{ type: 'text', text: body.text ?? '' }]
}

export const signalsJson = (signals: Signal[]) => ({ signals: signals.map(signalToJson) })

