import { StoreUnavailableError, type JournalWrite, type MessagingStore, type RuntimeStore } from '@jido-messaging/core'
import { Kysely, sql, type Dialect } from 'kysely'
import { agentOps } from './agents.js'
import { boolCodec } from './codec.js'
import { commitOps } from './commit.js'
import { configOps } from './configs.js'
import { deadLetterOps } from './dead-letters.js'
import { directoryOps } from './directory.js'
import type { SqlContext } from './context.js'
import type { SqlDialectKind } from './dialect.js'
import { classifyDbError, toStoreError } from './db-errors.js'
import { GroupCommitter, mergeableInsert, type GroupCommitOptions, type Serializer } from './group-commit.js'
import { ingressOps } from './ingress.js'
import { InsertCache } from './insert-cache.js'
import { journalAppender, journalOps } from './journal.js'
import { checkFence, leaseOps } from './leases.js'
import { messageOps } from './messages.js'
import { onboardingOps } from './onboarding.js'
import { runMigrations } from './migrate.js'
import { outboxOps } from './outbox.js'
import { outboxStatsOps } from './outbox-stats.js'
import { participantOps } from './participants.js'
import { roomOps } from './rooms.js'
import type { Database } from './schema.js'
import { Statements } from './statements.js'
import { threadOps } from './threads.js'

export type GroupCommitTuning = Pick<GroupCommitOptions, 'maxBatchSize' | 'maxInFlight' | 'maxAttempts'> & {
  /** Postgres: how long a batch waits for a row lock before its writes go on one by one (default 100 ms). */
  lockTimeoutMs?: number
}

export interface SqlStoreConfig {
  /** Store name used in error messages, e.g. `store-postgres`. */
  name: string
  kind: SqlDialectKind
  /** Opens the connection (or pool) and returns the kysely dialect over it; called by `start()`. */
  connect(): Dialect | Promise<Dialect>
  /** Where the store connects, for error messages; MUST NOT contain secrets. */
  target: string
  /** Postgres schema that holds the tables; unset: the connection's default. */
  schema?: string
  /** Run pending migrations in `start()` (default true). */
  autoMigrate?: boolean
  groupCommit?: Partial<GroupCommitTuning>
  /**
   * Runs each write transaction alone among the stores given the same function. SQLite: stores on one
   * file in one thread share one, so that one never meets another's write lock in SQLite's busy handler,
   * which waits synchronously and would block the thread the lock holder needs to go on (a transaction
   * that awaits something, such as a worker-mode journal's signals from the caller's thread).
   */
  serializeWrites?: Serializer
}

/**
 * A `MessagingStore` and `RuntimeStore` (atomic message commits with dedupe, the outbox, dead letters,
 * ingress subscriptions) over SQL, with the optional lifecycle members always present.
 */
export interface SqlStore extends MessagingStore, RuntimeStore {
  start(): Promise<void>
  stop(): Promise<void>
  migrate(): Promise<void>
}

const defaults: Record<SqlDialectKind, GroupCommitTuning> = {
  // One writer: a batch per turn of the event loop.
  sqlite: { maxBatchSize: 512, maxInFlight: 1, maxAttempts: 3 },
  // Several batches in flight across the pool, each a round trip per statement plus one fsync.
  // Two, not more: journaled batches commit one at a time (the journal head's row lock), so more batches in
  // flight only wait longer for it; two keep one batch filling while the other commits.
  postgres: { maxBatchSize: 64, maxInFlight: 2, maxAttempts: 5, lockTimeoutMs: 100 },
}

interface Open {
  base: Kysely<Database>
  db: Kysely<Database>
  committer: GroupCommitter
}

/** The one kysely implementation of `MessagingStore`, shared by store-sqlite and store-postgres. */
export function createSqlStore(config: SqlStoreConfig): SqlStore {
  const { name, kind } = config
  const tuning = { ...defaults[kind], ...config.groupCommit }
  const inserts = new InsertCache()
  const statements = new Statements()
  let open: Open | undefined
  let opening: Promise<Open> | undefined
  let stopped = false

  const connect = async (): Promise<Open> => {
    let base: Kysely<Database> | undefined
    try {
      base = new Kysely<Database>({ dialect: await config.connect() })
      await sql`select 1`.execute(base)
    } catch (error) {
      await base?.destroy().catch(() => undefined)
      const reason = error instanceof Error ? error.message || (error as { code?: string }).code : String(error)
      throw new StoreUnavailableError(`[${name}] cannot connect to ${config.target}: ${reason}`, error)
    }
    const db = config.schema === undefined ? base : base.withSchema(config.schema)
    const committer = new GroupCommitter(db, {
      ...tuning,
      ...(kind === 'sqlite'
        ? { begin: 'begin immediate', splitOnContention: false }
        // A batch that waits long for a lock is likely deadlocked with another batch; failing fast beats
        // waiting for the deadlock detector (deadlock_timeout, 1 s by default).
        : { begin: `begin; set local lock_timeout = '${Math.max(1, Math.trunc(tuning.lockTimeoutMs ?? 100))}ms'`, beginSolo: 'begin', splitOnContention: true }),
      mapError: (e) => toStoreError(e, name),
      appendJournal: journalAppender(kind, inserts, statements, config.schema),
      checkFence: (tx, fence) => checkFence(tx, kind, name, fence),
      ...(config.serializeWrites === undefined ? {} : { serialize: config.serializeWrites }),
    })
    return { base, db, committer }
  }

  const ensureOpen = (): Promise<Open> => {
    if (stopped) return Promise.reject(new StoreUnavailableError(`[${name}] the store is stopped`))
    opening ??= connect().then(
      (o) => (open = o),
      (error: unknown) => {
        opening = undefined
        throw error
      },
    )
    return opening
  }

  const migrate = async (): Promise<void> => {
    const { base } = await ensureOpen()
    // A migration run takes the write lock too (SQLite: BEGIN IMMEDIATE), so it takes its turn with the writes.
    const serialize = config.serializeWrites ?? ((fn) => fn())
    await serialize(() => runMigrations(base, { kind, name, ...(config.schema === undefined ? {} : { schema: config.schema }) }))
  }

  let starting: Promise<void> | undefined
  const start = (): Promise<void> => {
    stopped = false
    starting ??= (async () => {
      await ensureOpen()
      if (config.autoMigrate !== false) await migrate()
    })().catch((error: unknown) => {
      starting = undefined
      throw error
    })
    return starting
  }

  const stop = async (): Promise<void> => {
    stopped = true
    const current = open ?? (await opening?.catch(() => undefined))
    starting = undefined
    opening = undefined
    open = undefined
    if (current === undefined) return
    await current.committer.drain()
    await current.base.destroy()
  }

  const notStarted = () => Promise.reject(new StoreUnavailableError(`[${name}] the store is not started`))
  const ctx: SqlContext = {
    name,
    kind,
    get db() {
      if (open === undefined) throw new StoreUnavailableError(`[${name}] the store is not started`)
      return open.db
    },
    write: (fn, merge, journal, fence) => (open === undefined
      ? notStarted()
      : open.committer.run(fn, merge, journal === undefined && fence === undefined ? undefined
        : { ...(journal === undefined ? {} : { journal: journal as JournalWrite<unknown> }), ...(fence === undefined ? {} : { fence }) })),
    insert: (table, row, result, journal) => (open === undefined
      ? notStarted()
      : open.committer.run(async (tx) => {
        await inserts.insert(tx, table, row)
        return result()
      }, mergeableInsert(inserts, { table, row: row as Record<string, unknown>, result }),
      journal === undefined ? undefined : { journal: journal as JournalWrite<unknown> })),
    prune: (fn, through) => (open === undefined
      ? notStarted()
      : open.committer.run(fn, undefined, { prunedThrough: through as (result: unknown) => number | undefined })),
    bool: boolCodec(kind),
    inserts,
    statements,
  }

  const ops = {
    ...roomOps(ctx), ...participantOps(ctx), ...messageOps(ctx), ...threadOps(ctx), ...configOps(ctx),
    ...commitOps(ctx), ...outboxOps(ctx), ...outboxStatsOps(ctx), ...deadLetterOps(ctx), ...ingressOps(ctx), ...directoryOps(ctx), ...agentOps(ctx), ...journalOps(ctx),
    ...onboardingOps(ctx), ...leaseOps(ctx),
  }
  // A lost connection reaches the caller as STORE_UNAVAILABLE whichever call met it (the HTTP edge answers
  // 503, platforms retry); other errors pass as the operation threw them.
  const unavailable = (error: unknown): never => {
    throw classifyDbError(error) === 'unavailable' ? toStoreError(error, name) : error
  }
  // Calls before start() start the store first, so a store also works without an explicit start;
  // calls after stop() reject until start() is called again.
  const lazy = Object.fromEntries(Object.entries(ops).map(([key, op]) => {
    const fn = op as (...a: unknown[]) => Promise<unknown>
    return [key, (...args: unknown[]) => {
      if (stopped) return Promise.reject(new StoreUnavailableError(`[${name}] the store is stopped`))
      return (open !== undefined ? fn(...args) : start().then(() => fn(...args))).catch(unavailable)
    }]
  })) as typeof ops

  return { name, start, stop, migrate, ...lazy }
}
