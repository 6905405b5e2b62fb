import { ConflictError, isMessagingError, NotFoundError } from '@jido-messaging/core'
import { makeMessage, makeParticipant, makeRoom } from '@jido-messaging/testing'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Worker } from 'node:worker_threads'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { createSqliteStore, type SqliteStore } from './index.js'
import { tempDatabase } from './test-fixtures/temp-db.js'
import { WORKER_HANDLE } from './worker-client.js'

// Worker mode (`thread: 'worker'`): SQLite runs on a worker thread shared by the process's stores. The
// conformance suites run over it too; these cases cover what only the thread boundary can break.

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f()
})

function fileStore(): { store: SqliteStore; filename: string } {
  const db = tempDatabase()
  const store = createSqliteStore({ filename: db.filename, thread: 'worker' })
  cleanups.push(db.remove, () => store.stop())
  return { store, filename: db.filename }
}

const workerOf = (store: SqliteStore) => (store as unknown as Record<symbol, () => Worker | undefined>)[WORKER_HANDLE]!()

describe('store-sqlite: worker mode', () => {
  it('is opt-in: the default store runs on the calling thread', () => {
    const db = tempDatabase()
    cleanups.push(db.remove)
    expect(WORKER_HANDLE in createSqliteStore({ filename: db.filename })).toBe(false)
    expect(WORKER_HANDLE in createSqliteStore({ filename: db.filename, thread: 'worker' })).toBe(true)
  })

  it('typed errors come back as the same classes, codes and details', async () => {
    const { store } = fileStore()
    await store.start()
    const room = await store.createRoom(makeRoom(), [])
    const message = await store.insertMessage(makeMessage(room.id))
    const conflict = await store.insertMessage(message).then(() => undefined, (e: unknown) => e)
    expect(conflict).toBeInstanceOf(ConflictError)
    expect(isMessagingError(conflict, 'CONFLICT')).toBe(true)
    const missing = await store.insertMessage(makeMessage('room_missing')).then(() => undefined, (e: unknown) => e)
    expect(missing).toBeInstanceOf(NotFoundError)
    expect((missing as NotFoundError).message).toMatch(/room_missing/)
    const cursor = await store.listRooms({ limit: 1, cursor: 'not-a-cursor' }).then(() => undefined, (e: unknown) => e)
    expect(isMessagingError(cursor, 'INVALID_CURSOR')).toBe(true)
  })

  it('an updater runs on the calling thread; the error it throws is the one the call rejects with', async () => {
    const { store } = fileStore()
    const room = await store.createRoom(makeRoom(), [])
    const message = await store.insertMessage(makeMessage(room.id))
    const seen: unknown[] = []
    const local = { calls: 0 } // a closure over this thread's state: only works if the updater runs here
    const updated = await store.updateMessage(message.id, (m) => {
      local.calls++
      seen.push(m)
      return { ...m, status: 'read' }
    })
    expect(local.calls).toBe(1)
    expect(seen).toEqual([message])
    expect(updated).toEqual({ record: { ...message, status: 'read' }, changed: true })

    class Refused extends Error {}
    const refusal = new Refused('no')
    const rejected = await store.updateMessage(message.id, () => {
      throw refusal
    }).then(() => undefined, (e: unknown) => e)
    expect(rejected).toBe(refusal)
    expect(await store.getMessage(message.id)).toEqual({ ...message, status: 'read' })

    const participant = await store.createParticipant(makeParticipant())
    expect(await store.updateParticipant(participant.id, () => undefined)).toEqual({ record: participant, changed: false })
  })

  it('a call whose argument cannot be copied to the worker fails alone with VALIDATION', async () => {
    const { store } = fileStore()
    const room = await store.createRoom(makeRoom(), [])
    const good = makeMessage(room.id)
    const bad = makeMessage(room.id, { metadata: { callback: () => 1 } })
    const [a, b] = await Promise.allSettled([store.insertMessage(good), store.insertMessage(bad)])
    expect(a.status).toBe('fulfilled')
    expect(b.status).toBe('rejected')
    expect(isMessagingError((b as PromiseRejectedResult).reason, 'VALIDATION')).toBe(true)
    expect(await store.getMessage(bad.id)).toBeNull()
    expect(await store.getMessage(good.id)).toEqual(good)
  })

  it('when the worker thread dies, calls in flight fail STORE_UNAVAILABLE and the next call runs on a new worker', async () => {
    const { store } = fileStore()
    const room = await store.createRoom(makeRoom(), [])
    const worker = workerOf(store)!
    const inFlight = Array.from({ length: 20 }, () => store.insertMessage(makeMessage(room.id)).then(() => 'ok', (e: unknown) => e))
    await worker.terminate()
    const outcomes = await Promise.all(inFlight)
    // Some may have committed before the thread ended; every other one failed as unavailable.
    for (const o of outcomes) if (o !== 'ok') expect(isMessagingError(o, 'STORE_UNAVAILABLE')).toBe(true)
    expect(await store.getRoom(room.id)).toEqual(room)
    expect(workerOf(store)).not.toBe(worker)
    const after = await store.insertMessage(makeMessage(room.id))
    expect(await store.getMessage(after.id)).toEqual(after)
  })

  it('two stores share one worker thread and keep their own files', async () => {
    const a = fileStore()
    const b = fileStore()
    const roomA = await a.store.createRoom(makeRoom(), [])
    const roomB = await b.store.createRoom(makeRoom(), [])
    expect(workerOf(a.store)).toBe(workerOf(b.store))
    expect(await a.store.getRoom(roomB.id)).toBeNull()
    expect(await b.store.getRoom(roomA.id)).toBeNull()
    await a.store.stop()
    expect(await b.store.getRoom(roomB.id)).toEqual(roomB)
  })

  it('an idle store does not keep the process alive, and one with a call in flight does', () => {
    const db = tempDatabase()
    cleanups.push(db.remove)
    const built = fileURLToPath(new URL('../dist/index.js', import.meta.url))
    // No stop(): the script's last await is a store call, which must complete before the process exits.
    const script = `
      const { createSqliteStore } = await import(${JSON.stringify(built)})
      const store = createSqliteStore({ filename: ${JSON.stringify(db.filename)}, thread: 'worker' })
      await store.start()
      const room = await store.createRoom({ id: 'room_1', type: 'group', externalBindings: {}, metadata: {}, insertedAt: new Date().toISOString() }, [])
      console.log(JSON.stringify(await store.getRoom(room.id)))`
    const file = join(dirname(db.filename), 'idle.mjs')
    writeFileSync(file, script)
    const child = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 50_000 })
    expect(child.stderr).toBe('')
    expect(child.status).toBe(0)
    expect(JSON.parse(child.stdout)).toMatchObject({ id: 'room_1' })
  }, 60_000)
})
