import { createHash } from 'node:crypto'

/** Postgres identifiers, and so LISTEN/NOTIFY channel names, hold at most 63 bytes (NAMEDATALEN - 1). */
const MAX_CHANNEL_BYTES = 63
const PREFIX = 'jido_journal'

/**
 * The Postgres NOTIFY channel that announces a schema's journal commits (payload: the journal head after
 * the commit). One per schema, so stores on two schemas of one database never wake each other:
 * `jido_journal.<schema>`, or `jido_journal#<sha-256 of the schema, 40 hex>` when that would exceed 63
 * bytes. Case-sensitive: LISTEN must quote it.
 */
export function journalChannel(schema: string | undefined): string {
  if (schema === undefined) return PREFIX
  const plain = `${PREFIX}.${schema}`
  if (Buffer.byteLength(plain, 'utf8') <= MAX_CHANNEL_BYTES) return plain
  return `${PREFIX}#${createHash('sha256').update(schema, 'utf8').digest('hex').slice(0, 40)}`
}
