// One process of the cross-process benchmark (cross-process.ts starts two at a time through tsx, with an
// IPC channel). `post` posts messages at a steady rate into a room and reports when each was posted and
// when each journaled transaction's COMMIT was acknowledged; `subscribe` follows the journal and reports
// when each message's signal arrived and whether positions ran with no gap. The baseline pair,
// `bare-notify` / `bare-listen`, is raw pg: autocommitted `pg_notify` at the same rate, and a LISTEN.
// Every time is the machine's wall clock (see clock), the one clock both processes share.
import { createMessaging, positionOf, SignalTypes } from '@jido-messaging/core'
import { createPostgresStore } from '@jido-messaging/store-postgres'
import { performance } from 'node:perf_hooks'
import pg from 'pg'

export interface ChildConfig {
  role: 'post' | 'subscribe' | 'bare-notify' | 'bare-listen'
  pgUrl: string
  schema: string
  roomId: string
  /** Items sent first and not measured (connections, JIT). */
  warmup: number
  /** Items measured after the warm-up. */
  count: number
  rate: number
}

/** What a sending process reports (per measured item, in order). */
export interface SendResult {
  sentAt: number[]
  /** `post`: postMessage resolved; `bare-notify`: the autocommitted NOTIFY acknowledged. */
  doneAt: number[]
  /** `post`: `[head, at]` per journaled transaction, its journal head and when its COMMIT was acknowledged. */
  commits: Array<[number, number]>
  startedAt: number
  endedAt: number
  cpuMs: number
}

/** What a receiving process reports (per measured item, in order; 0: never arrived). */
export interface ReceiveResult {
  receivedAt: number[]
  /** `subscribe`: each message's journal position. */
  positions: number[]
  /** `subscribe`: arrival minus the signal's `time` (stamped in the committing transaction, before its COMMIT). */
  sinceStamped: number[]
  received: number
  /** `subscribe`: signals whose position did not follow the previous one's. */
  gaps: number
  startedAt: number
  endedAt: number
  cpuMs: number
}

/**
 * The wall clock, read each time (1 ms resolution). Not `performance.timeOrigin + performance.now()`:
 * the monotonic clock drifts from the wall clock (here by 5 ms per second), so that sum differs between
 * processes started at different times.
 */
const clock = () => Date.now()
const cpuMs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since)
  return (u.user + u.system) / 1000
}
const send = (message: unknown) => new Promise<void>((resolve, reject) => process.send!(message, (e: Error | null) => (e ? reject(e) : resolve())))
const nextMessage = () => new Promise<unknown>((resolve) => process.once('message', resolve))
const channel = (schema: string) => `jm_bench_bare_${schema}`

const config = JSON.parse(process.argv[2]!) as ChildConfig
const total = config.warmup + config.count

/** Sends items `from..to-1` at `config.rate` per second, each without waiting for the earlier ones. */
async function paced(from: number, to: number, sendOne: (i: number) => Promise<void>): Promise<void> {
  const inFlight: Array<Promise<void>> = []
  const start = performance.now()
  let i = from
  while (i < to) {
    const due = Math.min(to, from + Math.floor(((performance.now() - start) * config.rate) / 1000) + 1)
    while (i < due) inFlight.push(sendOne(i++))
    await new Promise((r) => setTimeout(r, 1))
  }
  await Promise.all(inFlight)
}

/** Runs the warm-up, then the measured items; reports the measured part. */
async function sender(sendOne: (i: number) => Promise<void>, sentAt: number[], doneAt: number[], commits: Array<[number, number]> = []): Promise<SendResult> {
  await paced(0, config.warmup, sendOne)
  const cpu = process.cpuUsage()
  const startedAt = clock()
  await paced(config.warmup, total, sendOne)
  return { sentAt: sentAt.slice(config.warmup), doneAt: doneAt.slice(config.warmup), commits, startedAt, endedAt: clock(), cpuMs: cpuMs(cpu) }
}

/** Tells the parent it is ready, then waits for every item (or the parent's word to give up). */
async function receiver(all: Promise<void>, report: () => Omit<ReceiveResult, 'startedAt' | 'endedAt' | 'cpuMs'>): Promise<ReceiveResult> {
  await send({ ready: true })
  const cpu = process.cpuUsage()
  const startedAt = clock()
  await Promise.race([all, nextMessage()])
  return { ...report(), startedAt, endedAt: clock(), cpuMs: cpuMs(cpu) }
}

/**
 * When each journaled transaction's COMMIT was acknowledged, by its journal head: the store's journal
 * statement (`with "head" as (update ...`) returns the head, and the same connection's next `commit`
 * ends that transaction.
 */
function instrumentCommits(): Array<[number, number]> {
  const commits: Array<[number, number]> = []
  const heads = new WeakMap<object, number>()
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown
  ;(pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }).query = function (this: object, ...args: unknown[]) {
    const result = query.apply(this, args)
    const text = args[0]
    if (typeof text !== 'string' || !(result instanceof Promise)) return result
    if (text.startsWith('with "head" as (update')) {
      result.then((r: { rows: Array<{ position: string | number }> }) => heads.set(this, Number(r.rows[0]!.position)), () => undefined)
    } else if (text === 'commit' && heads.has(this)) {
      const head = heads.get(this)!
      heads.delete(this)
      result.then(() => commits.push([head, clock()]), () => undefined)
    }
    return result
  }
  return commits
}

async function subscribe(): Promise<ReceiveResult> {
  const messaging = createMessaging({ store: createPostgresStore({ connectionString: config.pgUrl, schema: config.schema }), instanceId: 'subscriber' })
  await messaging.start()
  const receivedAt = new Array<number>(total).fill(0)
  const sinceStamped = new Array<number>(total).fill(0)
  const positions = new Array<number>(total).fill(0)
  let received = 0
  let gaps = 0
  let last = -1
  let done!: () => void
  const all = new Promise<void>((resolve) => (done = resolve))
  messaging.subscribe('jido.messaging.**', (signal) => {
    const t = clock()
    const p = positionOf(signal)!
    if (last >= 0 && p !== last + 1) gaps++
    last = p
    if (signal.type !== SignalTypes.roomMessageAdded) return
    const i = Number((signal.data as { message: { content: Array<{ text: string }> } }).message.content[0]!.text.slice(2))
    if (receivedAt[i] === 0) received++
    receivedAt[i] = t
    sinceStamped[i] = t - Date.parse(signal.time!)
    positions[i] = p
    if (received === total) done()
  })
  // Let the journal watch connect before the poster starts.
  await new Promise((r) => setTimeout(r, 500))
  const result = await receiver(all, () => ({
    receivedAt: receivedAt.slice(config.warmup), positions: positions.slice(config.warmup), sinceStamped: sinceStamped.slice(config.warmup), received, gaps,
  }))
  await messaging.stop()
  return result
}

async function post(): Promise<SendResult> {
  const commits = instrumentCommits()
  const messaging = createMessaging({ store: createPostgresStore({ connectionString: config.pgUrl, schema: config.schema }), instanceId: 'poster' })
  await messaging.start()
  const sentAt = new Array<number>(total).fill(0)
  const doneAt = new Array<number>(total).fill(0)
  const result = await sender(async (i) => {
    sentAt[i] = clock()
    await messaging.postMessage({ roomId: config.roomId, senderId: 'user_1', role: 'user', content: [{ type: 'text', text: `m ${i}` }] })
    doneAt[i] = clock()
  }, sentAt, doneAt, commits)
  await messaging.stop()
  return result
}

async function bareListen(): Promise<ReceiveResult> {
  const client = new pg.Client({ connectionString: config.pgUrl })
  await client.connect()
  const receivedAt = new Array<number>(total).fill(0)
  let received = 0
  let done!: () => void
  const all = new Promise<void>((resolve) => (done = resolve))
  client.on('notification', (n) => {
    const i = Number(n.payload)
    if (receivedAt[i] === 0) received++
    receivedAt[i] = clock()
    if (received === total) done()
  })
  await client.query(`LISTEN "${channel(config.schema)}"`)
  const result = await receiver(all, () => ({ receivedAt: receivedAt.slice(config.warmup), positions: [], sinceStamped: [], received, gaps: 0 }))
  await client.end()
  return result
}

async function bareNotify(): Promise<SendResult> {
  // As many connections as the store's pool: enough to keep up with the rate however long a commit takes.
  const pool = new pg.Pool({ connectionString: config.pgUrl, max: 10 })
  const sentAt = new Array<number>(total).fill(0)
  const doneAt = new Array<number>(total).fill(0)
  const result = await sender(async (i) => {
    sentAt[i] = clock()
    await pool.query('select pg_notify($1, $2)', [channel(config.schema), String(i)])
    doneAt[i] = clock()
  }, sentAt, doneAt)
  await pool.end()
  return result
}

const roles = { post, subscribe, 'bare-notify': bareNotify, 'bare-listen': bareListen }
await send(await roles[config.role]())
process.disconnect()
