import type { DirectoryQuery, DirectoryStore, MessagingStore, Page, Participant, Room } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { makeBinding, makeParticipant, makeRoom } from '../factories.js'
import { expectCode, idsOf, type SuiteContext } from './context.js'

type DirStore = MessagingStore & DirectoryStore

/** Every page of a search, followed to the end; checks each page's size on the way. */
async function searchAll<T>(
  search: (query: DirectoryQuery, options: { limit: number; cursor?: string }) => Promise<Page<T>>,
  query: DirectoryQuery,
  limit = 1000,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = []
  let cursor: string | undefined
  let pages = 0
  do {
    const page = await search(query, cursor === undefined ? { limit } : { limit, cursor })
    expect(page.items.length).toBeLessThanOrEqual(limit)
    items.push(...page.items)
    cursor = page.nextCursor
    if (++pages > 1000) throw new Error('the cursor never ends')
  } while (cursor !== undefined)
  return { items, pages }
}

const sortedIds = (records: ReadonlyArray<{ id: string }>) => idsOf(records).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))

export function directoryCases(ctx: SuiteContext): void {
  const store = () => ctx.store() as DirStore
  const people = (query: DirectoryQuery, limit?: number) => searchAll((q, o) => store().searchParticipants(q, o), query, limit)
  const rooms = (query: DirectoryQuery, limit?: number) => searchAll((q, o) => store().searchRooms(q, o), query, limit)
  const person = (id: string, name: string | undefined, overrides: Partial<Participant> = {}) =>
    store().createParticipant(makeParticipant({ id, identity: name === undefined ? {} : { name }, ...overrides }))

  describe('directory', { timeout: 60_000 }, () => {
    it('a name matches as a case-insensitive substring of identity.name, results ordered by id', async () => {
      // Created out of id order, so creation order and id order differ.
      await person('ptc_d', 'Ada Lovelace')
      await person('ptc_b', 'ADAM Smith')
      await person('ptc_c', 'Grace Hopper')
      await person('ptc_a', 'lovelace fan')
      await person('ptc_e', undefined, { identity: { username: 'ada', displayName: 'Ada' } })
      expect(idsOf((await people({ name: 'ada' })).items)).toEqual(['ptc_b', 'ptc_d'])
      expect(idsOf((await people({ name: 'LOVELACE' })).items)).toEqual(['ptc_a', 'ptc_d'])
      expect(idsOf((await people({ name: 'ace h' })).items)).toEqual(['ptc_c'])
      expect(idsOf((await people({ name: 'Ada Lovelace' })).items)).toEqual(['ptc_d'])
      expect((await people({ name: 'ada lovelace!' })).items).toEqual([])
      expect((await people({ name: 'zzz' })).items).toEqual([])
      // Queries shorter than a trigram.
      expect(idsOf((await people({ name: 'ce' })).items)).toEqual(['ptc_a', 'ptc_c', 'ptc_d'])
      expect(idsOf((await people({ name: 'S' })).items)).toEqual(['ptc_b'])
      // Whole records come back.
      expect((await people({ name: 'grace' })).items).toEqual([await store().getParticipant('ptc_c')])
    })

    it('matches beyond ASCII, and LIKE wildcards in a query are plain characters', async () => {
      await person('ptc_1', 'Émile Zola')
      await person('ptc_2', 'ÖZIL')
      await person('ptc_3', '100% sure')
      await person('ptc_4', '1000 sure')
      await person('ptc_5', 'snake_case')
      await person('ptc_6', 'snakeXcase')
      expect(idsOf((await people({ name: 'ÉMILE' })).items)).toEqual(['ptc_1'])
      expect(idsOf((await people({ name: 'özi' })).items)).toEqual(['ptc_2'])
      expect(idsOf((await people({ name: '0% s' })).items)).toEqual(['ptc_3'])
      expect(idsOf((await people({ name: '%' })).items)).toEqual(['ptc_3'])
      expect(idsOf((await people({ name: 'e_c' })).items)).toEqual(['ptc_5'])
      expect(idsOf((await people({ name: '_' })).items)).toEqual(['ptc_5'])
    })

    it('pages follow the cursor in id order, without gaps or repeats', async () => {
      const made: Participant[] = []
      for (let i = 0; i < 12; i++) {
        // Every other participant matches; ids are made in an order unrelated to their sort order.
        const id = `ptc_${String((i * 7) % 12).padStart(2, '0')}`
        made.push(await person(id, i % 2 === 0 ? `Member ${i}` : `Guest ${i}`))
      }
      const members = sortedIds(made.filter((p) => p.identity.name?.startsWith('Member')))
      const first = await store().searchParticipants({ name: 'member' }, { limit: 4 })
      expect(idsOf(first.items)).toEqual(members.slice(0, 4))
      expect(first.nextCursor).toEqual(expect.any(String))
      const paged = await people({ name: 'member' }, 4)
      expect(idsOf(paged.items)).toEqual(members)
      for (const limit of [1, 2, 3, 5, 6, 7]) expect(idsOf((await people({ name: 'MEMBER' }, limit)).items)).toEqual(members)
      // A page that ends exactly at the last match has no next page.
      const exact = await store().searchParticipants({ name: 'member' }, { limit: 6 })
      expect(idsOf(exact.items)).toEqual(members)
      expect(exact.nextCursor).toBeUndefined()
      // Short queries page the same way.
      expect(idsOf((await people({ name: 'r ' }, 2)).items)).toEqual(members)
      // Rooms too.
      for (const id of ['room_c', 'room_a', 'room_b']) await store().createRoom(makeRoom({ id, name: `Lobby ${id}` }), [])
      expect(idsOf((await rooms({ name: 'lobby' }, 2)).items)).toEqual(['room_a', 'room_b', 'room_c'])
    })

    it('a cursor that is not one, or is another target\'s, rejects with INVALID_CURSOR', async () => {
      await person('ptc_a', 'Alpha One')
      await person('ptc_b', 'Alpha Two')
      await store().createRoom(makeRoom({ id: 'room_a', name: 'Alpha room' }), [])
      await store().createRoom(makeRoom({ id: 'room_b', name: 'Alpha hall' }), [])
      const roomPage = await store().searchRooms({ name: 'alpha' }, { limit: 1 })
      expect(roomPage.nextCursor).toEqual(expect.any(String))
      await expectCode(store().searchParticipants({ name: 'alpha' }, { limit: 1, cursor: roomPage.nextCursor! }), 'INVALID_CURSOR')
      await expectCode(store().searchParticipants({ name: 'alpha' }, { limit: 1, cursor: 'not-a-cursor' }), 'INVALID_CURSOR')
      const next = await store().searchRooms({ name: 'alpha' }, { limit: 1, cursor: roomPage.nextCursor! })
      expect(idsOf(next.items)).toEqual(['room_b'])
    })

    it('a participant is found by id and by (channel, externalId), ANDed with the other keys', async () => {
      const ada = await person('ptc_ada', 'Ada', { externalIds: { telegram: '42', slack: 'U1' } })
      await person('ptc_bob', 'Bob', { externalIds: { telegram: '43' } })
      expect((await people({ id: 'ptc_ada' })).items).toEqual([ada])
      expect((await people({ id: 'ptc_nope' })).items).toEqual([])
      expect((await people({ channel: 'telegram', externalId: '42' })).items).toEqual([ada])
      expect((await people({ channel: 'slack', externalId: 'U1' })).items).toEqual([ada])
      expect((await people({ channel: 'slack', externalId: '42' })).items).toEqual([])
      expect((await people({ channel: 'telegram', externalId: '42', name: 'ad' })).items).toEqual([ada])
      expect((await people({ channel: 'telegram', externalId: '42', name: 'bob' })).items).toEqual([])
      expect((await people({ channel: 'telegram', externalId: '42', id: 'ptc_bob' })).items).toEqual([])
      expect((await people({ id: 'ptc_bob', name: 'BO' })).items.map((p) => p.id)).toEqual(['ptc_bob'])
    })

    it('a room is found by id, by name and by a binding key', async () => {
      const room = await store().createRoom(makeRoom({ id: 'room_1', name: 'Support Desk' }), [])
      const binding = await store().insertRoomBinding(makeBinding(room.id, { channel: 'slack', bridgeId: 'sl_main', externalRoomId: 'C1' }))
      const other = await store().createRoom(makeRoom({ id: 'room_2', name: 'Sales' }), [makeBinding('room_2', { channel: 'slack', bridgeId: 'sl_main', externalRoomId: 'C2' })])
      const stored = (await store().getRoom(room.id))!
      expect(stored.externalBindings).toEqual({ slack: { sl_main: 'C1' } })
      expect((await rooms({ channel: 'slack', bridgeId: 'sl_main', externalId: 'C1' })).items).toEqual([stored])
      expect(idsOf((await rooms({ channel: 'slack', bridgeId: 'sl_main', externalId: 'C2' })).items)).toEqual([other.id])
      expect((await rooms({ channel: 'slack', bridgeId: 'sl_other', externalId: 'C1' })).items).toEqual([])
      expect((await rooms({ channel: 'slack', bridgeId: 'sl_main', externalId: 'C1', name: 'desk' })).items).toEqual([stored])
      expect((await rooms({ channel: 'slack', bridgeId: 'sl_main', externalId: 'C1', name: 'sales' })).items).toEqual([])
      expect((await rooms({ id: 'room_2' })).items.map((r) => r.name)).toEqual(['Sales'])
      expect(idsOf((await rooms({ name: 's' })).items)).toEqual(['room_1', 'room_2'])
      expect((await rooms({ name: 'SUPPORT' })).items).toEqual([stored])
      // A deleted binding no longer finds the room.
      await store().deleteRoomBinding(binding.id)
      expect((await rooms({ channel: 'slack', bridgeId: 'sl_main', externalId: 'C1' })).items).toEqual([])
    })

    it('participants and rooms made by get-or-create are in the directory', async () => {
      await store().getOrCreateParticipantByExternalId('telegram', '77', makeParticipant({ id: 'ptc_77', identity: { name: 'Telegram User' } }))
      await store().getOrCreateRoomByBinding(makeRoom({ id: 'room_77', name: 'Telegram Chat' }), makeBinding('room_77', { externalRoomId: 'chat_77' }))
      expect(idsOf((await people({ name: 'gram us' })).items)).toEqual(['ptc_77'])
      expect(idsOf((await rooms({ name: 'gram ch' })).items)).toEqual(['room_77'])
      expect(idsOf((await people({ channel: 'telegram', externalId: '77' })).items)).toEqual(['ptc_77'])
    })

    it('the name index follows updateParticipant renames', async () => {
      await person('ptc_1', 'Ada Lovelace')
      await person('ptc_2', 'Ada Byron')
      await store().updateParticipant('ptc_1', (p) => ({ ...p, identity: { ...p.identity, name: 'Zelda Quinn' } }))
      expect(idsOf((await people({ name: 'lovelace' })).items)).toEqual([])
      expect(idsOf((await people({ name: 'ada' })).items)).toEqual(['ptc_2'])
      expect(idsOf((await people({ name: 'quinn' })).items)).toEqual(['ptc_1'])
      expect(idsOf((await people({ name: 'zel' })).items)).toEqual(['ptc_1'])
      // A change of case only, a change elsewhere, then no name at all.
      await store().updateParticipant('ptc_1', (p) => ({ ...p, identity: { ...p.identity, name: 'ZELDA QUINN' } }))
      await store().updateParticipant('ptc_1', (p) => ({ ...p, presence: 'online' }))
      expect((await people({ name: 'zelda q' })).items.map((p) => [p.id, p.identity.name, p.presence]))
        .toEqual([['ptc_1', 'ZELDA QUINN', 'online']])
      await store().updateParticipant('ptc_1', (p) => ({ ...p, identity: { username: 'zq' } }))
      expect((await people({ name: 'zelda' })).items).toEqual([])
      expect((await people({ name: 'z' })).items).toEqual([])
      await store().updateParticipant('ptc_1', (p) => ({ ...p, identity: { name: 'Ada again' } }))
      expect(idsOf((await people({ name: 'ada' })).items)).toEqual(['ptc_1', 'ptc_2'])
      expect(idsOf((await people({ name: 'again' })).items)).toEqual(['ptc_1'])
    })

    it('the name index follows saveRoom renames and deleteRoom', async () => {
      const room = await store().createRoom(makeRoom({ id: 'room_1', name: 'Old Lobby' }), [])
      await store().createRoom(makeRoom({ id: 'room_2', name: 'Old Hall' }), [])
      await store().saveRoom({ ...room, name: 'New Lobby' }, [])
      expect(idsOf((await rooms({ name: 'old' })).items)).toEqual(['room_2'])
      expect(idsOf((await rooms({ name: 'new lob' })).items)).toEqual(['room_1'])
      expect(idsOf((await rooms({ name: 'lobby' })).items)).toEqual(['room_1'])
      // saveRoom without a name drops it from name searches; saveRoom of a new id adds it.
      const { name: _name, ...unnamed } = room
      await store().saveRoom(unnamed, [])
      expect((await rooms({ name: 'lobby' })).items).toEqual([])
      expect(idsOf((await rooms({ id: 'room_1' })).items)).toEqual(['room_1'])
      await store().saveRoom(makeRoom({ id: 'room_3', name: 'Fresh Lobby' }), [])
      expect(idsOf((await rooms({ name: 'lobby' })).items)).toEqual(['room_3'])
      expect(await store().deleteRoom('room_2')).toBe(true)
      expect((await rooms({ name: 'hall' })).items).toEqual([])
      expect((await rooms({ name: 'old' })).items).toEqual([])
      expect((await rooms({ id: 'room_2' })).items).toEqual([])
      // The id can be used again, with a new name.
      await store().createRoom(makeRoom({ id: 'room_2', name: 'Reborn Hall' }), [])
      expect(idsOf((await rooms({ name: 'hall' })).items)).toEqual(['room_2'])
      expect((await rooms({ name: 'old hall' })).items).toEqual([])
    })

    it('long names and queries match anywhere in the first 1000 characters', async () => {
      const long = `${'word '.repeat(150)}needle in the haystack ${'tail '.repeat(30)}`
      await person('ptc_long', long)
      await person('ptc_short', 'needle')
      expect(idsOf((await people({ name: 'needle in the haystack' })).items)).toEqual(['ptc_long'])
      expect(idsOf((await people({ name: 'NEEDLE' })).items)).toEqual(['ptc_long', 'ptc_short'])
      expect(idsOf((await people({ name: `${'word '.repeat(100)}needle` })).items)).toEqual(['ptc_long'])
      expect((await people({ name: `${'word '.repeat(100)}needles` })).items).toEqual([])
    })
  })
}
