import type { CommitMessageResult, RuntimeStore } from '@jido-messaging/core'
import { messageOf, messageRowOf } from './codec.js'
import type { SqlContext } from './context.js'
import { mapErrors } from './db-errors.js'
import { insertDeliveryRows } from './outbox.js'
import { deliveryRowOf } from './runtime-codec.js'

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
  return {
    commitMessage: (input) => {
      const { message, deliveries = [], dedupe, member } = input
      // Rows are built (and the caller's records copied) before the write, so later mutation of the
      // input cannot change what is stored, and a replayed batch writes the same rows.
      const messageRow = messageRowOf(message)
      const deliveryRows = deliveries.map(deliveryRowOf)
      const claim = dedupe === undefined ? undefined : { key: dedupe.key, expires_at: dedupe.expiresAt, message_id: message.id }
      return mapErrors(ctx.name, {
        conflict: `message ${message.id}, its external id or one of its deliveries exists already`,
        notFound: `room ${message.roomId} not found`,
      }, () => ctx.write(async (tx): Promise<CommitMessageResult> => {
        if (claim !== undefined) {
          const won = await ctx.statements.claimDedupe(tx, claim, dedupe!.now)
          if (!won) {
            const held = await ctx.statements.dedupeMessageId(tx, claim.key)
            return { status: 'duplicate', messageId: held ?? null }
          }
        }
        await ctx.inserts.insert(tx, 'messages', messageRow)
        const memberAdded = member === undefined ? false : await ctx.statements.addMember(tx, {
          room_id: member.roomId, participant_id: member.participantId, joined_at: member.joinedAt,
        })
        if (deliveryRows.length > 0) await insertDeliveryRows(ctx, tx, deliveryRows)
        return { status: 'created', message: messageOf(messageRow), memberAdded }
      }))
    },
  }
}
