import { makeDelivery, makeMessage, makeRoom, isoAt, uniqueSuffix } from '@jido-messaging/testing'
import type pg from 'pg'
import { afterAll, afterEach, expect, it } from 'vitest'
import { createPostgresStore } from './index.js'
import { adminPool, describeWithPostgres, dropSchema, PG_URL, uniqueSchema } from './test-fixtures/pg-env.js'

// RuntimeStore behaviour that only shows against another transaction held open on the server: a claim
// of a dedupe key that is not yet committed, and a delivery row locked by another claimer.

const admin = adminPool()
afterAll(() => admin.end())
const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f()
})

async function started() {
  const schema = uniqueSchema('runtime')
  const store = createPostgresStore({ connectionString: PG_URL, schema, poolSize: 4 })
  cleanups.push(() => dropSchema(admin, schema), () => store.stop())
  await store.start()
  return { store, schema }
}

/** A client with an open transaction, rolled back and released after the test unless finished. */
async function openTransaction(): Promise<pg.PoolClient> {
  const client = await admin.connect()
  await client.query('begin')
  let released = false
  cleanups.push(async () => {
    if (released) return
    await client.query('rollback').catch(() => undefined)
    client.release()
  })
  const release = client.release.bind(client)
  client.release = (err?: Error | boolean) => {
    released = true
    return release(err)
  }
  return client
}

/** Settles `promise` into a flag, so a test can assert it is still pending. */
function track<T>(promise: Promise<T>) {
  const state = { settled: false }
  void promise.then(() => (state.settled = true), () => (state.settled = true))
  return state
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

await describeWithPostgres('store-postgres: runtime store against concurrent transactions', () => {
  for (const outcome of ['commit', 'rollback'] as const) {
    it(`commitMessage waits for an uncommitted claim of its key (longer than a batch's lock timeout), then ${outcome === 'commit' ? 'reports duplicate' : 'takes the key'}`, async () => {
      const { store, schema } = await started()
      const room = await store.createRoom(makeRoom(), [])
      const key = `k_${uniqueSuffix()}`
      const other = await openTransaction()
      await other.query(`insert into "${schema}".dedupe_keys (key, expires_at, message_id) values ($1, $2, 'msg_held')`, [key, isoAt(60_000)])

      const message = makeMessage(room.id)
      const commit = store.commitMessage({ message, dedupe: { key, now: isoAt(0), expiresAt: isoAt(60_000) } })
      const state = track(commit)
      await sleep(1500)
      expect(state.settled).toBe(false)

      await other.query(outcome)
      other.release()
      if (outcome === 'commit') {
        expect(await commit).toEqual({ status: 'duplicate', messageId: 'msg_held' })
        expect(await store.getMessage(message.id)).toBeNull()
      } else {
        expect(await commit).toEqual({ status: 'created', message, memberAdded: false })
        expect(await store.getMessage(message.id)).toEqual(message)
      }
    }, 60_000)
  }

  it('claimDeliveries skips a head another transaction has locked and leases nothing behind it', async () => {
    const { store, schema } = await started()
    const room = await store.createRoom(makeRoom(), [])
    const message = await store.insertMessage(makeMessage(room.id))
    const head = makeDelivery(room.id, message.id, { insertedAt: isoAt(0), nextAttemptAt: isoAt(0) })
    const behind = makeDelivery(room.id, message.id, {
      insertedAt: isoAt(1), nextAttemptAt: isoAt(0), conversationKey: head.conversationKey, externalRoomId: head.externalRoomId,
    })
    const elsewhere = makeDelivery(room.id, message.id, { insertedAt: isoAt(2), nextAttemptAt: isoAt(0) })
    await store.enqueueDeliveries([head, behind, elsewhere])

    const other = await openTransaction()
    await other.query(`select id from "${schema}".deliveries where id = $1 for update`, [head.id])
    const claim = store.claimDeliveries({ now: isoAt(1000), limit: 10, owner: 'w_1', leaseUntil: isoAt(60_000) })
    const state = track(claim)
    // SKIP LOCKED: the claim does not wait for the other transaction, which holds its lock until after this.
    for (const deadline = Date.now() + 30_000; !state.settled && Date.now() < deadline;) await sleep(10)
    expect(state.settled).toBe(true)
    expect((await claim).map((d) => d.id)).toEqual([elsewhere.id])
    await other.query('rollback')
    other.release()

    expect((await store.claimDeliveries({ now: isoAt(1000), limit: 10, owner: 'w_2', leaseUntil: isoAt(60_000) })).map((d) => d.id))
      .toEqual([head.id])
  })
})
