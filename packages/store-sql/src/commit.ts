import type { CommitMessageResult, RuntimeStore } from '@jido-messaging/core'
import type { Kysely } from 'kysely'
import { messageOf, messageRowOf, type MessageRow } from './codec.js'
import type { SqlContext } from './context.js'
import { mapErrors } from './db-errors.js'
import { insertDeliveryRows } from './outbox.js'
import { deliveryRowOf, type DeliveryRow } from './runtime-codec.js'
import type { Database } from './schema.js'
import { memberKey } from './statements.js'

/** Rows per multi-row statement: 21 columns each stays well under SQLite's 32,766 and Postgres's 65,535 parameters. */
const ROWS_PER_STATEMENT = 500

type CommitOps = Pick<RuntimeStore, 'commitMessage'>

/**
 * The ingest hot path: dedupe claim, message, member and outbox rows in one transaction, queued through
 * the group committer so concurrent commits share a transaction (each in its own savepoint when one of
 * them fails, so a failure fails only its caller and leaves nothing of it).
 *
 * The dedupe claim is an upsert that takes an absent or expired key and reports whether it did. On
 * Postgres the unique index makes a concurrent claim of the same key wait for the claiming transaction:
 * if that commits, the key is live and this commit is a duplicate; if it rolls back, this one wins.
 * (A batch waits at most its `lock_timeout`, then its writes run again one per transaction, which wait
 * as long as it takes.) SQLite has one writer, so a claim never sees another one in flight.
 */
export function commitOps(ctx: SqlContext): CommitOps {
  /** One commit's part of a merged step. */
  interface Item {
    messageRow: MessageRow
    deliveryRows: DeliveryRow[]
    claim?: { key: string; expires_at: string; message_id: string }
    now?: string
    member?: { room_id: string; participant_id: string; joined_at: string }
  }

  /**
   * Concurrent commits together, with the same outcome as running them one after another in order: one
   * multi-row claim for all dedupe keys (distinct within a step), then one multi-row INSERT per table for
   * the winners; a membership repeated in the step counts as added for its first commit only. A commit
   * alone (a `safe` replay, or a batch of one) is a step of one.
   */
  async function commitMany(tx: Kysely<Database>, items: Item[]): Promise<CommitMessageResult[]> {
    const claims = items.flatMap((i) => (i.claim === undefined ? [] : [i.claim]))
    let now: string | undefined
    for (const i of items) if (i.now !== undefined && (now === undefined || i.now < now)) now = i.now
    const won = new Set<string>()
    for (let i = 0; i < claims.length; i += ROWS_PER_STATEMENT) {
      for (const key of await ctx.statements.claimDedupeMany(tx, claims.slice(i, i + ROWS_PER_STATEMENT), now!)) won.add(key)
    }
    const lost = claims.filter((c) => !won.has(c.key)).map((c) => c.key)
    const held = lost.length === 0 ? new Map<string, string | null>() : await ctx.statements.dedupeMessageIds(tx, lost)
    const winners = items.filter((i) => i.claim === undefined || won.has(i.claim.key))
    for (let i = 0; i < winners.length; i += ROWS_PER_STATEMENT) {
      await ctx.inserts.insertMany(tx, winners.slice(i, i + ROWS_PER_STATEMENT).map((w) => ({ table: 'messages' as const, row: w.messageRow as Record<string, unknown> })))
    }
    const members = winners.flatMap((w) => (w.member === undefined ? [] : [w.member]))
    const added = new Set<string>()
    for (let i = 0; i < members.length; i += ROWS_PER_STATEMENT) {
      for (const key of await ctx.statements.addMembers(tx, members.slice(i, i + ROWS_PER_STATEMENT))) added.add(key)
    }
    const deliveryRows = winners.flatMap((w) => w.deliveryRows)
    if (deliveryRows.length > 0) await insertDeliveryRows(ctx, tx, deliveryRows)
    return items.map((item): CommitMessageResult => {
      if (item.claim !== undefined && !won.has(item.claim.key)) return { status: 'duplicate', messageId: held.get(item.claim.key) ?? null }
      const key = item.member === undefined ? undefined : memberKey(item.member.room_id, item.member.participant_id)
      const memberAdded = key !== undefined && added.delete(key)
      return { status: 'created', message: messageOf(item.messageRow), memberAdded }
    })
  }

  return {
    commitMessage: (input) => {
      const { message, deliveries = [], dedupe, member, journal } = input
      // Rows are built (and the caller's records copied) before the write, so later mutation of the
      // input cannot change what is stored, and a replayed batch writes the same rows.
      const item: Item = {
        messageRow: messageRowOf(message),
        deliveryRows: deliveries.map(deliveryRowOf),
        ...(dedupe === undefined ? {} : { claim: { key: dedupe.key, expires_at: dedupe.expiresAt, message_id: message.id }, now: dedupe.now }),
        ...(member === undefined ? {} : { member: { room_id: member.roomId, participant_id: member.participantId, joined_at: member.joinedAt } }),
      }
      return mapErrors(ctx.name, {
        conflict: `message ${message.id}, its external id or one of its deliveries exists already`,
        notFound: `room ${message.roomId} not found`,
      }, () => ctx.write(async (tx) => (await commitMany(tx, [item]))[0]!, {
        shape: 'commitMessage',
        item,
        // A key twice in one step would make the second claim see the first; message ids must differ too.
        keys: item.claim === undefined ? [`m:${message.id}`] : [`k:${item.claim.key}`, `m:${message.id}`],
        runMany: (tx, items) => commitMany(tx, items as Item[]),
      }, journal))
    },
  }
}
