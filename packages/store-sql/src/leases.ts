import { ConflictError, type Lease, type LeaseFence, type LeaseStore } from '@jido-messaging/core'
import { sql, type Kysely, type RawBuilder } from 'kysely'
import type { SqlContext } from './context.js'
import type { SqlDialectKind } from './dialect.js'
import type { Database } from './schema.js'

// Named leases, each operation one statement on the database's clock (so hosts' clocks do not matter):
// a take is an upsert that only overwrites a row that expired or is the same holder's, and RETURNING
// says whether it did. A released lease keeps its row, expired, so generations only grow.

/** Now in epoch ms on the database's clock (Postgres: the statement's time, not the transaction's). */
function nowMs(kind: SqlDialectKind): RawBuilder<number> {
  return kind === 'postgres'
    ? sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`
    : sql<number>`cast((julianday('now') - 2440587.5) * 86400000 as integer)`
}

interface LeaseRow {
  name: string
  holder: string
  generation: number | string
  expires_at: number | string
}

const leaseOf = (r: LeaseRow): Lease => ({ name: r.name, holder: r.holder, generation: Number(r.generation), expiresAt: new Date(Number(r.expires_at)).toISOString() })

function checkTtl(name: string, ttlMs: number): void {
  if (!Number.isInteger(ttlMs) || ttlMs < 1) throw new TypeError(`[${name}] a lease ttl must be a positive integer (ms), not ${String(ttlMs)}`)
}

/** Above every name that starts with the prefix (bytewise: "C" collation on Postgres, BINARY on SQLite). */
const PREFIX_END = '\u{10FFFF}'

export function leaseOps(ctx: SqlContext): LeaseStore {
  const now = nowMs(ctx.kind)
  const columns = ['name', 'holder', 'generation', 'expires_at'] as const
  return {
    // Through the group committer like every write: on SQLite the stores of one file then take turns.
    acquireLease: async (name, holder, ttlMs) => {
      checkTtl(ctx.name, ttlMs)
      // A lease another holder has live is refused by a read: the standby processes' attempts (every ttl/3)
      // then neither write nor lock the row, which would make the holder's fenced writes wait. The upsert
      // below still decides atomically.
      const held = await ctx.db.selectFrom('leases').select('holder').where('name', '=', name).where('holder', '<>', holder)
        .where('expires_at', '>', now).executeTakeFirst()
      if (held !== undefined) return null
      const row = await ctx.write((tx) => tx.insertInto('leases')
        .values({ name, holder, generation: 1, expires_at: sql<number>`${now} + ${ttlMs}`, acquired_at: now })
        .onConflict((oc) => oc.column('name').doUpdateSet((eb) => {
          // The same holder's live lease is renewed in its term; a free, expired or released one starts a new term.
          const renewal = eb.and([eb('leases.holder', '=', eb.ref('excluded.holder')), eb('leases.expires_at', '>', eb.ref('excluded.acquired_at'))])
          return {
            holder: eb.ref('excluded.holder'),
            generation: eb.case().when(renewal).then(eb.ref('leases.generation')).else(eb(eb.ref('leases.generation'), '+', 1)).end(),
            expires_at: eb.ref('excluded.expires_at'),
            acquired_at: eb.case().when(renewal).then(eb.ref('leases.acquired_at')).else(eb.ref('excluded.acquired_at')).end(),
          }
        }).where((eb) => eb.or([eb('leases.holder', '=', eb.ref('excluded.holder')), eb('leases.expires_at', '<=', eb.ref('excluded.acquired_at'))])))
        .returning(columns)
        .executeTakeFirst())
      return row === undefined ? null : leaseOf(row)
    },

    renewLease: async (name, holder, generation, ttlMs) => {
      checkTtl(ctx.name, ttlMs)
      const row = await ctx.write((tx) => tx.updateTable('leases')
        .set({ expires_at: sql<number>`${now} + ${ttlMs}` })
        .where('name', '=', name).where('holder', '=', holder).where('generation', '=', generation).where('expires_at', '>', now)
        .returning(columns)
        .executeTakeFirst())
      return row === undefined ? null : leaseOf(row)
    },

    releaseLease: (name, holder, generation) =>
      ctx.write(async (tx) => (await tx.updateTable('leases').set({ expires_at: 0 })
        .where('name', '=', name).where('holder', '=', holder).where('generation', '=', generation)
        .executeTakeFirst()).numUpdatedRows > 0n),

    listLeases: async (prefix = '') => {
      let query = ctx.db.selectFrom('leases').select(columns).where('expires_at', '>', now)
      if (prefix !== '') query = query.where('name', '>=', prefix).where('name', '<', prefix + PREFIX_END)
      return (await query.orderBy('name').execute()).map(leaseOf)
    },
  }
}

/**
 * Refuses a write made under a superseded lease term: run in the write's transaction, before COMMIT.
 * Postgres locks the lease row `for share` until COMMIT, so a takeover (which updates the row) waits for
 * this transaction, and one that committed first is seen here; SQLite has one writer.
 */
export async function checkFence(tx: Kysely<Database>, kind: SqlDialectKind, storeName: string, fence: LeaseFence): Promise<void> {
  const query = tx.selectFrom('leases').select('generation').where('name', '=', fence.name)
  const row = await (kind === 'postgres' ? query.forShare() : query).executeTakeFirst()
  if (row !== undefined && Number(row.generation) === fence.generation) return
  throw new ConflictError(`[${storeName}] lease ${fence.name} is no longer in generation ${fence.generation}; the write is refused`,
    { fence: { name: fence.name, generation: fence.generation }, ...(row === undefined ? {} : { generation: Number(row.generation) }) })
}
