import { afterAll, beforeAll, expect, it } from 'vitest'
import { createPostgresStore } from './index.js'
import { buildPackage } from './test-fixtures/build.js'
import { adminPool, describeWithPostgres, dropSchema, PG_URL, uniqueSchema } from './test-fixtures/pg-env.js'
import { raceInParent, spawnRaceChild, type RaceResult } from '@jido-messaging/testing'
import { fileURLToPath } from 'node:url'

// the built package, as another process would load it
const BUILT = fileURLToPath(new URL('../dist/index.js', import.meta.url))

const KEYS = 40
const REPEATS = 5
const admin = adminPool()
afterAll(() => admin.end())

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

await describeWithPostgres('store-postgres: get-or-create raced by other processes on one database', () => {
  beforeAll(() => buildPackage(), 120_000)

  it('two child processes and the parent, all migrating a fresh schema, get one room per binding key', async () => {
    const schema = uniqueSchema('race')
    const children = [0, 1].map(() => spawnRaceChild(BUILT, 'createPostgresStore', { connectionString: PG_URL, schema, poolSize: 4 }, KEYS, REPEATS))
    const store = createPostgresStore({ connectionString: PG_URL, schema, poolSize: 4 })
    try {
      await store.start()
      await Promise.all(children.map((c) => c.ready))
      for (const c of children) c.go()
      const all = await Promise.all([raceInParent(store, KEYS, REPEATS), ...children.map((c) => c.results)])
      expect(all.map((r) => r.length)).toEqual([KEYS * REPEATS, KEYS * REPEATS, KEYS * REPEATS])
      expectOneRoomPerKey(all.flat())
      expect((await store.listRooms({ limit: 1000 })).items).toHaveLength(KEYS)
    } finally {
      await store.stop()
      await dropSchema(admin, schema)
    }
  }, 60_000)
})
