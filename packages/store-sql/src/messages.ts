import {
  InvalidCursorError, type MessageKey, type MessagePage, type MessagingStore, type StoreMessageQuery,
} from '@jido-messaging/core'
import type { ExpressionBuilder, Kysely, SelectQueryBuilder } from 'kysely'
import { messageOf, messageRowOf, type MessageRow } from './codec.js'
import type { SqlContext } from './context.js'
import { mapErrors } from './db-errors.js'
import type { Database } from './schema.js'

type MessageOps = Pick<MessagingStore,
  'insertMessage' | 'saveMessage' | 'getMessage' | 'getMessageByExternalId' | 'updateMessage' | 'deleteMessage' |
  'listMessages' | 'countMessages'>

type MessageQuery = SelectQueryBuilder<Database, 'messages', object>

/** The columns `saveMessage` replaces on an id conflict: all but the id. */
const replaceable = [
  'room_id', 'sender_id', 'role', 'content', 'reply_to_id', 'external_id', 'external_reply_to_id', 'thread_id',
  'external_thread_id', 'delivery_external_room_id', 'status', 'reactions', 'receipts', 'metadata', 'ext_channel',
  'ext_bridge_id', 'inserted_at', 'updated_at',
] as const

function roomMessages(db: Kysely<Database>, roomId: string, threadId: string | null | undefined): MessageQuery {
  const q = db.selectFrom('messages').where('room_id', '=', roomId)
  if (threadId === undefined) return q
  return threadId === null ? q.where('thread_id', 'is', null) : q.where('thread_id', '=', threadId)
}

/** `(inserted_at, id) <op> key`: a row-value comparison that both engines answer from the (room, insertedAt, id) index. */
const keyIs = (op: '<' | '<=' | '>' | '>=', key: MessageKey) => (eb: ExpressionBuilder<Database, 'messages'>) =>
  eb(eb.refTuple('inserted_at', 'id'), op, eb.tuple(key.insertedAt, key.id))

/** Whether `q` matches a row. The ORDER BY nearest to the cursor keeps Postgres on the index instead of a scan. */
async function exists(q: MessageQuery, direction: 'asc' | 'desc'): Promise<boolean> {
  const row = await q.select('id').orderBy('inserted_at', direction).orderBy('id', direction).limit(1).executeTakeFirst()
  return row !== undefined
}

export function messageOps(ctx: SqlContext): MessageOps {
  const lock = ctx.kind === 'postgres'
  const findRow = (db: Kysely<Database>, id: string, forUpdate = false): Promise<MessageRow | undefined> =>
    db.selectFrom('messages').selectAll().where('id', '=', id).$if(forUpdate, (qb) => qb.forUpdate()).executeTakeFirst()

  return {
    insertMessage: (message, journal) => {
      const row = messageRowOf(message)
      return mapErrors(ctx.name, {
        conflict: `message ${message.id} or its external id exists already`,
        notFound: `room ${message.roomId} not found`,
      }, () => ctx.insert('messages', row, () => messageOf(row), journal))
    },

    saveMessage: (message) =>
      mapErrors(ctx.name, {
        conflict: `the external id of message ${message.id} belongs to another message`,
        notFound: `room ${message.roomId} not found`,
      }, () =>
        ctx.write(async (tx) => {
          const row = messageRowOf(message)
          await tx.insertInto('messages').values(row)
            .onConflict((oc) => oc.column('id').doUpdateSet((eb) =>
              Object.fromEntries(replaceable.map((c) => [c, eb.ref(`excluded.${c}`)]))))
            .execute()
          return messageOf(row)
        })),

    getMessage: async (id) => {
      const row = await findRow(ctx.db, id)
      return row === undefined ? null : messageOf(row)
    },

    getMessageByExternalId: async (channel, bridgeId, externalId) => {
      const row = await ctx.db.selectFrom('messages').selectAll()
        .where('ext_channel', '=', channel).where('ext_bridge_id', '=', bridgeId).where('external_id', '=', externalId)
        .executeTakeFirst()
      return row === undefined ? null : messageOf(row)
    },

    updateMessage: (id, updater, journal) =>
      mapErrors(ctx.name, { conflict: `the external id of message ${id} belongs to another message` }, () =>
        ctx.write(async (tx) => {
          const current = await findRow(tx, id, lock)
          if (current === undefined) return null
          const next = updater(messageOf(current))
          if (next === undefined) return { record: messageOf(current), changed: false }
          const { id: _id, ...fields } = messageRowOf({ ...next, id })
          await tx.updateTable('messages').set(fields).where('id', '=', id).execute()
          return { record: messageOf({ id, ...fields }), changed: true }
        }, undefined, journal)),

    deleteMessage: (id, journal) =>
      ctx.write(async (tx) => (await tx.deleteFrom('messages').where('id', '=', id).executeTakeFirst()).numDeletedRows > 0n, undefined, journal),

    listMessages: async (query: StoreMessageQuery): Promise<MessagePage> => {
      const { roomId, limit, before, after, threadId } = query
      if (before !== undefined && after !== undefined) {
        throw new InvalidCursorError(`[${ctx.name}] give either before or after, not both`)
      }
      const scope = () => roomMessages(ctx.db, roomId, threadId)
      if (after !== undefined) {
        const rows = await scope().selectAll().where(keyIs('>', after))
          .orderBy('inserted_at', 'asc').orderBy('id', 'asc').limit(limit + 1).execute()
        return {
          messages: rows.slice(0, limit).map(messageOf),
          hasMoreBefore: await exists(scope().where(keyIs('<=', after)), 'desc'),
          hasMoreAfter: rows.length > limit,
        }
      }
      const rows = await scope().selectAll().$if(before !== undefined, (qb) => qb.where(keyIs('<', before!)))
        .orderBy('inserted_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute()
      return {
        messages: rows.slice(0, limit).reverse().map(messageOf),
        hasMoreBefore: rows.length > limit,
        hasMoreAfter: before !== undefined && (await exists(scope().where(keyIs('>=', before)), 'asc')),
      }
    },

    countMessages: async (roomId, threadId) => {
      const row = await roomMessages(ctx.db, roomId, threadId)
        .select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()
      return Number(row.n)
    },
  }
}
