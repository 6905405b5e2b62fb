import { CursorExpiredError, signalFromJson, ValidationError, type JournalEntry, type JournalStore, type JournalWrite } from '@jido-messaging/core'
import { CompiledQuery, sql, type AliasedExpression, type Kysely } from 'kysely'
import type { JournalAppender } from './batch.js'
import type { SqlContext } from './context.js'
import type { SqlDialectKind } from './dialect.js'
import type { InsertCache } from './insert-cache.js'
import { journalChannel } from './journal-channel.js'
import { parseJournalBodies, type JournalRow } from './journal-rows.js'
import type { Database } from './schema.js'
import type { Statements } from './statements.js'

// The signal journal: `signal_journal` holds each journaled signal at its position, `journal_head` (one
// row, id 1) the last position handed out and the pruned range, `subscription_checkpoints` durable
// subscriptions' positions. Writes append through their batch's journal tail (batch.ts); this module
// holds the tail's statements and the journal's own operations.

/** Rows per multi-row journal INSERT: 6 columns each, far below both engines' parameter limits. */
const ROWS_PER_STATEMENT = 500
/** Entries a prune step reads (and at most deletes) per transaction. */
const PRUNE_CHUNK = 1000

/**
 * The batch's journal tail: advance the head by the batch's signal count (raising `pruned_through` for
 * a prune) and insert the signals at the positions that hands out. On Postgres the UPDATE takes the
 * head row's lock, held until COMMIT: journaled transactions commit one after another in position order.
 * Waiting for that lock cannot deadlock (its holder only inserts new journal rows and commits), so the
 * wait is exempt from a batch's lock timeout, which exists to break deadlocks between row locks.
 */
export function journalAppender(kind: SqlDialectKind, inserts: InsertCache, st: Statements, schema?: string): JournalAppender {
  if (kind === 'postgres') return postgresAppender(inserts, schema)
  return async (tx, rows, prunedThrough) => {
    const n = rows.length
    const { rows: [head] } = prunedThrough === undefined
      ? await st.execute(tx, 'advanceJournal', [n, 1], (d) =>
        d.updateTable('journal_head').set({ position: sql<number>`${sql.ref('position')} + ${n}` }).where('id', '=', 1).returning('position'))
      : await st.execute(tx, 'advanceJournalPruned', [n, prunedThrough, 1], (d) =>
        d.updateTable('journal_head')
          .set((eb) => ({ position: sql<number>`${sql.ref('position')} + ${n}`, pruned_through: eb.fn<number>('max', [eb.ref('pruned_through'), eb.val(prunedThrough)]) }))
          .where('id', '=', 1).returning('position'))
    if (head === undefined) throw new Error('[store-sql] the journal_head row is missing')
    const first = Number(head.position) - n + 1
    await insertRows(inserts, tx, rows, first, 0)
    return first
  }
}

/** Inserts `rows.slice(from)` at positions from `first + from`, in multi-row INSERTs. */
async function insertRows(inserts: InsertCache, tx: Kysely<Database>, rows: readonly JournalRow[], first: number, from: number): Promise<void> {
  for (let i = from; i < rows.length; i += ROWS_PER_STATEMENT) {
    await inserts.insertMany(tx, rows.slice(i, i + ROWS_PER_STATEMENT).map((r, j) => ({
      table: 'signal_journal' as const,
      row: { position: first + i + j, id: r.id, type: r.type, room_id: r.room_id, time: r.time, body: r.body },
    })))
  }
}

/**
 * Postgres: the tail in one statement (one round trip instead of three): a CTE that lifts the lock
 * timeout for the rest of the transaction (`set_config(..., true)`, evaluated before the UPDATE gets its
 * row to lock), advances the head and inserts the first ROWS_PER_STATEMENT signals at the positions it
 * returned; any further signals follow in plain INSERTs. A batch that appends also queues a NOTIFY on
 * the schema's journal channel (see journal-channel.ts) with the new head, from the same statement:
 * Postgres delivers it to listeners at COMMIT and drops it on rollback, and the head lock orders the
 * notifications like the positions. The text depends only on the signal count and whether it prunes,
 * and is built once per shape.
 */
function postgresAppender(inserts: InsertCache, schema: string | undefined): JournalAppender {
  const q = (name: string) => `"${name.replaceAll('"', '""')}"`
  const table = (name: string) => (schema === undefined ? q(name) : `${q(schema)}.${q(name)}`)
  const notify = `, pg_notify('${journalChannel(schema).replaceAll("'", "''")}', "position"::text)`
  // Shapes seen: at most one per batch signal count up to ROWS_PER_STATEMENT (and the rare larger batch).
  const texts = new Map<string, string>()
  /** The statement advancing the head by `total` and inserting the first `n` of them. */
  const textOf = (n: number, total: number, pruned: boolean): string => {
    const key = `${n}:${total}:${pruned}`
    let text = texts.get(key)
    if (text === undefined) {
      let p = 0
      const param = () => `$${++p}`
      const prune = pruned ? `, "pruned_through" = greatest("pruned_through", ${param()}::bigint)` : ''
      const values = Array.from({ length: n }, (_, k) => `(${k + 1}, ${param()}, ${param()}, ${param()}, ${param()}, ${param()})`).join(', ')
      text = `with "head" as (update ${table('journal_head')} set "position" = "position" + ${total}${prune}` +
        ` from (select set_config('lock_timeout', '0', true)) as "wait" where "id" = 1 returning "position")` +
        (n === 0 ? '' : `, "appended" as (insert into ${table('signal_journal')} ("position", "id", "type", "room_id", "time", "body")` +
          ` select "head"."position" - ${total} + "v"."k", "v"."id", "v"."type", "v"."room_id", "v"."time", "v"."body"` +
          ` from "head", (values ${values}) as "v" ("k", "id", "type", "room_id", "time", "body"))`) +
        ` select "position"${total === 0 ? '' : notify} from "head"`
      if (texts.size >= 1000) texts.clear()
      texts.set(key, text)
    }
    return text
  }
  return async (tx, rows, prunedThrough) => {
    const inline = rows.length > ROWS_PER_STATEMENT ? rows.slice(0, ROWS_PER_STATEMENT) : rows
    const params: unknown[] = prunedThrough === undefined ? [] : [prunedThrough]
    for (const r of inline) params.push(r.id, r.type, r.room_id, r.time, r.body)
    // The head advances by every row; the first ROWS_PER_STATEMENT go in with it.
    const { rows: [head] } = await tx.executeQuery<{ position: string | number }>(
      CompiledQuery.raw(textOf(inline.length, rows.length, prunedThrough !== undefined), params))
    if (head === undefined) throw new Error('[store-sql] the journal_head row is missing')
    const first = Number(head.position) - rows.length + 1
    await insertRows(inserts, tx, rows, first, inline.length)
    return first
  }
}

/**
 * The types starting with `prefix` as a range, `[prefix, below)` (no upper end: every type from `prefix`
 * on), exact in code point order, which is how both engines compare `type` (SQLite BINARY and Postgres
 * "C" compare the UTF-8 bytes). `below` is the prefix with its last code point incremented (after
 * dropping trailing U+10FFFF, skipping the surrogates). Literal: '_' and '%' are characters like any other.
 * A range rather than `substr(type, 1, n) = prefix`: Postgres estimates that expression at a fixed 0.5 %
 * selectivity, and for a room read then plans a bitmap scan of the room's whole backlog after the
 * cursor plus a sort; with a range it uses the column statistics and walks an index in position order,
 * stopping at `limit`.
 */
export function prefixRange(prefix: string): [from: string, below: string | undefined] {
  const points = [...prefix].map((c) => c.codePointAt(0)!)
  while (points.length > 0 && points[points.length - 1] === 0x10ffff) points.pop()
  if (points.length === 0) return [prefix, undefined]
  let last = points[points.length - 1]! + 1
  if (last === 0xd800) last = 0xe000
  points[points.length - 1] = last
  return [prefix, String.fromCodePoint(...points)]
}

function checkPosition(store: string, what: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ValidationError(`[${store}] ${what} must be a non-negative integer`, [{ path: what, message: 'expected a non-negative integer' }])
  }
}

/** The journal's operations (a Postgres store adds `watchJournal`, which needs its own connection). */
export function journalOps(ctx: SqlContext): Omit<JournalStore, 'watchJournal'> {
  return {
    appendSignals: async (journal) => {
      await ctx.write(async () => undefined, undefined, journal)
    },

    // One statement, so the pruned range and the entries come from one snapshot: the head row, left
    // joined to the page, a seek on the primary key, or on (room_id, position) for a room, that stops at
    // `limit` (a type prefix filters the entries the seek walks).
    readJournal: async ({ after, limit, roomId, typePrefix }) => {
      checkPosition(ctx.name, 'after', after)
      if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) {
        throw new ValidationError(`[${ctx.name}] limit must be an integer from 1 to 1000`, [{ path: 'limit', message: 'expected 1..1000' }])
      }
      const prefix = typePrefix === undefined || typePrefix === '' ? undefined : typePrefix
      const types = prefix === undefined ? undefined : prefixRange(prefix)
      const page: AliasedExpression<{ position: number | string; body: string }, 'j'> = roomId !== undefined && ctx.kind === 'sqlite'
        // SQLite, a room: a seek on (room_id=? AND position>?) of the room index, named: with statistics
        // (ANALYZE, PRAGMA optimize) and few rooms, SQLite prefers walking the rowid in position order,
        // which reads every room's entries after the cursor to find a quiet room's few. (kysely cannot
        // write INDEXED BY; SQLite tables carry no schema.)
        ? sql<{ position: number; body: string }>`(select "position", "body" from "signal_journal" indexed by "signal_journal_room"
            where "room_id" = ${roomId} and "position" > ${after}${types === undefined ? sql`` : types[1] === undefined
              ? sql` and "type" >= ${types[0]}` : sql` and "type" >= ${types[0]} and "type" < ${types[1]}`}
            order by "position" limit ${limit})`.as('j')
        : ctx.db.selectFrom('signal_journal').select(['position', 'body'])
          .$if(roomId === undefined, (qb) => qb.where('position', '>', after))
          // Postgres, a room: `(room_id, position) > (room, after) and room_id <= room`, ordered by
          // (room_id, position): only the room index yields that order, so the read seeks there. Given
          // `room_id =` instead, Postgres treats the room as a constant, may walk the primary key in
          // position order filtering by room, and then reads every room's entries after the cursor to
          // find a quiet room's few (EXPLAIN: 100,000 rows for none, against 3 buffers this way).
          // (SQLite would seek that row value by its first column only.)
          .$if(roomId !== undefined, (qb) => qb.where((eb) => eb(eb.refTuple('room_id', 'position'), '>', eb.tuple(roomId!, after)))
            .where('room_id', '<=', roomId!).orderBy('room_id'))
          .$if(types !== undefined, (qb) => (types![1] === undefined
            ? qb.where('type', '>=', types![0])
            : qb.where('type', '>=', types![0]).where('type', '<', types![1])))
          .orderBy('position').limit(limit).as('j')
      const rows = await ctx.db.selectFrom('journal_head as h').leftJoin(page, (join) => join.onTrue())
        .select(['h.pruned_through', 'j.position', 'j.body']).where('h.id', '=', 1).execute()
      const prunedThrough = Number(rows[0]?.pruned_through ?? 0)
      if (after < prunedThrough) {
        throw new CursorExpiredError(`[${ctx.name}] the journal was pruned through position ${prunedThrough}; position ${after} is gone`,
          after, prunedThrough)
      }
      const found: Array<{ position: number; body: string }> = []
      for (const r of rows) if (r.position !== null && r.body !== null) found.push({ position: Number(r.position), body: r.body })
      // Data shared within a write lives in its carrier row (journal-rows.ts); a carrier outside the page is
      // read here. Both reads see committed rows only, and a carrier is pruned only with what points to it.
      const bodies = await parseJournalBodies(found, async (positions) => {
        const carriers = await ctx.db.selectFrom('signal_journal').select(['position', 'body']).where('position', 'in', positions).execute()
        if (carriers.length < positions.length) {
          // Pruned since the page was read: the cursor has expired after all.
          const { rows: [h] } = await ctx.statements.execute(ctx.db, 'journalHead', [1], (d) =>
            d.selectFrom('journal_head').select(['position', 'pruned_through']).where('id', '=', 1))
          const through = Number(h?.pruned_through ?? 0)
          if (after < through) {
            throw new CursorExpiredError(`[${ctx.name}] the journal was pruned through position ${through}; position ${after} is gone`, after, through)
          }
        }
        return carriers.map((r) => ({ position: Number(r.position), body: r.body }))
      })
      const entries: JournalEntry[] = found.map((r, i) => ({ position: r.position, signal: signalFromJson(bodies[i]!, r.position) }))
      // The page is in position order; a join promises no order, so make sure (a no-op on sorted input).
      return entries.sort((a, b) => a.position - b.position)
    },

    journalHead: async () => {
      const { rows: [head] } = await ctx.statements.execute(ctx.db, 'journalHead', [1], (d) =>
        d.selectFrom('journal_head').select(['position', 'pruned_through']).where('id', '=', 1))
      return { position: Number(head?.position ?? 0), prunedThrough: Number(head?.pruned_through ?? 0) }
    },

    // Step by step, a transaction each: read the oldest PRUNE_CHUNK entries, delete the prefix of them
    // older than `before`, raise pruned_through to its last position; stop at the first newer entry.
    pruneJournal: async ({ before }) => {
      if (typeof before !== 'string') throw new ValidationError(`[${ctx.name}] before must be an ISO timestamp`, [{ path: 'before', message: 'expected a string' }])
      let total = 0
      for (;;) {
        const step = await ctx.prune(async (tx) => {
          const oldest = await tx.selectFrom('signal_journal').select(['position', 'time']).orderBy('position').limit(PRUNE_CHUNK).execute()
          let k = 0
          while (k < oldest.length && oldest[k]!.time < before) k++
          if (k === 0) return { deleted: 0, through: undefined, more: false }
          const through = Number(oldest[k - 1]!.position)
          const result = await tx.deleteFrom('signal_journal').where('position', '<=', through).executeTakeFirst()
          return { deleted: Number(result.numDeletedRows), through, more: k === PRUNE_CHUNK }
        }, (r) => r.through)
        total += step.deleted
        if (!step.more) return total
      }
    },

    getSubscriptionCheckpoint: async (name) => {
      const row = await ctx.db.selectFrom('subscription_checkpoints').select('position').where('name', '=', name).executeTakeFirst()
      return row === undefined ? null : Number(row.position)
    },

    saveSubscriptionCheckpoint: async (name, position, now, fence) => {
      checkPosition(ctx.name, 'position', position)
      await ctx.write((tx) => tx.insertInto('subscription_checkpoints').values({ name, position, updated_at: now })
        .onConflict((oc) => oc.column('name')
          // A lower position than the stored one changes nothing.
          .doUpdateSet((eb) => ({ position: eb.ref('excluded.position'), updated_at: eb.ref('excluded.updated_at') }))
          .where((eb) => eb('subscription_checkpoints.position', '<=', eb.ref('excluded.position'))))
        .execute(), undefined, undefined, fence)
    },

    listSubscriptionCheckpoints: async () => {
      const rows = await ctx.db.selectFrom('subscription_checkpoints').select(['name', 'position', 'updated_at']).orderBy('name').execute()
      return rows.map((r) => ({ name: r.name, position: Number(r.position), updatedAt: r.updated_at }))
    },

    deleteSubscriptionCheckpoint: (name) =>
      ctx.write(async (tx) => (await tx.deleteFrom('subscription_checkpoints').where('name', '=', name).executeTakeFirst()).numDeletedRows > 0n),
  }
}

/**
 * Whether a read-only fast path (a get-or-create that found its record, a membership already present)
 * may answer without a write: always without a journal; with one, only when it has no signals for that
 * result. Otherwise the call takes its write path, which calls `signals` again in its transaction.
 */
export async function fastPathAnswers<R>(journal: JournalWrite<R> | undefined, result: R): Promise<boolean> {
  if (journal === undefined) return true
  const signals = await journal.signals(result)
  // Anything but an empty array takes the write path (which rejects what is not an array of signals).
  if (!Array.isArray(signals) || signals.length > 0) return false
  delete journal.firstPosition
  return true
}
