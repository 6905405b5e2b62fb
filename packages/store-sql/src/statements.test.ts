import {
  Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, type CompiledQuery, type DatabaseConnection, type QueryResult,
} from 'kysely'
import { describe, expect, it } from 'vitest'
import type { Database } from './schema.js'
import { Statements } from './statements.js'

/** A kysely instance whose driver records the compiled queries instead of running them. */
function recording() {
  const seen: CompiledQuery[] = []
  const connection: DatabaseConnection = {
    executeQuery: async <R>(q: CompiledQuery) => {
      seen.push(q)
      return { rows: [] } as QueryResult<R>
    },
    streamQuery: () => { throw new Error('no streaming') },
  }
  const db = new Kysely<Database>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => ({
        init: async () => undefined,
        acquireConnection: async () => connection,
        beginTransaction: async () => undefined,
        commitTransaction: async () => undefined,
        rollbackTransaction: async () => undefined,
        releaseConnection: async () => undefined,
        destroy: async () => undefined,
      }),
      createIntrospector: (k) => new SqliteIntrospector(k),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  })
  return { db, seen }
}

describe('store-sql compiled statements', () => {
  it('builds a statement once and reuses its SQL with the new values in order', async () => {
    const { db, seen } = recording()
    const statements = new Statements()
    await statements.claimDedupe(db, { key: 'k1', expires_at: 'e1', message_id: 'm1' }, 'n1')
    await statements.claimDedupe(db, { key: 'k2', expires_at: 'e2', message_id: null }, 'n2')
    expect(seen).toHaveLength(2)
    expect(seen[1]!.sql).toBe(seen[0]!.sql)
    expect(seen[0]!.parameters).toEqual(['k1', 'e1', 'm1', 'n1'])
    expect(seen[1]!.parameters).toEqual(['k2', 'e2', null, 'n2'])
  })

  it('does not cache a statement whose bound values differ from the ones declared', async () => {
    const { db, seen } = recording()
    const statements = new Statements()
    let builds = 0
    const run = (id: string) => statements.execute(db, 'mismatch', ['declared'], (d) => {
      builds++
      return d.selectFrom('rooms').selectAll().where('id', '=', id)
    })
    await run('a')
    await run('b')
    expect(builds).toBe(2)
    expect(seen.map((q) => q.parameters)).toEqual([['a'], ['b']])
  })
})
