import { isMessagingError, type Participant, type Room } from '@jido-messaging/core'
import { describe, expect, it } from 'vitest'
import { useMessaging, type MessagingConformanceOptions } from './harness.js'

/** What a call rejected with. */
async function rejection(promise: Promise<unknown>): Promise<Record<string, unknown> & { code?: string; details?: Record<string, unknown> }> {
  try {
    await promise
  } catch (error) {
    return error as never
  }
  throw new Error('expected a rejection')
}

const ids = (records: ReadonlyArray<{ id: string }>) => records.map((r) => r.id)

export function directoryCases(options: MessagingConformanceOptions): void {
  const h = useMessaging(options)

  describe('directory', { timeout: 60_000 }, () => {
    it('directoryLookup returns the one match by name, id or external id', async () => {
      const { messaging } = h()
      const ada = await messaging.createParticipant({ identity: { name: 'Ada Lovelace' }, externalIds: { telegram: '42' } })
      await messaging.createParticipant({ identity: { name: 'Grace Hopper' } })
      const found: Participant = await messaging.directoryLookup('participant', { name: 'LOVELACE' })
      expect(found).toEqual(ada)
      expect(await messaging.directoryLookup('participant', { id: ada.id })).toEqual(ada)
      expect(await messaging.directoryLookup('participant', { channel: 'telegram', externalId: '42' })).toEqual(ada)
      expect(await messaging.directoryLookup('participant', { channel: 'telegram', externalId: '42', name: 'ada' })).toEqual(ada)
    })

    it('directoryLookup of rooms matches names and binding keys', async () => {
      const { messaging } = h()
      const room = await messaging.getOrCreateRoomByExternalBinding('slack', 'sl_main', 'C123', { name: 'Support Desk' })
      await messaging.createRoom({ name: 'Sales' })
      const found: Room = await messaging.directoryLookup('room', { channel: 'slack', bridgeId: 'sl_main', externalId: 'C123' })
      expect(found).toEqual(room)
      expect(await messaging.directoryLookup('room', { name: 'desk' })).toEqual(room)
      expect(await messaging.directoryLookup('room', { id: room.id })).toEqual(room)
      const err = await rejection(messaging.directoryLookup('room', { channel: 'slack', bridgeId: 'sl_main', externalId: 'C999' }))
      expect(err.code).toBe('NOT_FOUND')
    })

    it('directoryLookup rejects with NOT_FOUND when nothing matches', async () => {
      const { messaging } = h()
      await messaging.createParticipant({ identity: { name: 'Ada' } })
      for (const query of [{ name: 'zelda' }, { id: 'ptc_missing' }, { channel: 'telegram', externalId: '404' }, { name: 'ad', id: 'ptc_missing' }]) {
        const err = await rejection(messaging.directoryLookup('participant', query))
        expect(err.code, JSON.stringify(query)).toBe('NOT_FOUND')
        expect(isMessagingError(err, 'NOT_FOUND')).toBe(true)
      }
      expect((await rejection(messaging.directoryLookup('room', { name: 'ada' }))).code).toBe('NOT_FOUND')
    })

    it('directoryLookup rejects with AMBIGUOUS listing the matches by id', async () => {
      const { messaging } = h()
      const a = await messaging.createParticipant({ identity: { name: 'Alex Smith' } })
      const b = await messaging.createParticipant({ identity: { name: 'alex jones' } })
      await messaging.createParticipant({ identity: { name: 'Sam' } })
      const err = await rejection(messaging.directoryLookup('participant', { name: 'ALEX' }))
      expect(err.code).toBe('AMBIGUOUS')
      expect(isMessagingError(err, 'AMBIGUOUS')).toBe(true)
      expect(err.details?.['truncated']).toBe(false)
      expect(err.details?.['matches']).toEqual([a, b].sort((x, y) => (x.id < y.id ? -1 : 1)))
      // The HTTP body carries them too.
      expect((err as unknown as { toJSON(): { error: { code: string; details?: Record<string, unknown> } } }).toJSON().error)
        .toMatchObject({ code: 'AMBIGUOUS', details: { matches: expect.any(Array) } })
    })

    it('AMBIGUOUS lists at most 20 matches and says when there were more', async () => {
      const { messaging } = h()
      const made: Room[] = []
      for (let i = 0; i < 25; i++) made.push(await messaging.createRoom({ name: `Team ${i}` }))
      const err = await rejection(messaging.directoryLookup('room', { name: 'team' }))
      expect(err.code).toBe('AMBIGUOUS')
      expect(err.details?.['truncated']).toBe(true)
      expect(ids(err.details?.['matches'] as Room[])).toEqual(ids(made).sort().slice(0, 20))
    })

    it('directorySearch pages by id with an opaque cursor', async () => {
      const { messaging } = h()
      const made: Participant[] = []
      for (let i = 0; i < 7; i++) made.push(await messaging.createParticipant({ identity: { name: i % 2 ? `Guest ${i}` : `Member ${i}` } }))
      const members = ids(made.filter((p) => p.identity.name!.startsWith('Member'))).sort()
      const first = await messaging.directorySearch('participant', { name: 'member' }, { limit: 3 })
      expect(ids(first.items)).toEqual(members.slice(0, 3))
      expect(first.nextCursor).toEqual(expect.any(String))
      const second = await messaging.directorySearch('participant', { name: 'member' }, { limit: 3, cursor: first.nextCursor! })
      expect(ids(second.items)).toEqual(members.slice(3))
      expect(second.nextCursor).toBeUndefined()
      // The default limit (50) takes them all; every participant has a name with an 'e'.
      expect(ids((await messaging.directorySearch('participant', { name: 'E' })).items)).toEqual(ids(made).sort())
      expect((await messaging.directorySearch('room', { name: 'member' })).items).toEqual([])
      const bad = await rejection(messaging.directorySearch('participant', { name: 'member' }, { cursor: 'garbage' }))
      expect(bad.code).toBe('INVALID_CURSOR')
      // A cursor of another target is not one.
      for (let i = 0; i < 2; i++) await messaging.createRoom({ name: `Member room ${i}` })
      const roomPage = await messaging.directorySearch('room', { name: 'member' }, { limit: 1 })
      const foreign = await rejection(messaging.directorySearch('participant', { name: 'member' }, { cursor: roomPage.nextCursor! }))
      expect(foreign.code).toBe('INVALID_CURSOR')
    })

    it('a rename is seen by the next search', async () => {
      const { messaging } = h()
      const room = await messaging.createRoom({ name: 'Old Name' })
      await messaging.saveRoomRecord({ id: room.id, type: room.type, insertedAt: room.insertedAt, name: 'Brand New' })
      expect((await messaging.directorySearch('room', { name: 'old name' })).items).toEqual([])
      expect(ids((await messaging.directorySearch('room', { name: 'brand' })).items)).toEqual([room.id])
      expect(await messaging.deleteRoom(room.id)).toBe(true)
      expect((await rejection(messaging.directoryLookup('room', { name: 'brand' }))).code).toBe('NOT_FOUND')
    })

    it('a bad target, an empty or malformed query or bad paging options reject with VALIDATION', async () => {
      const { messaging } = h()
      await messaging.createParticipant({ identity: { name: 'Ada' } })
      const bad: Array<[unknown, unknown, unknown?]> = [
        ['user', { name: 'ada' }],
        [undefined, { name: 'ada' }],
        ['participant', {}],
        ['participant', undefined],
        ['participant', null],
        ['participant', 'ada'],
        ['participant', { name: '' }],
        ['participant', { name: 42 }],
        ['participant', { nickname: 'ada' }],
        ['participant', { channel: 'telegram' }],
        ['participant', { externalId: '42' }],
        ['participant', { channel: 'telegram', bridgeId: 'tg', externalId: '42' }],
        ['room', { channel: 'slack', externalId: 'C1' }],
        ['room', { bridgeId: 'sl_main' }],
        ['room', { name: 'x'.repeat(1001) }],
        ['participant', { name: 'ada' }, { limit: 0 }],
        ['participant', { name: 'ada' }, { limit: 1001 }],
        ['participant', { name: 'ada' }, { limit: 2.5 }],
        ['participant', { name: 'ada' }, { cursor: '' }],
        ['participant', { name: 'ada' }, { page: 2 }],
      ]
      for (const [target, query, opts] of bad) {
        const label = JSON.stringify([target, query, opts])
        expect((await rejection(messaging.directorySearch(target as never, query as never, opts as never))).code, label).toBe('VALIDATION')
        if (opts === undefined) {
          expect((await rejection(messaging.directoryLookup(target as never, query as never))).code, label).toBe('VALIDATION')
        }
      }
    })
  })
}
