import { createMessaging, newId, positionOf, SignalTypes, signalFromJson, type JournalAppended, type Signal } from '@jido-messaging/core'
import { journalChannel } from '@jido-messaging/store-sql'
import { afterAll, afterEach, expect, it } from 'vitest'
import { createPostgresStore, type PostgresStore } from './index.js'
import { JournalListener, WATCH_APPLICATION_NAME } from './journal-watch.js'
import { adminPool, describeWithPostgres, dropSchema, PG_URL, uniqueSchema } from './test-fixtures/pg-env.js'

// Cross-process signals on Postgres alone: each store LISTENs on its schema's journal channel and every
// journaled commit NOTIFYs it. Instances here poll the journal every 10 minutes, so only a NOTIFY can
// explain a signal arriving within the (generous) deadlines below.

const admin = adminPool()
afterAll(() => admin.end())
const cleanups: Array<() => Promise<unknown> | unknown> = []
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f()
})

const NO_POLL = { pollMs: 600_000 }
/** Far below the poll: a loaded 2-core CI machine still delivers a NOTIFY well within it. */
const DEADLINE_MS = 20_000

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
async function until(what: string, cond: () => boolean | Promise<boolean>, ms = DEADLINE_MS): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await sleep(10)
  }
}

function freshSchema(label = 'watch'): string {
  const schema = uniqueSchema(label)
  cleanups.push(() => dropSchema(admin, schema))
  return schema
}

function store(schema: string): PostgresStore {
  const s = createPostgresStore({ connectionString: PG_URL, schema, poolSize: 4 })
  cleanups.push(() => s.stop())
  return s
}

/** A messaging instance on its own store (its own pool and LISTEN connection): a process of its own. */
async function instance(schema: string, instanceId: string, errors: unknown[] = []) {
  const messaging = createMessaging({ store: store(schema), instanceId, journal: NO_POLL, onError: (e) => void errors.push(e) })
  cleanups.push(() => messaging.stop())
  await messaging.start()
  return messaging
}

/** Every delivered signal's position follows the previous one's: journal order, no gap. */
function expectNoGap(seen: Signal[]): void {
  const positions = seen.map((s) => positionOf(s)!)
  expect(positions).toEqual(Array.from({ length: positions.length }, (_, i) => positions[0]! + i))
}

function signal(): Signal {
  return signalFromJson({
    specversion: '1.0', id: newId('signal'), source: '/jido/messaging/test', type: 'jido.messaging.room.custom', time: new Date().toISOString(),
    datacontenttype: 'application/json', data: {}, correlationid: 'cor_test',
  }, 1)
}

/** Records a store's journal wake-ups; `listening` once the first (connect) call came. */
function watch(s: PostgresStore) {
  const calls: JournalAppended[] = []
  const w = s.watchJournal((a) => void calls.push(a))
  cleanups.push(() => w.close())
  return { calls, listening: () => until('the watch to listen', () => calls.length > 0) }
}

const post = (m: Awaited<ReturnType<typeof instance>>, roomId: string, text: string) =>
  m.postMessage({ roomId, senderId: 'user_1', role: 'user', content: [{ type: 'text', text }] })

await describeWithPostgres('store-postgres: journal watch (LISTEN/NOTIFY)', () => {
  it('a subscriber on instance B gets every signal posted on A, in order with no gap, with polling off', async () => {
    const schema = freshSchema()
    const a = await instance(schema, 'a')
    const b = await instance(schema, 'b')
    const room = await a.createRoom({ name: 'watch' })
    const seen: Signal[] = []
    b.subscribe('jido.messaging.**', (s) => void seen.push(s))
    const posted: string[] = []
    // Sequential and concurrent posts: single commits and group-committed batches.
    for (let i = 0; i < 20; i++) posted.push((await post(a, room.id, `one ${i}`)).signals[0]!.id)
    for (let wave = 0; wave < 5; wave++) {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => post(a, room.id, `wave ${wave}.${i}`)))
      posted.push(...results.map((r) => r.signals[0]!.id))
    }
    await until('B to see all 120 messages', () => seen.filter((s) => s.type === SignalTypes.roomMessageAdded).length === 120)
    expectNoGap(seen)
    const added = seen.filter((s) => s.type === SignalTypes.roomMessageAdded)
    expect(new Set(added.map((s) => s.id))).toEqual(new Set(posted))
    // The sequential posts arrive in the order they were committed.
    expect(added.slice(0, 20).map((s) => s.id)).toEqual(posted.slice(0, 20))
    expect(positionOf(seen.at(-1)!)).toBe((await a.journalHead()).position)
  })

  it('commits in one schema wake no watcher of another (also a schema long enough to hash its channel)', async () => {
    const x = freshSchema('x')
    const long = `${uniqueSchema('y')}_${'l'.repeat(40)}`.slice(0, 63)
    cleanups.push(() => dropSchema(admin, long))
    expect(journalChannel(long)).toMatch(/^jido_journal#/)
    const sx = store(x)
    const sy = store(long)
    await sx.start()
    await sy.start()
    const wx = watch(sx)
    const wy = watch(sy)
    await wx.listening()
    await wy.listening()
    expect(wx.calls).toEqual([{}])
    expect(wy.calls).toEqual([{}])
    // Through another store object (another pool): not local.
    const other = store(x)
    await other.appendSignals({ signals: () => [signal(), signal()] })
    const hx = (await sx.journalHead()).position
    await until('X to be woken', () => wx.calls.length === 2)
    expect(wx.calls[1]).toEqual({ head: hx, local: false })
    // A commit on Y after X's: Y's listener gets notifications in commit order, so X's would come first.
    await sy.appendSignals({ signals: () => [signal()] })
    await until('Y to be woken by its own commit', () => wy.calls.length === 2)
    expect(wy.calls[1]).toEqual({ head: (await sy.journalHead()).position, local: true })
    await sleep(100)
    expect(wy.calls).toHaveLength(2)
    expect(wx.calls).toHaveLength(2)
  })

  it('after its LISTEN connection is terminated, signals committed meanwhile arrive and later ones promptly again', async () => {
    const schema = freshSchema()
    const errors: unknown[] = []
    const a = await instance(schema, 'a')
    const b = await instance(schema, 'b', errors)
    const room = await a.createRoom({ name: 'kill' })
    const all: Signal[] = []
    b.subscribe('jido.messaging.**', (s) => void all.push(s))
    const texts = () => all.filter((s) => s.type === SignalTypes.roomMessageAdded)
      .map((s) => (s.data as { message: { content: Array<{ text: string }> } }).message.content[0]!.text)
    const seen = { get length() { return texts().length } }
    for (let i = 0; i < 5; i++) await post(a, room.id, `before ${i}`)
    await until('the first five', () => seen.length === 5)

    const listeners = async (): Promise<number[]> => (await admin.query<{ pid: number }>(
      `select pid from pg_stat_activity where application_name = $1 and query = $2`,
      [WATCH_APPLICATION_NAME, `LISTEN "${journalChannel(schema)}"`])).rows.map((r) => r.pid)
    // Both instances listen on the schema; end both connections.
    const killed = await listeners()
    expect(killed).toHaveLength(2)
    await admin.query('select pg_terminate_backend(pid) from unnest($1::int[]) as pid', [killed])
    for (let i = 0; i < 5; i++) await post(a, room.id, `meanwhile ${i}`)
    await until('the five committed while the watch was down', () => seen.length === 10)
    await until('both watches to listen again', async () => {
      const now = await listeners()
      return now.length === 2 && now.every((pid) => !killed.includes(pid))
    })
    for (let i = 0; i < 5; i++) await post(a, room.id, `after ${i}`)
    await until('the five after the reconnect', () => seen.length === 15)
    expectNoGap(all)
    expect(texts()).toEqual([...[0, 1, 2, 3, 4].map((i) => `before ${i}`), ...[0, 1, 2, 3, 4].map((i) => `meanwhile ${i}`), ...[0, 1, 2, 3, 4].map((i) => `after ${i}`)])
    // The loss was reported (the watch went on by itself).
    expect(errors.some((e) => /journal watch .* lost its connection/.test(String((e as Error).message)))).toBe(true)
  })

  it('heartbeats keep the connection listening, and watchers added later are called once at once', async () => {
    const schema = freshSchema()
    const s = store(schema)
    await s.start()
    const listener = new JournalListener({ client: { connectionString: PG_URL }, channel: journalChannel(schema), isLocal: () => false, heartbeatMs: 20 })
    cleanups.push(() => listener.closeAll())
    const first: JournalAppended[] = []
    listener.watch((a) => void first.push(a))
    await until('the first watcher to be called', () => first.length === 1)
    await sleep(200)
    const second: JournalAppended[] = []
    const w2 = listener.watch((a) => void second.push(a))
    await until('the second watcher to be called', () => second.length === 1)
    await s.appendSignals({ signals: () => [signal()] })
    const head = (await s.journalHead()).position
    await until('both to be woken', () => first.length === 2 && second.length === 2)
    expect(first[1]).toEqual({ head, local: false })
    await w2.close()
    await s.appendSignals({ signals: () => [signal()] })
    await until('the first to be woken again', () => first.length === 3)
    expect(second).toHaveLength(2)
  })

  it('a commit made while the connection is down is announced by the call after the reconnect', async () => {
    const schema = freshSchema()
    const s = store(schema)
    await s.start()
    const errors: unknown[] = []
    // A backoff of 1 to 2 s: a wide window to commit in while nobody listens.
    const listener = new JournalListener({ client: { connectionString: PG_URL }, channel: journalChannel(schema), isLocal: () => false, minBackoffMs: 2000, maxBackoffMs: 2000 })
    cleanups.push(() => listener.closeAll())
    const calls: JournalAppended[] = []
    listener.watch((a) => void calls.push(a), { onError: (e) => void errors.push(e) })
    await until('the watch to listen', () => calls.length === 1)
    const { rows } = await admin.query<{ pid: number }>(`select pid from pg_stat_activity where application_name = $1 and query = $2`,
      [WATCH_APPLICATION_NAME, `LISTEN "${journalChannel(schema)}"`])
    expect(rows).toHaveLength(1)
    await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid])
    await until('the loss to be reported', () => errors.length > 0)
    await s.appendSignals({ signals: () => [signal()] })
    await until('the call after the reconnect', () => calls.length === 2)
    // No NOTIFY reached it (nobody listened): the reconnect's call, head unknown, is what tells the reader.
    expect(calls[1]).toEqual({})
    await s.appendSignals({ signals: () => [signal()] })
    await until('the next commit to be announced', () => calls.length === 3)
    expect(calls[2]).toEqual({ head: (await s.journalHead()).position, local: false })
  })

  it('stop() closes the LISTEN connection', async () => {
    const schema = freshSchema()
    const s = createPostgresStore({ connectionString: PG_URL, schema, poolSize: 2 })
    await s.start()
    const w = watch(s)
    await w.listening()
    const count = async () => Number((await admin.query(`select count(*) as n from pg_stat_activity where application_name = $1 and query = $2`,
      [WATCH_APPLICATION_NAME, `LISTEN "${journalChannel(schema)}"`])).rows[0].n)
    expect(await count()).toBe(1)
    await s.stop()
    await until('the LISTEN connection to end', async () => (await count()) === 0)
  })
})
