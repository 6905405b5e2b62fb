import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto'
import type { WebhookRequest } from '@jido-messaging/core'
import { snowflake } from './snowflake.js'

// Discord's HTTP interactions: every request is signed with the application's Ed25519 key over
// `timestamp + rawBody` (headers X-Signature-Ed25519, hex, and X-Signature-Timestamp, unix seconds).
// Written here from the Discord docs with node:crypto, independently of the adapter.

export interface CommandOption {
  name: string
  /** 3 string, 4 integer, 5 boolean, 6 user, 7 channel, 10 number; 1/2 sub-command (group) with nested options. */
  type: number
  value?: string | number | boolean
  options?: CommandOption[]
}

export interface CommandInput {
  name: string
  options?: CommandOption[]
  channelId: string
  /** Absent for a command in a DM. */
  guildId?: string
  user: { id: string; username: string; global_name: string | null; bot?: boolean }
  /** The channel object Discord sends along (its type and, for threads, parent_id). */
  channel?: Record<string, unknown>
  id?: string
}

export interface InteractionSigner {
  /** The application's public key, hex, as the Developer Portal shows it. */
  readonly publicKey: string
  readonly applicationId: string
  /** `X-Signature-Ed25519` and `X-Signature-Timestamp` for `rawBody`. */
  headers(rawBody: string, timestampSeconds?: number): Record<string, string>
  /** A signed request carrying `payload` (or exactly `rawBody`). */
  request(payload: unknown, options?: { timestampSeconds?: number; rawBody?: string; path?: string }): WebhookRequest
  ping(): Record<string, unknown>
  command(input: CommandInput): Record<string, unknown>
}

/** A fresh Ed25519 application key and builders of signed PING and APPLICATION_COMMAND requests. */
export function createInteractionSigner(options: { applicationId?: string } = {}): InteractionSigner {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const applicationId = options.applicationId ?? snowflake()
  const hex = rawPublicKey(publicKey)
  const headers = (rawBody: string, timestampSeconds = Math.floor(Date.now() / 1000)) => {
    const timestamp = String(timestampSeconds)
    return {
      'content-type': 'application/json',
      'x-signature-ed25519': sign(null, Buffer.from(timestamp + rawBody, 'utf8'), privateKey).toString('hex'),
      'x-signature-timestamp': timestamp,
    }
  }
  return {
    publicKey: hex,
    applicationId,
    headers,
    request(payload, o = {}) {
      const rawBody = o.rawBody ?? JSON.stringify(payload)
      let body: unknown
      try {
        body = JSON.parse(rawBody)
      } catch {
        body = undefined
      }
      return { method: 'POST', path: o.path ?? '/webhooks/discord', headers: headers(rawBody, o.timestampSeconds), rawBody, ...(body === undefined ? {} : { body }) }
    },
    ping: () => ({ id: snowflake(), application_id: applicationId, type: 1, token: `tok-${snowflake()}`, version: 1 }),
    command(input) {
      const data = { id: snowflake(), name: input.name, type: 1, ...(input.options ? { options: input.options } : {}) }
      const who = input.guildId === undefined
        ? { user: input.user }
        : { guild_id: input.guildId, member: { user: input.user, roles: [], joined_at: '2024-01-01T00:00:00.000Z', permissions: '2248473465835073', deaf: false, mute: false, flags: 0 } }
      return {
        id: input.id ?? snowflake(),
        application_id: applicationId,
        type: 2,
        data,
        channel_id: input.channelId,
        channel: input.channel ?? { id: input.channelId, type: input.guildId === undefined ? 1 : 0 },
        ...who,
        token: `tok-${snowflake()}`,
        version: 1,
        locale: 'en-US',
        app_permissions: '2248473465835073',
        entitlements: [],
        authorizing_integration_owners: {},
        context: input.guildId === undefined ? 1 : 0,
      }
    },
  }
}

/** The 32 raw bytes of an Ed25519 public key, hex (the SPKI DER form ends with them). */
function rawPublicKey(key: KeyObject): string {
  const der = key.export({ format: 'der', type: 'spki' })
  return der.subarray(der.length - 32).toString('hex')
}
