import { ConflictError, decodeKeyCursor, encodeKeyCursor, type MessagingStore, type Page, type Room, type RoomBinding } from '@jido-messaging/core'
import type { Kysely } from 'kysely'
import { bindingOf, bindingRowOf, roomOf, roomRowOf } from './codec.js'
import type { SqlContext } from './context.js'
import { mapErrors } from './db-errors.js'
import { indexNewDirectoryName, reindexDirectoryName } from './directory.js'
import { fastPathAnswers } from './journal.js'
import type { Database } from './schema.js'
import type { Statements } from './statements.js'

type RoomOps = Pick<MessagingStore,
  'createRoom' | 'saveRoom' | 'getRoom' | 'listRooms' | 'deleteRoom' | 'getOrCreateRoomByBinding' | 'getRoomByBinding' |
  'insertRoomBinding' | 'getRoomBinding' | 'listRoomBindings' | 'deleteRoomBinding'>

/** A room with its bindings, or null. */
export async function loadRoom(st: Statements, db: Kysely<Database>, id: string): Promise<Room | null> {
  const row = await st.roomById(db, id)
  if (row === undefined) return null
  return roomOf(row, (await st.bindingsOfRoom(db, id)).map(bindingOf))
}

export function roomOps(ctx: SqlContext): RoomOps {
  const st = ctx.statements
  const findBinding = (db: Kysely<Database>, channel: string, bridgeId: string, externalRoomId: string) =>
    st.bindingByKey(db, channel, bridgeId, externalRoomId)
  const bindingRow = (b: RoomBinding, roomId = b.roomId) => bindingRowOf({ ...b, roomId }, ctx.bool)

  return {
    createRoom: (room, bindings, journal) =>
      mapErrors(ctx.name, { conflict: `room ${room.id} or one of its bindings exists already` }, () =>
        ctx.write(async (tx) => {
          const row = roomRowOf(room)
          await ctx.inserts.insert(tx, 'rooms', row)
          const rows = bindings.map((b) => bindingRow(b, room.id))
          if (rows.length > 0) await tx.insertInto('room_bindings').values(rows).execute()
          await indexNewDirectoryName(ctx, tx, 'r', room.id, room.name)
          return roomOf(row, rows.map(bindingOf))
        }, undefined, journal)),

    saveRoom: (room, bindings, journal) =>
      mapErrors(ctx.name, { conflict: `a binding of room ${room.id} exists already` }, () =>
        ctx.write(async (tx) => {
          await tx.insertInto('rooms').values(roomRowOf(room))
            .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({
              type: eb.ref('excluded.type'), name: eb.ref('excluded.name'),
              metadata: eb.ref('excluded.metadata'), inserted_at: eb.ref('excluded.inserted_at'),
            })))
            .execute()
          await reindexDirectoryName(tx, 'r', room.id, room.name)
          for (const b of bindings) {
            const existing = await findBinding(tx, b.channel, b.bridgeId, b.externalRoomId)
            if (existing?.room_id === room.id) continue
            if (existing !== undefined) {
              throw new ConflictError(`[${ctx.name}] binding ${b.channel}/${b.bridgeId}/${b.externalRoomId} belongs to room ${existing.room_id}`,
                { roomId: existing.room_id })
            }
            await tx.insertInto('room_bindings').values(bindingRow(b, room.id)).execute()
          }
          return (await loadRoom(st, tx, room.id))!
        }, undefined, journal)),

    getRoom: (id) => loadRoom(st, ctx.db, id),

    listRooms: async ({ limit, cursor }): Promise<Page<Room>> => {
      const after = cursor === undefined ? undefined : decodeKeyCursor(cursor)
      const rows = await ctx.db.selectFrom('rooms').selectAll()
        .$if(after !== undefined, (qb) =>
          qb.where((eb) => eb(eb.refTuple('inserted_at', 'id'), '>', eb.tuple(after!.insertedAt, after!.id))))
        .orderBy('inserted_at').orderBy('id').limit(limit + 1).execute()
      const page = rows.slice(0, limit)
      const byRoom = new Map<string, RoomBinding[]>()
      if (page.length > 0) {
        const bindingRows = await ctx.db.selectFrom('room_bindings').selectAll()
          .where('room_id', 'in', page.map((r) => r.id)).orderBy('inserted_at').orderBy('id').execute()
        for (const b of bindingRows) {
          const list = byRoom.get(b.room_id) ?? []
          list.push(bindingOf(b))
          byRoom.set(b.room_id, list)
        }
      }
      const items = page.map((r) => roomOf(r, byRoom.get(r.id) ?? []))
      const last = page.at(-1)
      return rows.length > limit && last !== undefined
        ? { items, nextCursor: encodeKeyCursor({ insertedAt: last.inserted_at, id: last.id }) }
        : { items }
    },

    deleteRoom: (id) =>
      ctx.write(async (tx) => {
        // Foreign keys cascade too; deleting children explicitly keeps it correct without them.
        await tx.deleteFrom('messages').where('room_id', '=', id).execute()
        await tx.deleteFrom('threads').where('room_id', '=', id).execute()
        await tx.deleteFrom('room_bindings').where('room_id', '=', id).execute()
        await tx.deleteFrom('room_members').where('room_id', '=', id).execute()
        await tx.deleteFrom('routing_policies').where('room_id', '=', id).execute()
        await tx.deleteFrom('deliveries').where('room_id', '=', id).execute()
        await tx.deleteFrom('dead_letters').where('room_id', '=', id).execute()
        const result = await tx.deleteFrom('rooms').where('id', '=', id).executeTakeFirst()
        await reindexDirectoryName(tx, 'r', id, undefined)
        return result.numDeletedRows > 0n
      }),

    getOrCreateRoomByBinding: async (room, binding, journal) => {
      // Fast path outside the write queue: a committed binding is the answer (unless it has signals to journal).
      const committed = await st.roomByBindingKey(ctx.db, binding.channel, binding.bridgeId, binding.externalRoomId)
      if (committed !== undefined) {
        const bindings = committed.bindings.map(bindingOf)
        const own = bindings.find((b) => b.channel === binding.channel && b.bridgeId === binding.bridgeId && b.externalRoomId === binding.externalRoomId)!
        const found = { room: roomOf(committed.room, bindings), binding: own, created: false }
        if (await fastPathAnswers(journal, found)) return found
      }
      return mapErrors(ctx.name, { conflict: `room ${room.id} or binding ${binding.id} exists already` }, () =>
        ctx.write(async (tx) => {
          const found = async () => {
            const existing = await findBinding(tx, binding.channel, binding.bridgeId, binding.externalRoomId)
            if (existing === undefined) return undefined
            return { room: (await loadRoom(st, tx, existing.room_id))!, binding: bindingOf(existing), created: false }
          }
          const before = await found()
          if (before !== undefined) return before
          const roomRow = roomRowOf(room)
          await ctx.inserts.insert(tx, 'rooms', roomRow)
          const row = bindingRow(binding, room.id)
          const inserted = await tx.insertInto('room_bindings').values(row)
            .onConflict((oc) => oc.columns(['channel', 'bridge_id', 'external_room_id']).doNothing())
            .returning('id').executeTakeFirst()
          if (inserted === undefined) {
            // Lost the race to another connection or process: undo our room and return the winner's.
            await tx.deleteFrom('rooms').where('id', '=', room.id).execute()
            const winner = await found()
            if (winner === undefined) throw new ConflictError(`[${ctx.name}] binding key of ${binding.id} is contended`)
            return winner
          }
          await indexNewDirectoryName(ctx, tx, 'r', room.id, room.name)
          return { room: roomOf(roomRow, [bindingOf(row)]), binding: bindingOf(row), created: true }
        }, undefined, journal))
    },

    getRoomByBinding: async (channel, bridgeId, externalRoomId) => {
      const found = await st.roomByBindingKey(ctx.db, channel, bridgeId, externalRoomId)
      return found === undefined ? null : roomOf(found.room, found.bindings.map(bindingOf))
    },

    insertRoomBinding: (binding) =>
      mapErrors(ctx.name, {
        conflict: `binding ${binding.channel}/${binding.bridgeId}/${binding.externalRoomId} (or id ${binding.id}) exists already`,
        notFound: `room ${binding.roomId} not found`,
      }, () => {
        const row = bindingRow(binding)
        return ctx.insert('room_bindings', row, () => bindingOf(row))
      }),

    getRoomBinding: async (id) => {
      const row = await ctx.db.selectFrom('room_bindings').selectAll().where('id', '=', id).executeTakeFirst()
      return row === undefined ? null : bindingOf(row)
    },

    listRoomBindings: async (roomId) => (await st.bindingsOfRoom(ctx.db, roomId)).map(bindingOf),

    deleteRoomBinding: (id) =>
      ctx.write(async (tx) => (await tx.deleteFrom('room_bindings').where('id', '=', id).executeTakeFirst()).numDeletedRows > 0n),
  }
}
