import { z } from 'zod'
import { NotFoundError } from '../errors.js'
import { newId, nowIso } from '../ids.js'
import {
  PageOptionsSchema,
  RoomBindingInputSchema,
  RoomInputSchema,
  RoomRecordSchema,
  type ExternalBindings,
  type PageOptions,
  type Room,
  type RoomBinding,
  type RoomBindingInput,
  type RoomInput,
} from '../model.js'
import { parse, requireId } from '../validate.js'
import type { Context } from './context.js'

const BindingKeySchema = z.strictObject({
  channel: z.string().min(1).max(255),
  bridgeId: z.string().min(1).max(255),
  externalRoomId: z.string().min(1).max(1000),
})

function bindingsFrom(roomId: string, external: ExternalBindings, insertedAt: string): RoomBinding[] {
  return Object.entries(external).flatMap(([channel, byBridge]) =>
    Object.entries(byBridge).map(([bridgeId, externalRoomId]) =>
      makeBinding(roomId, parse(BindingKeySchema, { channel, bridgeId, externalRoomId }, 'external binding'), { direction: 'both', enabled: true }, insertedAt)),
  )
}

function makeBinding(
  roomId: string,
  key: z.output<typeof BindingKeySchema>,
  attrs: z.output<typeof RoomBindingInputSchema>,
  insertedAt: string,
): RoomBinding {
  return { id: attrs.id ?? newId('binding'), roomId, ...key, direction: attrs.direction, enabled: attrs.enabled, insertedAt }
}

function makeRoom(input: z.output<typeof RoomInputSchema>): Room {
  const room: Room = {
    id: input.id ?? newId('room'),
    type: input.type,
    externalBindings: {},
    metadata: input.metadata,
    insertedAt: input.insertedAt ?? nowIso(),
  }
  if (input.name !== undefined) room.name = input.name
  return room
}

export function roomsApi(ctx: Context) {
  const { store } = ctx
  return {
    /** Creates a room (low-level: no signal). `externalBindings` given here become room bindings. */
    async createRoom(attrs: RoomInput = {}): Promise<Room> {
      const input = parse(RoomInputSchema, attrs, 'room')
      const room = makeRoom(input)
      return store.createRoom(room, bindingsFrom(room.id, input.externalBindings, room.insertedAt))
    },

    getRoom(id: string): Promise<Room | null> {
      return store.getRoom(requireId(id, 'id'))
    },

    /** Rooms in creation order, a page at a time. */
    async listRooms(options: PageOptions = {}): Promise<{ rooms: Room[]; nextCursor?: string }> {
      const { limit, cursor } = parse(PageOptionsSchema, options, 'listRooms options')
      const page = await store.listRooms({ limit, ...(cursor === undefined ? {} : { cursor }) })
      return { rooms: page.items, ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) }
    },

    /** Deletes a room with its messages, threads, bindings and routing policy. Resolves whether it existed. */
    deleteRoom(id: string): Promise<boolean> {
      return store.deleteRoom(requireId(id, 'id'))
    },

    /** Saves a whole room record (insert or replace by id), e.g. to keep ids from another system. */
    async saveRoomRecord(record: RoomInput & { id: string }): Promise<Room> {
      const input = parse(RoomRecordSchema, record, 'room record')
      const room = makeRoom(input)
      return store.saveRoom(room, bindingsFrom(room.id, input.externalBindings, room.insertedAt))
    },

    /** The room bound to `(channel, bridgeId, externalRoomId)`, created with its binding if none is. Race-safe. */
    async getOrCreateRoomByExternalBinding(
      channel: string,
      bridgeId: string,
      externalRoomId: string,
      attrs: RoomInput = {},
    ): Promise<Room> {
      const key = parse(BindingKeySchema, { channel, bridgeId, externalRoomId }, 'external binding')
      const room = makeRoom(parse(RoomInputSchema, attrs, 'room'))
      const binding = makeBinding(room.id, key, { direction: 'both', enabled: true }, room.insertedAt)
      return (await store.getOrCreateRoomByBinding(room, binding)).room
    },

    getRoomByExternalBinding(channel: string, bridgeId: string, externalRoomId: string): Promise<Room | null> {
      const key = parse(BindingKeySchema, { channel, bridgeId, externalRoomId }, 'external binding')
      return store.getRoomByBinding(key.channel, key.bridgeId, key.externalRoomId)
    },

    /** Binds a room to an external room. CONFLICT when that external room is bound already. */
    async createRoomBinding(
      roomId: string,
      channel: string,
      bridgeId: string,
      externalRoomId: string,
      attrs: RoomBindingInput = {},
    ): Promise<RoomBinding> {
      requireId(roomId, 'roomId')
      const key = parse(BindingKeySchema, { channel, bridgeId, externalRoomId }, 'room binding')
      const binding = makeBinding(roomId, key, parse(RoomBindingInputSchema, attrs, 'room binding'), nowIso())
      if (!(await store.getRoom(roomId))) throw new NotFoundError(`room ${roomId} not found`, { roomId })
      return store.insertRoomBinding(binding)
    },

    listRoomBindings(roomId: string): Promise<RoomBinding[]> {
      return store.listRoomBindings(requireId(roomId, 'roomId'))
    },

    deleteRoomBinding(id: string): Promise<boolean> {
      return store.deleteRoomBinding(requireId(id, 'id'))
    },
  }
}
