import { signalFromJson, type JournalWrite, type Signal } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { createMemoryStore } from './memory-store.js'
import { journalMethods } from './journal.js'
import { createState } from './state.js'

// The journal's indexes and the all-or-nothing journaled writes, checked on the store's own state
// (the shared conformance suite covers the contract; timing would be flaky).

let n = 0
function signal(type: string, roomId: string | undefined, ms = 0): Signal {
  const json: Record<string, unknown> = {
    specversion: '1.0', id: `sig_${++n}`, source: '/jido/messaging/test', type, time: new Date(Date.UTC(2024, 0, 1) + ms).toISOString(),
    datacontenttype: 'application/json', data: { roomId: roomId ?? null }, correlationid: 'cor_1',
  }
  if (roomId !== undefined) json['subject'] = roomId
  return signalFromJson(json, 1)
}
const journal = <R>(signals: Signal[]): JournalWrite<R> => ({ signals: () => signals })

describe('memory journal', () => {
  it('seeks on its room, type and room+type indexes, and pruning trims them', async () => {
    const state = createState()
    const j = journalMethods(state)
    const types = ['jido.messaging.room.message_added', 'jido.messaging.message.edited', 'jido.messaging.thread.created']
    for (let i = 0; i < 300; i++) await j.appendSignals(journal([signal(types[i % 3]!, `room_${i % 4}`, i)]))
    await j.appendSignals(journal([signal('jido.messaging.bridge.status_changed', undefined, 300)]))

    const read = await j.readJournal({ after: 100, limit: 5, roomId: 'room_1', typePrefix: 'jido.messaging.message.' })
    // Position p holds i = p - 1: room i % 4, type i % 3.
    expect(read.map((e) => e.position)).toEqual([110, 122, 134, 146, 158])
    expect(read.every((e) => e.signal.subject === 'room_1' && e.signal.type === types[1])).toBe(true)
    const byType = await j.readJournal({ after: 290, limit: 10, typePrefix: 'jido.messaging.' })
    expect(byType.map((e) => e.position)).toEqual([291, 292, 293, 294, 295, 296, 297, 298, 299, 300])

    expect(await j.pruneJournal({ before: new Date(Date.UTC(2024, 0, 1) + 200).toISOString() })).toBe(200)
    const lists = [...state.journal.byRoom.values(), ...state.journal.byType.values(),
      ...[...state.journal.byRoomType.values()].flatMap((m) => [...m.values()])]
    expect(lists.every((list) => list[0]! > 200)).toBe(true)
    expect(state.journal.entries[0]!.position).toBe(201)
    expect((await j.readJournal({ after: 200, limit: 1000, roomId: 'room_3' })).map((e) => e.position)[0]).toBe(204)

    expect(await j.pruneJournal({ before: new Date(Date.UTC(2024, 0, 2)).toISOString() })).toBe(101)
    expect(state.journal.byRoom.size + state.journal.byType.size + state.journal.byRoomType.size).toBe(0)
    expect(await j.journalHead()).toEqual({ position: 301, prunedThrough: 301 })
  })

  it('a journal hook that throws fails the write with nothing changed', async () => {
    const store = createMemoryStore()
    const room = { id: 'room_1', type: 'group' as const, externalBindings: {}, metadata: {}, insertedAt: '2024-01-01T00:00:00.000Z' }
    const boom = new Error('hook failed')
    const throwing = { signals: () => { throw boom } }
    await expect(store.createRoom(room, [], throwing)).rejects.toBe(boom)
    expect(await store.getRoom(room.id)).toBeNull()

    await store.createRoom(room, [])
    const message = {
      id: 'msg_1', roomId: room.id, senderId: 'ptc_1', role: 'user' as const, content: [], status: 'sent' as const,
      reactions: {}, receipts: {}, metadata: {}, insertedAt: room.insertedAt, updatedAt: room.insertedAt,
    }
    await expect(store.commitMessage({ message, dedupe: { key: 'k', now: room.insertedAt, expiresAt: '2030-01-01T00:00:00.000Z' }, journal: throwing }))
      .rejects.toBe(boom)
    expect(await store.getMessage(message.id)).toBeNull()
    expect(await store.claimDedupeKey('k', { now: room.insertedAt, expiresAt: '2030-01-01T00:00:00.000Z' })).toBe(true)
    expect(await store.journalHead()).toEqual({ position: 0, prunedThrough: 0 })
  })

  it('a journal hook returning a promise is refused (the store never awaits inside a write)', async () => {
    const store = createMemoryStore()
    const room = { id: 'room_1', type: 'group' as const, externalBindings: {}, metadata: {}, insertedAt: '2024-01-01T00:00:00.000Z' }
    const async = { signals: async () => [signal('jido.messaging.room.created', room.id)] }
    await expect(store.createRoom(room, [], async)).rejects.toBeInstanceOf(TypeError)
    expect(await store.getRoom(room.id)).toBeNull()
    expect(await store.journalHead()).toEqual({ position: 0, prunedThrough: 0 })
  })
})
