import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createSqliteStore } from './index.js'
import { buildPackage } from './test-fixtures/build.js'
import { raceInParent, spawnRaceChild, type RaceResult } from '@jido-messaging/testing'
import { fileURLToPath } from 'node:url'

// the built package, as another process would load it
const BUILT = fileURLToPath(new URL('../dist/index.js', import.meta.url))
import { tempDatabase } from './test-fixtures/temp-db.js'

const KEYS = 40
const REPEATS = 5

/** Asserts one room per key across every process, created exactly once. */
function expectOneRoomPerKey(results: RaceResult[]): void {
  const byKey = new Map<number, { rooms: Set<string>; created: number }>()
  for (const [key, roomId, created] of results) {
    const entry = byKey.get(key) ?? { rooms: new Set(), created: 0 }
    entry.rooms.add(roomId)
    if (created) entry.created++
    byKey.set(key, entry)
  }
  expect(byKey.size).toBe(KEYS)
  for (const { rooms, created } of byKey.values()) {
    expect(rooms.size).toBe(1)
    expect(created).toBe(1)
  }
}

describe('store-sqlite: get-or-create raced by other processes on one file', () => {
  const cleanups: Array<() => void> = []
  beforeAll(() => buildPackage(), 120_000)
  afterEach(() => cleanups.splice(0).forEach((f) => f()))

  it('two child processes and the parent, all starting on an empty file, get one room per binding key', async () => {
    const db = tempDatabase()
    cleanups.push(db.remove)
    const children = [0, 1].map(() => spawnRaceChild(BUILT, 'createSqliteStore', { filename: db.filename }, KEYS, REPEATS))
    const store = createSqliteStore({ filename: db.filename })
    try {
      await store.start()
      await Promise.all(children.map((c) => c.ready))
      for (const c of children) c.go()
      const all = await Promise.all([raceInParent(store, KEYS, REPEATS), ...children.map((c) => c.results)])
      expect(all.map((r) => r.length)).toEqual([KEYS * REPEATS, KEYS * REPEATS, KEYS * REPEATS])
      expectOneRoomPerKey(all.flat())
      // Losers removed their candidate rooms: exactly one room per key is left.
      expect((await store.listRooms({ limit: 1000 })).items).toHaveLength(KEYS)
    } finally {
      await store.stop()
    }
  }, 60_000)
})
