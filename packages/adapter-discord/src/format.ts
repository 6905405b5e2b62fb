import { createHash } from 'node:crypto'
import type { CommandOptionData } from './types.js'

// Small pure translations between Discord's forms and ours.

const DISCORD_EPOCH = 1_420_070_400_000n
const SNOWFLAKE = /^\d{15,21}$/

/** The time a snowflake was minted, ISO-8601 UTC (undefined for something that is not a snowflake). */
export function snowflakeTime(id: string): string | undefined {
  if (!SNOWFLAKE.test(id)) return undefined
  return new Date(Number((BigInt(id) >> 22n) + DISCORD_EPOCH)).toISOString()
}

/** A Discord timestamp (ISO with microseconds) as ISO-8601 UTC in milliseconds, or undefined. */
export function isoTime(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : new Date(at).toISOString()
}

/** A bot token starts with the bot's user id in base64; undefined when it does not decode to a snowflake. */
export function botUserIdFromToken(token: string | undefined): string | undefined {
  const head = token?.split('.')[0]
  if (!head) return undefined
  const decoded = Buffer.from(head, 'base64').toString('utf8')
  return SNOWFLAKE.test(decoded) ? decoded : undefined
}

/** The reaction a gateway emoji is: the unicode character, or `<:name:id>` (`<a:name:id>`) for a custom emoji. */
export function emojiFromGateway(emoji: { id: string | null; name: string | null; animated?: boolean }): string {
  if (emoji.id) return `<${emoji.animated ? 'a' : ''}:${emoji.name ?? '_'}:${emoji.id}>`
  return emoji.name ?? ''
}

/** The URL path segment of a reaction: custom emoji as `name:id`, everything percent-encoded. */
export function emojiForRoute(emoji: string): string {
  const custom = /^<a?:(\w+):(\d+)>$/.exec(emoji.trim())
  return encodeURIComponent(custom ? `${custom[1]}:${custom[2]}` : emoji.trim())
}

/** A slash command as text: `/name sub option:value ...` (sub-commands as words, options as name:value). */
export function commandText(name: string, options: readonly CommandOptionData[] | undefined): string {
  const words = [`/${name}`]
  const walk = (list: readonly CommandOptionData[] | undefined) => {
    for (const option of list ?? []) {
      // 1 SUB_COMMAND, 2 SUB_COMMAND_GROUP
      if (option.type === 1 || option.type === 2) {
        words.push(option.name)
        walk(option.options)
      } else if (option.value !== undefined) {
        words.push(`${option.name}:${String(option.value)}`)
      }
    }
  }
  walk(options)
  return words.join(' ')
}

/** A short, stable nonce (Discord allows 25 characters) from a delivery id, so a resend is recognised. */
export function nonceFor(deliveryId: string): string {
  return createHash('sha256').update(deliveryId).digest('base64url').slice(0, 25)
}
