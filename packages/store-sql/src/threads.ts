import {
  ConflictError, decodeKeyCursor, encodeKeyCursor, type MessagingStore, type Page, type Thread,
} from '@jido-messaging/core'
import type { Kysely } from 'kysely'
import { threadOf, threadRowOf, type ThreadRow } from './codec.js'
import type { SqlContext } from './context.js'
import { mapErrors } from './db-errors.js'
import { fastPathAnswers } from './journal.js'
import type { Database } from './schema.js'

type ThreadOps = Pick<MessagingStore,
  'insertThread' | 'saveThread' | 'getThread' | 'getThreadByExternalId' | 'getThreadByRootMessageId' |
  'getOrCreateThread' | 'updateThread' | 'listThreads'>

const replaceable = [
  'room_id', 'external_thread_id', 'delivery_external_room_id', 'root_message_id', 'root_external_message_id',
  'assigned_agent_id', 'status', 'metadata', 'inserted_at', 'updated_at',
] as const

function threadBy(db: Kysely<Database>, roomId: string, column: 'external_thread_id' | 'root_message_id', value: string) {
  return db.selectFrom('threads').selectAll().where('room_id', '=', roomId).where(column, '=', value).executeTakeFirst()
}

const decoded = (row: ThreadRow | undefined): Thread | null => (row === undefined ? null : threadOf(row))

export function threadOps(ctx: SqlContext): ThreadOps {
  const lock = ctx.kind === 'postgres'
  const keys = (t: Thread) => `thread ${t.id}, its external thread id or its root message in room ${t.roomId}`

  return {
    insertThread: (thread) => {
      const row = threadRowOf(thread)
      return mapErrors(ctx.name, { conflict: `${keys(thread)} exists already`, notFound: `room ${thread.roomId} not found` },
        () => ctx.insert('threads', row, () => threadOf(row)))
    },

    saveThread: (thread) =>
      mapErrors(ctx.name, { conflict: `a unique key of thread ${thread.id} belongs to another thread`, notFound: `room ${thread.roomId} not found` }, () =>
        ctx.write(async (tx) => {
          const row = threadRowOf(thread)
          await tx.insertInto('threads').values(row)
            .onConflict((oc) => oc.column('id').doUpdateSet((eb) =>
              Object.fromEntries(replaceable.map((c) => [c, eb.ref(`excluded.${c}`)]))))
            .execute()
          return threadOf(row)
        })),

    getThread: async (id) => decoded(await ctx.db.selectFrom('threads').selectAll().where('id', '=', id).executeTakeFirst()),

    getThreadByExternalId: async (roomId, externalThreadId) =>
      decoded(await threadBy(ctx.db, roomId, 'external_thread_id', externalThreadId)),

    getThreadByRootMessageId: async (roomId, rootMessageId) =>
      decoded(await threadBy(ctx.db, roomId, 'root_message_id', rootMessageId)),

    getOrCreateThread: async (candidate, journal) => {
      const find = async (db: Kysely<Database>) => {
        const row = candidate.externalThreadId !== undefined
          ? await threadBy(db, candidate.roomId, 'external_thread_id', candidate.externalThreadId)
          : candidate.rootMessageId !== undefined
            ? await threadBy(db, candidate.roomId, 'root_message_id', candidate.rootMessageId)
            : undefined
        return row === undefined ? undefined : { thread: threadOf(row), created: false }
      }
      // Fast path outside the write queue: a committed thread is the answer (unless it has signals to journal).
      const committed = await find(ctx.db)
      if (committed !== undefined && await fastPathAnswers(journal, committed)) return committed
      return mapErrors(ctx.name, { notFound: `room ${candidate.roomId} not found` }, () =>
        ctx.write(async (tx) => {
          const before = await find(tx)
          if (before !== undefined) return before
          const row = threadRowOf(candidate)
          const inserted = await tx.insertInto('threads').values(row)
            .onConflict((oc) => oc.doNothing()).returning('id').executeTakeFirst()
          if (inserted !== undefined) return { thread: threadOf(row), created: true }
          // A unique key was taken meanwhile: by a concurrent creator of the same thread (return it) or
          // by a different thread (a real conflict).
          const winner = await find(tx)
          if (winner === undefined) throw new ConflictError(`[${ctx.name}] ${keys(candidate)} belongs to another thread`)
          return winner
        }, undefined, journal))
    },

    updateThread: (id, updater, journal) =>
      mapErrors(ctx.name, { conflict: `a unique key of thread ${id} belongs to another thread` }, () =>
        ctx.write(async (tx) => {
          const current = await tx.selectFrom('threads').selectAll().where('id', '=', id)
            .$if(lock, (qb) => qb.forUpdate()).executeTakeFirst()
          if (current === undefined) return null
          const next = updater(threadOf(current))
          if (next === undefined) return { record: threadOf(current), changed: false }
          const { id: _id, ...fields } = threadRowOf({ ...next, id })
          await tx.updateTable('threads').set(fields).where('id', '=', id).execute()
          return { record: threadOf({ id, ...fields }), changed: true }
        }, undefined, journal)),

    listThreads: async (roomId, { limit, cursor, status }): Promise<Page<Thread>> => {
      const after = cursor === undefined ? undefined : decodeKeyCursor(cursor)
      const rows = await ctx.db.selectFrom('threads').selectAll().where('room_id', '=', roomId)
        .$if(status !== undefined, (qb) => qb.where('status', '=', status!))
        .$if(after !== undefined, (qb) =>
          qb.where((eb) => eb(eb.refTuple('inserted_at', 'id'), '>', eb.tuple(after!.insertedAt, after!.id))))
        .orderBy('inserted_at').orderBy('id').limit(limit + 1).execute()
      const items = rows.slice(0, limit).map(threadOf)
      const last = items.at(-1)
      return rows.length > limit && last !== undefined
        ? { items, nextCursor: encodeKeyCursor({ insertedAt: last.insertedAt, id: last.id }) }
        : { items }
    },
  }
}
