import {
  newId,
  nowIso,
  positionOf,
  signalFromJson,
  signalToJson,
  type JournalEntry,
  type JournalReadOptions,
  type JournalWrite,
  type MessagingStore,
  type RoomMember,
  type Signal,
  type SignalData,
} from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { isoAt, makeBinding, makeDelivery, makeMessage, makeParticipant, makeRoom, makeThread } from '../factories.js'
import { concurrently, expectCode, rejectionOf, seedRoom, withPeer, type SuiteContext } from './context.js'

// ---- test signals ----

type CloudEventClass = new (attributes: Record<string, unknown>, strict: boolean) => Signal

/**
 * The CloudEvent class core builds its signals from. This package does not depend on `cloudevents`
 * itself; every signal core rebuilds is an instance of that class, so its constructor is the class.
 */
const CloudEvent = Object.getPrototypeOf(
  signalFromJson({
    specversion: '1.0', id: 'sig_probe', time: isoAt(0), type: 'jido.messaging.probe', source: '/jido/messaging/conformance',
    datacontenttype: 'application/json', data: {}, correlationid: 'cor_probe',
  }, 1),
).constructor as CloudEventClass

const T = {
  messageAdded: 'jido.messaging.room.message_added',
  roomCreated: 'jido.messaging.room.created',
  joined: 'jido.messaging.room.participant_joined',
  edited: 'jido.messaging.message.edited',
  deleted: 'jido.messaging.message.deleted',
  threadCreated: 'jido.messaging.thread.created',
  presence: 'jido.messaging.participant.presence_changed',
  bridgeStatus: 'jido.messaging.bridge.status_changed',
} as const

interface SignalSpec {
  type?: string
  /** The signal's subject (a room id); none for store-wide signals. */
  roomId?: string
  data?: SignalData
  /** The signal's `time` (ISO); now by default. */
  time?: string
  causationId?: string
}

/** A signal as core hands it to a store: a CloudEvent without a position. */
export function testSignal(spec: SignalSpec = {}): Signal {
  const attributes: Record<string, unknown> = {
    specversion: '1.0',
    id: newId('signal'),
    source: '/jido/messaging/conformance',
    type: spec.type ?? T.messageAdded,
    subject: spec.roomId,
    time: spec.time ?? nowIso(),
    datacontenttype: 'application/json',
    data: spec.data ?? { roomId: spec.roomId ?? null },
    correlationid: newId('correlation'),
  }
  if (spec.causationId !== undefined) attributes['causationid'] = spec.causationId
  return new CloudEvent(attributes, false)
}

/** A journal hook that records every result it is called with and the signals its last call returned. */
interface RecordingJournal<R> extends JournalWrite<R> {
  calls: number
  results: R[]
  /** What the last call returned: what the store must have appended. */
  appended: readonly Signal[]
}

function recording<R>(make: (result: R) => readonly Signal[]): RecordingJournal<R> {
  const journal: RecordingJournal<R> = {
    calls: 0,
    results: [],
    appended: [],
    signals(result: R) {
      journal.calls++
      journal.results.push(result)
      journal.appended = make(result)
      return journal.appended
    },
  }
  return journal
}

/** A hook returning the same signals whatever the result. */
const fixed = <R = unknown>(signals: readonly Signal[]): RecordingJournal<R> => recording<R>(() => signals)

/** Every entry after `after` (with the filters), read in pages of `limit` until a page comes back empty. */
async function readAll(store: MessagingStore, after: number, filter: Omit<JournalReadOptions, 'after' | 'limit'> = {}, limit = 1000): Promise<JournalEntry[]> {
  const out: JournalEntry[] = []
  let cursor = after
  for (;;) {
    const page = await store.readJournal({ after: cursor, limit, ...filter })
    if (page.length === 0) return out
    out.push(...page)
    cursor = page[page.length - 1]!.position
  }
}

const positions = (entries: readonly JournalEntry[]) => entries.map((e) => e.position)
const ids = (entries: readonly JournalEntry[]) => entries.map((e) => e.signal.id)

/** The entries are `signals`, rebuilt, at consecutive positions from `first`, each signal carrying its position. */
function expectEntries(entries: readonly JournalEntry[], signals: readonly Signal[], first: number): void {
  expect(positions(entries)).toEqual(signals.map((_, i) => first + i))
  expect(entries.map((e) => signalToJson(e.signal))).toEqual(signals.map((s) => signalToJson(s)))
  for (const entry of entries) {
    expect(entry.signal.type).toBe(signals.find((s) => s.id === entry.signal.id)?.type)
    expect(positionOf(entry.signal)).toBe(entry.position)
  }
}

const pause = (ms = 1) => new Promise<void>((resolve) => setTimeout(resolve, ms))

const member = (roomId: string, participantId = newId('participant')): RoomMember => ({ roomId, participantId, joinedAt: nowIso() })

// ---- the journaled writes ----

/** A journaled write: `prepare` seeds what the write needs and returns the write itself. */
interface WriteCase {
  name: string
  prepare(store: MessagingStore): Promise<{ roomId: string; write: (journal: JournalWrite<never>) => Promise<unknown> }>
}

const writeCases: WriteCase[] = [
  {
    name: 'createRoom',
    async prepare(store) {
      const room = makeRoom()
      return { roomId: room.id, write: (j) => store.createRoom(room, [makeBinding(room.id)], j) }
    },
  },
  {
    name: 'saveRoom (insert)',
    async prepare(store) {
      const room = makeRoom()
      return { roomId: room.id, write: (j) => store.saveRoom(room, [], j) }
    },
  },
  {
    name: 'saveRoom (replace)',
    async prepare(store) {
      const room = await seedRoom(store)
      return { roomId: room.id, write: (j) => store.saveRoom({ ...room, name: 'Renamed' }, [makeBinding(room.id)], j) }
    },
  },
  {
    name: 'getOrCreateRoomByBinding',
    async prepare(store) {
      const room = makeRoom()
      return { roomId: room.id, write: (j) => store.getOrCreateRoomByBinding(room, makeBinding(room.id), j) }
    },
  },
  {
    name: 'updateParticipant',
    async prepare(store) {
      const room = await seedRoom(store)
      const participant = await store.createParticipant(makeParticipant())
      return { roomId: room.id, write: (j) => store.updateParticipant(participant.id, (p) => ({ ...p, presence: 'online' }), j) }
    },
  },
  {
    name: 'addRoomMember',
    async prepare(store) {
      const room = await seedRoom(store)
      return { roomId: room.id, write: (j) => store.addRoomMember(member(room.id), j) }
    },
  },
  {
    name: 'removeRoomMember',
    async prepare(store) {
      const room = await seedRoom(store)
      const m = member(room.id)
      await store.addRoomMember(m)
      return { roomId: room.id, write: (j) => store.removeRoomMember(room.id, m.participantId, j) }
    },
  },
  {
    name: 'insertMessage',
    async prepare(store) {
      const room = await seedRoom(store)
      return { roomId: room.id, write: (j) => store.insertMessage(makeMessage(room.id), j) }
    },
  },
  {
    name: 'updateMessage',
    async prepare(store) {
      const room = await seedRoom(store)
      const message = await store.insertMessage(makeMessage(room.id))
      return { roomId: room.id, write: (j) => store.updateMessage(message.id, (m) => ({ ...m, status: 'delivered' }), j) }
    },
  },
  {
    name: 'deleteMessage',
    async prepare(store) {
      const room = await seedRoom(store)
      const message = await store.insertMessage(makeMessage(room.id))
      return { roomId: room.id, write: (j) => store.deleteMessage(message.id, j) }
    },
  },
  {
    name: 'getOrCreateThread',
    async prepare(store) {
      const room = await seedRoom(store)
      return { roomId: room.id, write: (j) => store.getOrCreateThread(makeThread(room.id, { externalThreadId: 'ext_thr' }), j) }
    },
  },
  {
    name: 'updateThread',
    async prepare(store) {
      const room = await seedRoom(store)
      const thread = await store.insertThread(makeThread(room.id))
      return { roomId: room.id, write: (j) => store.updateThread(thread.id, (t) => ({ ...t, status: 'closed' }), j) }
    },
  },
  {
    name: 'commitMessage',
    async prepare(store) {
      const room = await seedRoom(store)
      return {
        roomId: room.id,
        write: (j) => {
          const message = makeMessage(room.id)
          return store.commitMessage({
            message,
            deliveries: [makeDelivery(room.id, message.id)],
            dedupe: { key: `dk_${message.id}`, now: isoAt(0), expiresAt: isoAt(60_000) },
            member: member(room.id),
            journal: j,
          })
        },
      }
    },
  },
  {
    name: 'appendSignals',
    async prepare(store) {
      const room = await seedRoom(store)
      return { roomId: room.id, write: (j) => store.appendSignals(j) }
    },
  },
]

export function journalCases(ctx: SuiteContext): void {
  describe('signal journal', { timeout: 60_000 }, () => {
    it('a new store has an empty journal: head {position: 0, prunedThrough: 0}, nothing to read, nothing to prune', async () => {
      const store = ctx.store()
      expect(await store.journalHead()).toEqual({ position: 0, prunedThrough: 0 })
      expect(await store.readJournal({ after: 0, limit: 10 })).toEqual([])
      expect(await store.pruneJournal({ before: isoAt(365 * 86_400_000) })).toBe(0)
      expect(await store.journalHead()).toEqual({ position: 0, prunedThrough: 0 })
    })

    describe('each journaled write appends the signals its hook returns', () => {
      for (const write of writeCases) {
        it(`${write.name}: at consecutive new positions, set as firstPosition, read back rebuilt`, async () => {
          const store = ctx.store()
          const { roomId, write: run } = await write.prepare(store)
          const before = await store.journalHead()
          const journal = recording<unknown>(() => [
            testSignal({ roomId, type: T.messageAdded, data: { roomId, n: 1, nested: { list: [1, 'two', null] } } }),
            testSignal({ roomId, type: T.edited, data: { roomId, text: 'héllo 👋' }, causationId: newId('signal') }),
            testSignal({ roomId, type: T.joined, data: { roomId } }),
          ])
          const result = await run(journal as JournalWrite<never>)

          expect(journal.calls).toBeGreaterThanOrEqual(1)
          expect(journal.results[journal.results.length - 1]).toEqual(result)
          const first = before.position + 1
          expect(journal.firstPosition).toBe(first)
          expectEntries(await store.readJournal({ after: before.position, limit: 100 }), journal.appended, first)
          expect(await store.journalHead()).toEqual({ position: before.position + 3, prunedThrough: 0 })

          // A later write goes above them.
          const next = fixed([testSignal({ roomId })])
          await store.appendSignals(next)
          expect(next.firstPosition).toBeGreaterThan(first + 2)
        })
      }
    })

    // Positions need not be gapless across writes (a store may skip positions it never commits), but
    // the first is 1 and each write's signals are consecutive.
    it('positions start at 1 and keep increasing across writes of every kind', async () => {
      const store = ctx.store()
      const firstRoom = makeRoom()
      const a = fixed([testSignal({ roomId: firstRoom.id, type: T.roomCreated })])
      await store.createRoom(firstRoom, [], a)
      expect(a.firstPosition).toBe(1)
      const b = fixed([testSignal({ roomId: firstRoom.id }), testSignal({ roomId: firstRoom.id })])
      await store.insertMessage(makeMessage(firstRoom.id), b)
      expect(b.firstPosition).toBeGreaterThan(1)
      const c = fixed([testSignal({ type: T.bridgeStatus })])
      await store.appendSignals(c)
      expect(c.firstPosition).toBeGreaterThan(b.firstPosition! + 1)
      expect(positions(await readAll(store, 0))).toEqual([1, b.firstPosition, b.firstPosition! + 1, c.firstPosition])
      expect(await store.journalHead()).toEqual({ position: c.firstPosition, prunedThrough: 0 })
    })

    it('a hook returning no signals consumes no position and leaves firstPosition unset', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      await store.appendSignals(fixed([testSignal({ roomId: room.id })]))
      const head = await store.journalHead()

      const none = fixed<unknown>([])
      await store.insertMessage(makeMessage(room.id), none as JournalWrite<never>)
      expect(none.calls).toBeGreaterThanOrEqual(1)
      expect(none.firstPosition).toBeUndefined()
      const noneAppend = fixed<void>([])
      await store.appendSignals(noneAppend)
      expect(noneAppend.firstPosition).toBeUndefined()
      expect(await store.journalHead()).toEqual(head)
      expect(await store.readJournal({ after: head.position, limit: 10 })).toEqual([])

      const next = fixed([testSignal({ roomId: room.id })])
      await store.appendSignals(next)
      expect(next.firstPosition).toBe(head.position + 1)
    })

    it('the hook receives the write\'s own result, also when the write changed nothing', async () => {
      const store = ctx.store()
      const onChange = <R>(changed: (r: R) => boolean) => recording<R>((r) => (changed(r) ? [testSignal()] : []))
      const room = await seedRoom(store)

      // Messages: changed, unchanged, missing; deleted, already gone.
      const message = await store.insertMessage(makeMessage(room.id))
      const edited = onChange<Awaited<ReturnType<MessagingStore['updateMessage']>>>((r) => r?.changed === true)
      const editResult = await store.updateMessage(message.id, (m) => ({ ...m, status: 'read' }), edited)
      expect(edited.results.at(-1)).toEqual({ record: { ...message, status: 'read' }, changed: true })
      expect(editResult).toEqual(edited.results.at(-1))
      expect(edited.firstPosition).toBeTypeOf('number')
      const unchanged = onChange<Awaited<ReturnType<MessagingStore['updateMessage']>>>((r) => r?.changed === true)
      await store.updateMessage(message.id, () => undefined, unchanged)
      expect(unchanged.results.at(-1)).toEqual({ record: { ...message, status: 'read' }, changed: false })
      expect(unchanged.firstPosition).toBeUndefined()
      const missing = onChange<Awaited<ReturnType<MessagingStore['updateMessage']>>>((r) => r !== null)
      expect(await store.updateMessage('msg_missing', (m) => m, missing)).toBeNull()
      expect(missing.results).toEqual([null])
      const deleted = onChange<boolean>((r) => r)
      await store.deleteMessage(message.id, deleted)
      expect(deleted.results.at(-1)).toBe(true)
      const deletedAgain = onChange<boolean>((r) => r)
      await store.deleteMessage(message.id, deletedAgain)
      expect(deletedAgain.results).toEqual([false])
      expect(deletedAgain.firstPosition).toBeUndefined()

      // Members: added, already a member; removed, not a member.
      const m = member(room.id)
      const added = onChange<boolean>((r) => r)
      await store.addRoomMember(m, added)
      expect(added.results.at(-1)).toBe(true)
      const addedAgain = onChange<boolean>((r) => r)
      await store.addRoomMember(m, addedAgain)
      expect(addedAgain.results.at(-1)).toBe(false)
      expect(addedAgain.firstPosition).toBeUndefined()
      const removed = onChange<boolean>((r) => r)
      await store.removeRoomMember(room.id, m.participantId, removed)
      expect(removed.results.at(-1)).toBe(true)
      const removedAgain = onChange<boolean>((r) => r)
      await store.removeRoomMember(room.id, m.participantId, removedAgain)
      expect(removedAgain.results.at(-1)).toBe(false)

      // Participants: unchanged, missing.
      const participant = await store.createParticipant(makeParticipant())
      const pUnchanged = onChange<unknown>(() => false)
      await store.updateParticipant(participant.id, () => undefined, pUnchanged as JournalWrite<never>)
      expect(pUnchanged.results.at(-1)).toEqual({ record: participant, changed: false })
      const pMissing = onChange<unknown>(() => false)
      await store.updateParticipant('ptc_missing', (p) => p, pMissing as JournalWrite<never>)
      expect(pMissing.results).toEqual([null])

      // Threads: created, found; unchanged.
      const candidate = makeThread(room.id, { externalThreadId: 'ext_thr_1' })
      const created = onChange<{ created: boolean }>((r) => r.created)
      const thread = (await store.getOrCreateThread(candidate, created as JournalWrite<never>)).thread
      expect(created.results.at(-1)).toEqual({ thread: candidate, created: true })
      const found = onChange<{ created: boolean }>((r) => r.created)
      await store.getOrCreateThread(makeThread(room.id, { externalThreadId: 'ext_thr_1' }), found as JournalWrite<never>)
      expect(found.results.at(-1)).toEqual({ thread, created: false })
      expect(found.firstPosition).toBeUndefined()
      const tUnchanged = onChange<unknown>(() => false)
      await store.updateThread(thread.id, () => undefined, tUnchanged as JournalWrite<never>)
      expect(tUnchanged.results.at(-1)).toEqual({ record: thread, changed: false })

      // Rooms by binding: created, found.
      const boundRoom = makeRoom()
      const binding = makeBinding(boundRoom.id)
      const bound = onChange<{ created: boolean }>((r) => r.created)
      const first = await store.getOrCreateRoomByBinding(boundRoom, binding, bound as JournalWrite<never>)
      expect(bound.results.at(-1)).toEqual({ ...first, created: true })
      const boundAgain = onChange<{ created: boolean }>((r) => r.created)
      const other = makeRoom()
      await store.getOrCreateRoomByBinding(other, makeBinding(other.id, { externalRoomId: binding.externalRoomId }), boundAgain as JournalWrite<never>)
      expect(boundAgain.results.at(-1)).toEqual({ room: first.room, binding: first.binding, created: false })

      // commitMessage: created (with the member added), then duplicate of the same dedupe key.
      const dedupe = { key: `dk_${newId('message')}`, now: isoAt(0), expiresAt: isoAt(60_000) }
      const committed = makeMessage(room.id)
      const sender = member(room.id)
      const commit = onChange<{ status: string }>((r) => r.status === 'created')
      await store.commitMessage({ message: committed, dedupe, member: sender, journal: commit as JournalWrite<never> })
      expect(commit.results.at(-1)).toEqual({ status: 'created', message: committed, memberAdded: true })
      const duplicate = onChange<{ status: string }>((r) => r.status === 'created')
      await store.commitMessage({ message: makeMessage(room.id), dedupe, journal: duplicate as JournalWrite<never> })
      expect(duplicate.results).toEqual([{ status: 'duplicate', messageId: committed.id }])
      expect(duplicate.firstPosition).toBeUndefined()

      // appendSignals calls the hook with no result.
      const plain = recording<void>(() => [testSignal()])
      await store.appendSignals(plain)
      expect(plain.calls).toBeGreaterThanOrEqual(1)
      expect(plain.results.every((r) => r === undefined)).toBe(true)

      // Exactly the signals of the writes that changed something were appended, in write order.
      const appendedBy = [edited, deleted, added, removed, created, bound, commit, plain]
      const entries = await readAll(store, 0)
      expect(ids(entries)).toEqual(appendedBy.flatMap((j) => j.appended.map((s) => s.id)))
      expect(positions(entries)).toEqual(appendedBy.map((j) => j.firstPosition))
    })

    it('a write that fails appends nothing', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const message = await store.insertMessage(makeMessage(room.id))
      const participant = await store.createParticipant(makeParticipant({ externalIds: { telegram: 'u1' } }))
      const other = await store.createParticipant(makeParticipant({ externalIds: { telegram: 'u2' } }))
      await store.appendSignals(fixed([testSignal({ roomId: room.id })]))
      const head = await store.journalHead()
      const j = () => fixed<never>([testSignal({ roomId: room.id }), testSignal({ roomId: room.id })])

      await expectCode(store.insertMessage({ ...message, content: [{ type: 'text', text: 'other' }] }, j()), 'CONFLICT')
      await expectCode(store.insertMessage(makeMessage('room_missing'), j()), 'NOT_FOUND')
      await expectCode(store.createRoom({ ...room }, [], j()), 'CONFLICT')
      const boundElsewhere = makeBinding(room.id)
      await store.insertRoomBinding(boundElsewhere)
      const otherRoom = await seedRoom(store)
      await expectCode(store.saveRoom({ ...otherRoom, name: 'Renamed' }, [makeBinding(otherRoom.id, { externalRoomId: boundElsewhere.externalRoomId })], j()), 'CONFLICT')
      await expectCode(store.commitMessage({
        message: { ...message },
        dedupe: { key: `dk_${newId('message')}`, now: isoAt(0), expiresAt: isoAt(60_000) },
        journal: j(),
      }), 'CONFLICT')
      await expectCode(store.updateParticipant(participant.id, (p) => ({ ...p, externalIds: other.externalIds }), j()), 'CONFLICT')
      const boom = new Error('updater failed')
      expect(await rejectionOf(store.updateMessage(message.id, () => {
        throw boom
      }, j()))).toBe(boom)

      expect(await store.journalHead()).toEqual(head)
      expect(await store.readJournal({ after: head.position, limit: 100 })).toEqual([])
      expect(await store.getMessage(message.id)).toEqual(message)

      // The next successful write appends only its own signals, above every earlier position.
      const next = fixed([testSignal({ roomId: room.id })])
      await store.appendSignals(next)
      const after = await store.readJournal({ after: head.position, limit: 100 })
      expect(ids(after)).toEqual(next.appended.map((s) => s.id))
      expect(after[0]!.position).toBeGreaterThan(head.position)
      expect(next.firstPosition).toBe(after[0]!.position)
    })

    it('readJournal filters by room and type prefix, honours after and limit, ascending', async () => {
      const store = ctx.store()
      const a = await seedRoom(store)
      const b = await seedRoom(store)
      const specs: SignalSpec[] = [
        { roomId: a.id, type: T.messageAdded },
        { roomId: b.id, type: T.messageAdded },
        { roomId: a.id, type: T.edited },
        { type: T.bridgeStatus },
        { roomId: a.id, type: T.threadCreated },
        { roomId: b.id, type: T.deleted },
        { roomId: a.id, type: T.deleted },
        { roomId: a.id, type: T.messageAdded },
      ]
      const signals = specs.map((s) => testSignal(s))
      // Some in one write, some in writes of their own.
      await store.appendSignals(fixed(signals.slice(0, 3)))
      for (const signal of signals.slice(3)) await store.appendSignals(fixed([signal]))

      const all = await store.readJournal({ after: 0, limit: 1000 })
      expectEntries(all, signals, 1)
      const pos = (i: number) => all[i]!.position
      const pick = (entries: JournalEntry[]) => ids(entries)
      const expected = (pred: (s: Signal) => boolean, after = 0) =>
        all.filter((e) => e.position > after && pred(e.signal)).map((e) => e.signal.id)

      expect(pick(await store.readJournal({ after: 0, limit: 100, roomId: a.id }))).toEqual(expected((s) => s.subject === a.id))
      expect(pick(await store.readJournal({ after: 0, limit: 100, roomId: b.id }))).toEqual(expected((s) => s.subject === b.id))
      expect(await store.readJournal({ after: 0, limit: 100, roomId: 'room_missing' })).toEqual([])
      expect(pick(await store.readJournal({ after: 0, limit: 100, typePrefix: 'jido.messaging.message.' })))
        .toEqual(expected((s) => s.type.startsWith('jido.messaging.message.')))
      expect(pick(await store.readJournal({ after: 0, limit: 100, typePrefix: T.messageAdded })))
        .toEqual(expected((s) => s.type === T.messageAdded))
      expect(pick(await store.readJournal({ after: 0, limit: 100, roomId: a.id, typePrefix: 'jido.messaging.message.' })))
        .toEqual(expected((s) => s.subject === a.id && s.type.startsWith('jido.messaging.message.')))
      expect(pick(await store.readJournal({ after: 0, limit: 100, typePrefix: 'jido.messaging.' }))).toEqual(ids(all))
      expect(await store.readJournal({ after: 0, limit: 100, typePrefix: 'jido.other.' })).toEqual([])

      // after is exclusive; limit keeps the lowest positions.
      expect(pick(await store.readJournal({ after: pos(2), limit: 100 }))).toEqual(ids(all.slice(3)))
      expect(pick(await store.readJournal({ after: pos(2), limit: 2 }))).toEqual(ids(all.slice(3, 5)))
      expect(pick(await store.readJournal({ after: 0, limit: 1 }))).toEqual(ids(all.slice(0, 1)))
      expect(pick(await store.readJournal({ after: pos(1), limit: 2, roomId: a.id }))).toEqual(expected((s) => s.subject === a.id, pos(1)).slice(0, 2))
      expect(await store.readJournal({ after: pos(7), limit: 100 })).toEqual([])
      expect(await store.readJournal({ after: pos(7) + 1000, limit: 100 })).toEqual([])

      // Paging with limit 1 (and with a room filter) visits every entry once, in order.
      expect(ids(await readAll(store, 0, {}, 1))).toEqual(ids(all))
      expect(ids(await readAll(store, 0, { roomId: a.id }, 2))).toEqual(expected((s) => s.subject === a.id))
      expect(ids(await readAll(store, 0, { roomId: b.id, typePrefix: 'jido.messaging.message.' }, 1)))
        .toEqual(expected((s) => s.subject === b.id && s.type.startsWith('jido.messaging.message.')))
    })

    it('typePrefix matches literally: _ and % in it are not wildcards', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const types = ['jido.messaging.room.order_placed', 'jido.messaging.room.orderXplaced', 'jido.messaging.room.100%_done', 'jido.messaging.room.100xydone']
      const signals = types.map((type) => testSignal({ roomId: room.id, type }))
      await store.appendSignals(fixed(signals))
      const read = async (typePrefix: string) => (await store.readJournal({ after: 0, limit: 100, typePrefix })).map((e) => e.signal.type)
      expect(await read('jido.messaging.room.order_')).toEqual(['jido.messaging.room.order_placed'])
      expect(await read('jido.messaging.room.100%')).toEqual(['jido.messaging.room.100%_done'])
      expect(await read('jido.messaging.room.100%_')).toEqual(['jido.messaging.room.100%_done'])
      expect(await read('jido.messaging.room.order')).toEqual(types.slice(0, 2))
    })

    it('signals of one write sharing a data object read back whole, alone, filtered, and after the first is pruned', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const shared: SignalData = { roomId: room.id, message: { id: 'msg_shared', content: [{ type: 'text', text: 'once, "quoted", \\ and ,"data":0,' }] } }
      const other: SignalData = { roomId: room.id, note: 'own data' }
      const signals = [
        testSignal({ roomId: room.id, type: T.messageAdded, data: shared, time: isoAt(10) }),
        testSignal({ roomId: room.id, type: T.joined, data: other, time: isoAt(10) }),
        testSignal({ roomId: room.id, type: T.edited, data: shared, time: isoAt(10) }),
        testSignal({ roomId: room.id, type: 'jido.messaging.message.received', data: shared, time: isoAt(20) }),
      ]
      const journal = fixed(signals)
      await store.appendSignals(journal)
      const first = journal.firstPosition!
      expectEntries(await store.readJournal({ after: 0, limit: 100 }), signals, first)
      // Alone in a page, without the rows that share its data.
      for (let i = 0; i < signals.length; i++) {
        const [entry] = await store.readJournal({ after: first + i - 1, limit: 1 })
        expect(signalToJson(entry!.signal)).toEqual(signalToJson(signals[i]!))
      }
      const added = await store.readJournal({ after: 0, limit: 100, typePrefix: T.messageAdded })
      expect(added.map((e) => e.signal.data)).toEqual([shared])
      expect((await store.readJournal({ after: 0, limit: 100, roomId: room.id, typePrefix: T.edited })).map((e) => e.signal.data)).toEqual([shared])
      // Pruning the older three keeps the last one whole.
      expect(await store.pruneJournal({ before: isoAt(15) })).toBe(3)
      const rest = await store.readJournal({ after: first + 2, limit: 100 })
      expect(rest.map((e) => signalToJson(e.signal))).toEqual([signalToJson(signals[3]!)])
    })

    it('200 concurrent journaled writes get distinct positions, each write\'s signals consecutive, all read back in order', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const journals = await concurrently(200, async (i) => {
        const kind = i % 4
        const count = kind === 0 ? 2 : 1
        const journal = fixed<never>(Array.from({ length: count }, (_, k) => testSignal({ roomId: room.id, data: { roomId: room.id, i, k } })))
        if (kind === 0) await store.appendSignals(journal)
        else if (kind === 1) await store.insertMessage(makeMessage(room.id), journal)
        else if (kind === 2) await store.addRoomMember(member(room.id), journal)
        else await store.commitMessage({ message: makeMessage(room.id), member: member(room.id), journal })
        return journal
      })
      const total = journals.reduce((n, j) => n + j.appended.length, 0)
      const entries = await readAll(store, 0)
      expect(entries).toHaveLength(total)
      const ordered = positions(entries)
      for (let i = 1; i < ordered.length; i++) expect(ordered[i]!).toBeGreaterThan(ordered[i - 1]!)
      expect(new Set(journals.map((j) => j.firstPosition)).size).toBe(200)

      const byId = new Map(entries.map((e) => [e.signal.id, e]))
      for (const journal of journals) {
        expect(journal.firstPosition).toBeTypeOf('number')
        journal.appended.forEach((signal, k) => {
          const entry = byId.get(signal.id)
          expect(entry?.position).toBe(journal.firstPosition! + k)
          expect(entry?.signal.data).toEqual(signal.data)
        })
      }
      expect(await store.journalHead()).toEqual({ position: ordered[ordered.length - 1], prunedThrough: 0 })
    })

    describe('pruning', () => {
      /** Appends one signal per time, each in a write of its own; resolves their positions. */
      async function appendAt(store: MessagingStore, roomId: string, times: number[]): Promise<number[]> {
        const out: number[] = []
        for (const t of times) {
          const journal = fixed([testSignal({ roomId, time: isoAt(t) })])
          await store.appendSignals(journal)
          out.push(journal.firstPosition!)
        }
        return out
      }

      it('pruneJournal deletes the prefix older than `before`, raises prunedThrough, and expires older cursors', async () => {
        const store = ctx.store()
        const room = await seedRoom(store)
        const p = await appendAt(store, room.id, [10, 20, 30, 40, 50, 60])

        expect(await store.pruneJournal({ before: isoAt(35) })).toBe(3)
        expect(await store.journalHead()).toEqual({ position: p[5], prunedThrough: p[2] })
        expect(positions(await store.readJournal({ after: p[2]!, limit: 100 }))).toEqual(p.slice(3))
        expect(positions(await store.readJournal({ after: p[3]!, limit: 100, roomId: room.id }))).toEqual(p.slice(4))

        for (const after of [0, p[0]!, p[1]!]) {
          const error = await rejectionOf(store.readJournal({ after, limit: 100 }))
          expect((error as { code?: unknown }).code).toBe('CURSOR_EXPIRED')
          expect((error as { details?: unknown }).details).toMatchObject({ requestedAfter: after, prunedThrough: p[2] })
        }
        await expectCode(store.readJournal({ after: 0, limit: 100, roomId: room.id }), 'CURSOR_EXPIRED')
        await expectCode(store.readJournal({ after: 0, limit: 100, typePrefix: 'jido.messaging.' }), 'CURSOR_EXPIRED')

        // Nothing older left: a second prune deletes nothing and keeps prunedThrough.
        expect(await store.pruneJournal({ before: isoAt(35) })).toBe(0)
        expect(await store.journalHead()).toEqual({ position: p[5], prunedThrough: p[2] })

        // A signal exactly at `before` is not older than it.
        expect(await store.pruneJournal({ before: isoAt(40) })).toBe(0)
        expect(await store.pruneJournal({ before: isoAt(41) })).toBe(1)
        expect(await store.journalHead()).toEqual({ position: p[5], prunedThrough: p[3] })

        const next = fixed([testSignal({ roomId: room.id, time: isoAt(70) })])
        await store.appendSignals(next)
        expect(next.firstPosition).toBeGreaterThan(p[5]!)
        expect(positions(await store.readJournal({ after: p[3]!, limit: 100 }))).toEqual([p[4], p[5], next.firstPosition])
      })

      it('pruneJournal stops at the first entry that is not older, so what it prunes is always a prefix', async () => {
        const store = ctx.store()
        const room = await seedRoom(store)
        const p = await appendAt(store, room.id, [10, 20, 90, 30, 40])
        expect(await store.pruneJournal({ before: isoAt(50) })).toBe(2)
        expect(await store.journalHead()).toEqual({ position: p[4], prunedThrough: p[1] })
        expect(positions(await store.readJournal({ after: p[1]!, limit: 100 }))).toEqual(p.slice(2))
        await expectCode(store.readJournal({ after: p[0]!, limit: 100 }), 'CURSOR_EXPIRED')
      })

      it('a pruned-out journal never reuses a position: head keeps the last one and the next append goes above it', async () => {
        const store = ctx.store()
        const room = await seedRoom(store)
        const p = await appendAt(store, room.id, [10, 20, 30])
        expect(await store.pruneJournal({ before: isoAt(1000) })).toBe(3)
        expect(await store.journalHead()).toEqual({ position: p[2], prunedThrough: p[2] })
        expect(await store.readJournal({ after: p[2]!, limit: 100 })).toEqual([])
        await expectCode(store.readJournal({ after: p[1]!, limit: 100 }), 'CURSOR_EXPIRED')

        const room2 = makeRoom()
        const next = fixed([testSignal({ roomId: room2.id, time: isoAt(2000) }), testSignal({ roomId: room2.id, time: isoAt(2000) })])
        await store.createRoom(room2, [], next)
        expect(next.firstPosition).toBeGreaterThan(p[2]!)
        const read = await store.readJournal({ after: p[2]!, limit: 100 })
        expectEntries(read, next.appended, next.firstPosition!)
        expect(await store.journalHead()).toEqual({ position: next.firstPosition! + 1, prunedThrough: p[2] })
      })
    })

    describe('subscription checkpoints', () => {
      it('resolve null when absent, the saved position, keep the highest of saves, and are forgotten on delete', async () => {
        const store = ctx.store()
        expect(await store.getSubscriptionCheckpoint('audit')).toBeNull()
        await store.saveSubscriptionCheckpoint('audit', 5, isoAt(1))
        expect(await store.getSubscriptionCheckpoint('audit')).toBe(5)
        await store.saveSubscriptionCheckpoint('audit', 3, isoAt(2))
        expect(await store.getSubscriptionCheckpoint('audit')).toBe(5)
        await store.saveSubscriptionCheckpoint('audit', 5, isoAt(3))
        expect(await store.getSubscriptionCheckpoint('audit')).toBe(5)
        await store.saveSubscriptionCheckpoint('audit', 12, isoAt(4))
        expect(await store.getSubscriptionCheckpoint('audit')).toBe(12)

        await store.saveSubscriptionCheckpoint('search-index', 2, isoAt(5))
        expect(await store.getSubscriptionCheckpoint('search-index')).toBe(2)
        expect(await store.getSubscriptionCheckpoint('audit')).toBe(12)

        expect(await store.deleteSubscriptionCheckpoint('audit')).toBe(true)
        expect(await store.getSubscriptionCheckpoint('audit')).toBeNull()
        expect(await store.deleteSubscriptionCheckpoint('audit')).toBe(false)
        expect(await store.getSubscriptionCheckpoint('search-index')).toBe(2)

        // Forgotten means forgotten: a new save starts over, lower than the deleted one.
        await store.saveSubscriptionCheckpoint('audit', 1, isoAt(6))
        expect(await store.getSubscriptionCheckpoint('audit')).toBe(1)
      })

      it('listSubscriptionCheckpoints lists every stored checkpoint by name with its position and save time', async () => {
        const store = ctx.store()
        expect(await store.listSubscriptionCheckpoints()).toEqual([])
        await store.saveSubscriptionCheckpoint('jido:outbound-changes', 7, isoAt(1))
        await store.saveSubscriptionCheckpoint('agent:room_1:echo', 3, isoAt(2))
        await store.saveSubscriptionCheckpoint('Audit', 9, isoAt(3))
        await store.saveSubscriptionCheckpoint('agent:room_1:echo', 5, isoAt(4))
        await store.saveSubscriptionCheckpoint('jido:outbound-changes', 2, isoAt(5)) // lower: ignored
        expect(await store.listSubscriptionCheckpoints()).toEqual([
          { name: 'Audit', position: 9, updatedAt: isoAt(3) },
          { name: 'agent:room_1:echo', position: 5, updatedAt: isoAt(4) },
          { name: 'jido:outbound-changes', position: 7, updatedAt: isoAt(1) },
        ])
        await store.deleteSubscriptionCheckpoint('Audit')
        expect((await store.listSubscriptionCheckpoints()).map((c) => c.name)).toEqual(['agent:room_1:echo', 'jido:outbound-changes'])
      })

      it('concurrent saves of one checkpoint keep the highest position', async () => {
        const store = ctx.store()
        const order = [7, 3, 19, 1, 12, 19, 4, 18, 2, 11]
        await concurrently(order.length, (i) => store.saveSubscriptionCheckpoint('workers', order[i]!, isoAt(i)))
        expect(await store.getSubscriptionCheckpoint('workers')).toBe(19)
      })
    })

    it('journal entries are copies: mutating a signal after the write or a read entry changes nothing stored', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const data = { roomId: room.id, nested: { list: [1, 2] as unknown[], label: 'a' } }
      const signal = testSignal({ roomId: room.id, data })
      await store.appendSignals(fixed([signal]))
      const expected = { roomId: room.id, nested: { list: [1, 2], label: 'a' } }

      // The data object the write's signal carried, mutated after the write.
      data.nested.list.push('mutated')
      data.nested.label = 'mutated'
      const [first] = await store.readJournal({ after: 0, limit: 10 })
      expect(first!.signal.data).toEqual(expected)

      // A read entry's data, mutated (it may be frozen, which protects it too).
      try {
        const read = first!.signal.data as typeof data
        read.nested.list.push('mutated')
        read.nested.label = 'mutated'
      } catch (error) {
        expect(error).toBeInstanceOf(TypeError)
      }
      first!.position = 999
      const [again] = await store.readJournal({ after: 0, limit: 10 })
      expect(again!.signal.data).toEqual(expected)
      expect(again!.position).toBe(1)
      expect(positionOf(again!.signal)).toBe(1)
    })

    describe('across two handles (crossProcess)', () => {
      const skip = !ctx.caps.crossProcess

      it.skipIf(skip)('writes on both handles get distinct positions; polling readers on each see every entry, in position order', async () => {
        await withPeer(ctx, async (a, b) => {
          const room = await seedRoom(a)
          let writing = true
          const writers = concurrently(80, async (i) => {
            const store = i % 2 === 0 ? a : b
            const count = i % 3 === 0 ? 2 : 1
            const journal = fixed<never>(Array.from({ length: count }, () => testSignal({ roomId: room.id })))
            if (i % 4 === 1) await store.insertMessage(makeMessage(room.id), journal)
            else if (i % 4 === 3) await store.commitMessage({ message: makeMessage(room.id), journal })
            else await store.appendSignals(journal)
            return journal
          }).finally(() => {
            writing = false
          })

          // Each reader follows the journal with an advancing cursor until the writers are done and a
          // read started after that finds nothing new. An entry committed below a position it already
          // read would be skipped, and found missing below.
          const follow = async (store: MessagingStore, limit: number) => {
            const seen: JournalEntry[] = []
            let cursor = 0
            for (;;) {
              const finished = !writing
              const page = await store.readJournal({ after: cursor, limit })
              for (const entry of page) {
                if (entry.position <= cursor) throw new Error(`read position ${entry.position} after having read ${cursor}`)
                cursor = entry.position
                seen.push(entry)
              }
              if (page.length === 0) {
                if (finished) return seen
                await pause()
              }
            }
          }
          const settled = await Promise.allSettled([writers, follow(a, 7), follow(b, 3), follow(a, 1000)])
          for (const s of settled) if (s.status === 'rejected') throw s.reason
          const journals = await writers
          const [, ...readers] = settled as Array<PromiseFulfilledResult<unknown>>

          const written = journals.flatMap((j) => j.appended.map((s) => s.id))
          const full = await readAll(a, 0)
          expect(new Set(ids(full))).toEqual(new Set(written))
          expect(full).toHaveLength(written.length)
          for (const reader of readers) expect(ids(reader.value as JournalEntry[])).toEqual(ids(full))

          const byId = new Map(full.map((e) => [e.signal.id, e.position]))
          for (const journal of journals) {
            journal.appended.forEach((signal, k) => expect(byId.get(signal.id)).toBe(journal.firstPosition! + k))
          }
          const head = { position: full[full.length - 1]!.position, prunedThrough: 0 }
          expect(await a.journalHead()).toEqual(head)
          expect(await b.journalHead()).toEqual(head)
        })
      })

      it.skipIf(skip)('pruning and checkpoints on one handle are seen by the other', async () => {
        await withPeer(ctx, async (a, b) => {
          const room = await seedRoom(a)
          const first = fixed([testSignal({ roomId: room.id, time: isoAt(10) })])
          await a.appendSignals(first)
          const second = fixed([testSignal({ roomId: room.id, time: isoAt(20) })])
          await b.appendSignals(second)
          expect(second.firstPosition).toBeGreaterThan(first.firstPosition!)
          expect(await b.pruneJournal({ before: isoAt(15) })).toBe(1)
          await expectCode(a.readJournal({ after: 0, limit: 10 }), 'CURSOR_EXPIRED')
          expect(ids(await a.readJournal({ after: first.firstPosition!, limit: 10 }))).toEqual([second.appended[0]!.id])

          await a.saveSubscriptionCheckpoint('audit', 8, isoAt(1))
          await b.saveSubscriptionCheckpoint('audit', 4, isoAt(2))
          expect(await b.getSubscriptionCheckpoint('audit')).toBe(8)
          expect(await b.deleteSubscriptionCheckpoint('audit')).toBe(true)
          expect(await a.getSubscriptionCheckpoint('audit')).toBeNull()
        })
      })
    })
  })
}
