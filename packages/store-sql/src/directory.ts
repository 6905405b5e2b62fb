import {
  decodeDirectoryCursor,
  directoryGrams,
  directoryNameMatches,
  encodeDirectoryCursor,
  foldDirectoryName,
  type DirectoryQuery,
  type DirectorySearchOptions,
  type DirectoryStore,
  type DirectoryTarget,
  type Page,
  type Participant,
  type Room,
  type RoomBinding,
} from '@jido-messaging/core'
import { sql, type Kysely, type RawBuilder } from 'kysely'
import { bindingOf, fromJson, participantOf, roomOf } from './codec.js'
import type { SqlContext } from './context.js'
import type { SqlDialectKind } from './dialect.js'
import type { Database } from './schema.js'

// The directory (SPEC 9) over SQL, indexed so that a name search never reads every row:
//
// - `directory_entries (kind, entity_id, name)`: one row per named participant ('p') or room ('r'), the
//   name folded by core's `foldDirectoryName` (NFC, lower case, first 1000 characters). Folding in JS,
//   not with SQL lower(), makes every store (and SQLite, whose lower() knows only ASCII) agree.
// - `directory_grams (kind, gram, entity_id)`: the distinct trigrams of each folded name. Its primary
//   key serves "the entities having this gram, in id order", which is what a search walks.
//
// Both are written in the same transaction as the participant or room (see participants.ts, rooms.ts),
// and 0007_directory backfilled them for rows that existed before it.
//
// A name search of 3 or more characters: count (capped) how many entities carry each of the query's grams,
// walk the rarest gram's entities from the cursor in id order, and keep those whose folded name contains
// the query. A gram no entity has means no match, at once. Shorter queries have no gram and walk the
// entries table in id order instead. Either walk looks at most SCAN_BUDGET candidates per call: when it
// stops there before filling the page, the page ends with a `nextCursor` at the last candidate it looked
// at (a page can then be short; the contract allows that), so one call never reads a whole large table.

/** The entity kinds in the directory tables. */
export type DirectoryKind = 'p' | 'r'

const kindOf = (target: DirectoryTarget): DirectoryKind => (target === 'participant' ? 'p' : 'r')

/** Candidates one search call looks at, at most. */
export const SCAN_BUDGET = 20_000
/** Counting a gram's entities stops here: past it, a gram is "common" and the exact number does not matter. */
const GRAM_COUNT_CAP = 512
/** Grams of a long query whose counts are compared (spread over the query). */
const GRAMS_COMPARED = 12
/** Rows per multi-row INSERT or IN list (well under SQLite's and Postgres's parameter limits). */
const CHUNK = 500
/** The backfill reads this many participants or rooms at a time... */
const BACKFILL_BATCH = 5000
/** ...and inserts this many rows per statement (3 values each: under SQLite's 32766 and Postgres's 65535 parameters). */
const BACKFILL_ROWS = 5000

type Tx = Kysely<Database>

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

// ---- writes (called inside the participant and room write transactions) ----

/**
 * Indexes the name of an entity that was just inserted (it has no entry yet). The grams go in as one
 * array parameter (Postgres `unnest`, SQLite `json_each`), so the statement text is the same for every
 * name and compiles once; on Postgres the entry rides in the same statement (a data-modifying WITH).
 */
export async function indexNewDirectoryName(ctx: SqlContext, tx: Tx, kind: DirectoryKind, id: string, name: unknown): Promise<void> {
  const folded = foldDirectoryName(name)
  if (folded === undefined) return
  const grams = directoryGrams(folded)
  const st = ctx.statements
  if (ctx.kind === 'postgres') {
    await st.execute(tx, 'directoryIndexNew', [kind, id, folded, kind, grams, id], (d) =>
      d.with('entry', (w) => w.insertInto('directory_entries').values({ kind, entity_id: id, name: folded }))
        .insertInto('directory_grams').columns(['kind', 'gram', 'entity_id'])
        .expression(sql`select ${kind}, unnest(${grams}::text[]), ${id}`))
    return
  }
  await ctx.inserts.insert(tx, 'directory_entries', { kind, entity_id: id, name: folded })
  if (grams.length === 0) return
  const json = JSON.stringify(grams)
  await st.execute(tx, 'directoryIndexGrams', [kind, id, json], (d) =>
    d.insertInto('directory_grams').columns(['kind', 'gram', 'entity_id'])
      .expression(sql`select ${kind}, value, ${id} from json_each(${json})`))
}

/**
 * Brings an entity's entry and grams in line with its (new) name: `undefined` (no name, or the entity is
 * gone) removes them. Reads the stored entry first and writes only the grams that changed.
 */
export async function reindexDirectoryName(tx: Tx, kind: DirectoryKind, id: string, name: unknown): Promise<void> {
  const folded = foldDirectoryName(name)
  const old = (await tx.selectFrom('directory_entries').select('name')
    .where('kind', '=', kind).where('entity_id', '=', id).executeTakeFirst())?.name
  if (old === folded) return
  const oldGrams = new Set(old === undefined ? [] : directoryGrams(old))
  const newGrams = new Set(folded === undefined ? [] : directoryGrams(folded))
  const gone = [...oldGrams].filter((g) => !newGrams.has(g))
  const added = [...newGrams].filter((g) => !oldGrams.has(g))
  for (const part of chunks(gone)) {
    await tx.deleteFrom('directory_grams').where('kind', '=', kind).where('gram', 'in', part).where('entity_id', '=', id).execute()
  }
  for (const part of chunks(added)) {
    await tx.insertInto('directory_grams').values(part.map((gram) => ({ kind, gram, entity_id: id })))
      .onConflict((oc) => oc.columns(['kind', 'gram', 'entity_id']).doNothing()).execute()
  }
  if (folded === undefined) {
    await tx.deleteFrom('directory_entries').where('kind', '=', kind).where('entity_id', '=', id).execute()
  } else if (old === undefined) {
    await tx.insertInto('directory_entries').values({ kind, entity_id: id, name: folded }).execute()
  } else {
    await tx.updateTable('directory_entries').set({ name: folded }).where('kind', '=', kind).where('entity_id', '=', id).execute()
  }
}

// ---- migration 0007_directory ----

/** Creates the directory tables and indexes every participant and room that exists. */
export async function directoryMigration(db: Kysely<any>, kind: SqlDialectKind): Promise<void> {
  const pg = kind === 'postgres'
  // Ids compare bytewise on Postgres ("C"), as in SQLite and JS, so "ordered by id" is one order everywhere.
  const key = pg ? sql`text collate "C"` : sql`text`
  // SQLite: WITHOUT ROWID stores each table in its primary-key b-tree (no second copy of the rows), so
  // the key is there from the start. Postgres: the keys are added after the backfill, which builds each
  // index by one sort instead of row-by-row inserts (several times faster on a large table).
  const table = (name: string, columns: Array<[string, 'key' | 'text']>, pk: string[]) => {
    let builder = db.schema.createTable(name)
    for (const [column, type] of columns) builder = builder.addColumn(column, type === 'key' ? key : 'text', (c) => c.notNull())
    return pg ? builder : builder.addPrimaryKeyConstraint(`${name}_pk`, pk as never).modifyEnd(sql`without rowid`)
  }
  await table('directory_entries', [['kind', 'key'], ['entity_id', 'key'], ['name', 'text']], ['kind', 'entity_id']).execute()
  await table('directory_grams', [['kind', 'key'], ['gram', 'key'], ['entity_id', 'key']], ['kind', 'gram', 'entity_id']).execute()
  await backfill(db, pg, 'p', 'participants', 'identity', (v) => fromJson<{ name?: unknown } | null>(v)?.name)
  await backfill(db, pg, 'r', 'rooms', 'name', (v) => v)
  if (pg) {
    await db.schema.alterTable('directory_entries').addPrimaryKeyConstraint('directory_entries_pk', ['kind', 'entity_id']).execute()
    await db.schema.alterTable('directory_grams').addPrimaryKeyConstraint('directory_grams_pk', ['kind', 'gram', 'entity_id']).execute()
  }
}

async function backfill(db: Kysely<any>, pg: boolean, kind: DirectoryKind, table: string, column: string, nameOf: (value: unknown) => unknown): Promise<void> {
  let after = ''
  for (;;) {
    const rows: Array<{ id: string; value: unknown }> = await db.selectFrom(table).select(['id', `${column} as value`])
      .where('id', '>', after).orderBy('id').limit(BACKFILL_BATCH).execute()
    if (rows.length === 0) return
    const entries: Array<{ kind: string; entity_id: string; name: string }> = []
    const grams: Array<{ kind: string; gram: string; entity_id: string }> = []
    for (const row of rows) {
      const folded = foldDirectoryName(nameOf(row.value))
      if (folded === undefined) continue
      entries.push({ kind, entity_id: row.id, name: folded })
      for (const gram of directoryGrams(folded)) grams.push({ kind, gram, entity_id: row.id })
    }
    // In key order, so the primary key's b-tree takes them page by page.
    grams.sort((a, b) => (a.gram < b.gram ? -1 : a.gram > b.gram ? 1 : a.entity_id < b.entity_id ? -1 : a.entity_id > b.entity_id ? 1 : 0))
    if (pg) {
      // One statement per batch: the rows travel as arrays (unnest), not as three parameters each.
      if (entries.length > 0) {
        await db.insertInto('directory_entries').columns(['kind', 'entity_id', 'name'])
          .expression(sql`select ${kind}, e, n from unnest(${entries.map((e) => e.entity_id)}::text[], ${entries.map((e) => e.name)}::text[]) as t(e, n)`)
          .execute()
      }
      if (grams.length > 0) {
        await db.insertInto('directory_grams').columns(['kind', 'gram', 'entity_id'])
          .expression(sql`select ${kind}, g, e from unnest(${grams.map((g) => g.gram)}::text[], ${grams.map((g) => g.entity_id)}::text[]) as t(g, e)`)
          .execute()
      }
    } else {
      for (const part of chunks(entries, BACKFILL_ROWS)) await db.insertInto('directory_entries').values(part).execute()
      for (const part of chunks(grams, BACKFILL_ROWS)) await db.insertInto('directory_grams').values(part).execute()
    }
    after = rows[rows.length - 1]!.id
  }
}

// ---- reads ----

/** A page of matching ids: `nextCursor` set when the page is full or the scan budget ran out. */
interface IdPage {
  ids: string[]
  /** The id the next page continues after, or undefined on the last page. */
  continueAfter?: string
}

export function directoryOps(ctx: SqlContext): DirectoryStore {
  const st = ctx.statements
  /** `haystack` contains `needle` (both already folded): instr on SQLite, strpos on Postgres. */
  const contains = (column: RawBuilder<unknown>, needle: string) => (ctx.kind === 'postgres'
    ? sql<boolean>`strpos(${column}, ${needle}) > 0`
    : sql<boolean>`instr(${column}, ${needle}) > 0`)

  /** Per gram (of those compared), how many entities carry it, counted up to GRAM_COUNT_CAP. */
  const gramCounts = async (kind: DirectoryKind, grams: readonly string[]): Promise<Map<string, number>> => {
    const [first, ...rest] = grams.map((gram) => ctx.db.selectFrom((eb) => eb.selectFrom('directory_grams').select('gram')
      .where('kind', '=', kind).where('gram', '=', gram).limit(GRAM_COUNT_CAP).as('s'))
      .select((eb) => ['s.gram', eb.fn.countAll<number | string>().as('n')]).groupBy('s.gram'))
    let query = first!
    for (const q of rest) query = query.unionAll(q)
    const rows = await query.execute()
    return new Map(rows.map((r) => [r.gram, Number(r.n)]))
  }

  /** Ids of `kind` whose folded name contains `folded`, after `after`, in id order. */
  const nameSearch = async (kind: DirectoryKind, folded: string, after: string | undefined, limit: number): Promise<IdPage> => {
    const grams = directoryGrams(folded)
    let driver: string | undefined
    let bounded = false
    if (grams.length > 0) {
      // The grams compared: all of a short query's; for a long one a spread from first to last.
      const compared = grams.length <= GRAMS_COMPARED ? grams
        : Array.from({ length: GRAMS_COMPARED }, (_, i) => grams[Math.round((i * (grams.length - 1)) / (GRAMS_COMPARED - 1))]!)
      const counts = await gramCounts(kind, compared)
      let best = Infinity
      for (const gram of compared) {
        const n = counts.get(gram) ?? 0
        if (n === 0) return { ids: [] } // no entity has this gram, so none contains the query
        if (n < best) [best, driver] = [n, gram]
      }
      // Fewer candidates than the cap: the walk below sees all of them, so the budget cannot cut it short.
      bounded = best < GRAM_COUNT_CAP
    }
    const candidates = driver === undefined
      ? ctx.db.selectFrom('directory_entries').select(['entity_id', 'name']).where('kind', '=', kind)
        .$if(after !== undefined, (qb) => qb.where('entity_id', '>', after!)).orderBy('entity_id').limit(SCAN_BUDGET)
      : ctx.db.selectFrom('directory_grams as g')
        .innerJoin('directory_entries as e', (join) => join.onRef('e.kind', '=', 'g.kind').onRef('e.entity_id', '=', 'g.entity_id'))
        .select(['g.entity_id as entity_id', 'e.name as name'])
        .where('g.kind', '=', kind).where('g.gram', '=', driver)
        .$if(after !== undefined, (qb) => qb.where('g.entity_id', '>', after!)).orderBy('g.entity_id').limit(SCAN_BUDGET)
    const rows = await ctx.db.selectFrom(candidates.as('c')).select('c.entity_id')
      .where(contains(sql.ref('c.name'), folded)).orderBy('c.entity_id').limit(limit + 1).execute()
    const ids = rows.map((r) => r.entity_id)
    if (ids.length > limit) return { ids: ids.slice(0, limit), continueAfter: ids[limit - 1]! }
    if (bounded) return { ids }
    // The page is not full: did the walk end, or did it stop at the budget? Look for its last candidate.
    const budgetEnd = driver === undefined
      ? await ctx.db.selectFrom('directory_entries').select('entity_id').where('kind', '=', kind)
        .$if(after !== undefined, (qb) => qb.where('entity_id', '>', after!)).orderBy('entity_id')
        .limit(1).offset(SCAN_BUDGET - 1).executeTakeFirst()
      : await ctx.db.selectFrom('directory_grams').select('entity_id').where('kind', '=', kind).where('gram', '=', driver)
        .$if(after !== undefined, (qb) => qb.where('entity_id', '>', after!)).orderBy('entity_id')
        .limit(1).offset(SCAN_BUDGET - 1).executeTakeFirst()
    return budgetEnd === undefined ? { ids } : { ids, continueAfter: budgetEnd.entity_id }
  }

  /** Ids of every entity of `kind` (a query with no key), in id order. */
  const allIds = async (target: DirectoryTarget, after: string | undefined, limit: number): Promise<IdPage> => {
    const rows = await ctx.db.selectFrom(target === 'participant' ? 'participants' : 'rooms').select('id')
      .$if(after !== undefined, (qb) => qb.where('id', '>', after!)).orderBy('id').limit(limit + 1).execute()
    const ids = rows.map((r) => r.id)
    return ids.length > limit ? { ids: ids.slice(0, limit), continueAfter: ids[limit - 1]! } : { ids }
  }

  /** The one id an exact key names (id, external id, binding key), null for none; undefined: no exact key. */
  const exactCandidate = async (target: DirectoryTarget, q: DirectoryQuery): Promise<string | null | undefined> => {
    let candidate: string | undefined
    if (target === 'participant' && q.channel !== undefined && q.externalId !== undefined) {
      candidate = await st.externalIdOwner(ctx.db, q.channel, q.externalId)
      if (candidate === undefined) return null
    } else if (target === 'room' && q.channel !== undefined && q.bridgeId !== undefined && q.externalId !== undefined) {
      candidate = (await st.bindingByKey(ctx.db, q.channel, q.bridgeId, q.externalId))?.room_id
      if (candidate === undefined) return null
    }
    if (q.id !== undefined) {
      if (candidate !== undefined && candidate !== q.id) return null
      candidate = q.id
    }
    return candidate
  }

  const loadParticipants = async (ids: readonly string[]): Promise<Participant[]> => {
    if (ids.length === 0) return []
    const byId = new Map<string, Participant>()
    for (const part of chunks(ids)) {
      for (const row of await ctx.db.selectFrom('participants').selectAll().where('id', 'in', part).execute()) byId.set(row.id, participantOf(row))
    }
    return ids.map((id) => byId.get(id)).filter((p): p is Participant => p !== undefined)
  }

  const loadRooms = async (ids: readonly string[]): Promise<Room[]> => {
    if (ids.length === 0) return []
    const byId = new Map<string, Room>()
    for (const part of chunks(ids)) {
      const rows = await ctx.db.selectFrom('rooms').selectAll().where('id', 'in', part).execute()
      const bindings = new Map<string, RoomBinding[]>()
      const bindingRows = await ctx.db.selectFrom('room_bindings').selectAll().where('room_id', 'in', part)
        .orderBy('inserted_at').orderBy('id').execute()
      for (const b of bindingRows) {
        const list = bindings.get(b.room_id) ?? []
        list.push(bindingOf(b))
        bindings.set(b.room_id, list)
      }
      for (const row of rows) byId.set(row.id, roomOf(row, bindings.get(row.id) ?? []))
    }
    return ids.map((id) => byId.get(id)).filter((r): r is Room => r !== undefined)
  }

  async function search<T extends Participant | Room>(
    target: DirectoryTarget,
    query: DirectoryQuery,
    options: DirectorySearchOptions,
    load: (ids: readonly string[]) => Promise<T[]>,
    nameOf: (record: T) => unknown,
  ): Promise<Page<T>> {
    const after = options.cursor === undefined ? undefined : decodeDirectoryCursor(target, options.cursor)
    const folded = query.name === undefined ? undefined : foldDirectoryName(query.name)
    const exact = await exactCandidate(target, query)
    if (exact !== undefined) {
      if (exact === null || (after !== undefined && exact <= after)) return { items: [] }
      const items = await load([exact])
      return { items: folded === undefined ? items : items.filter((r) => directoryNameMatches(nameOf(r), folded)) }
    }
    const page = folded === undefined
      ? await allIds(target, after, options.limit)
      : await nameSearch(kindOf(target), folded, after, options.limit)
    const items = await load(page.ids)
    return page.continueAfter === undefined ? { items } : { items, nextCursor: encodeDirectoryCursor(target, page.continueAfter) }
  }

  return {
    searchParticipants: (query, options) => search('participant', query, options, loadParticipants, (p) => p.identity.name),
    searchRooms: (query, options) => search('room', query, options, loadRooms, (r) => r.name),
  }
}
