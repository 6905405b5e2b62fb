import pg from 'pg'
import { describe, it } from 'vitest'

// The Postgres the tests use (127.0.0.1 only), and the rule for when it is missing: with CI=true the
// tests fail; locally they are skipped with a loud warning.

export const PG_URL = process.env['JIDO_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'

let counter = 0
/** A schema name no other run or test uses. */
export function uniqueSchema(label = 't'): string {
  return `jm_${label}_${process.pid}_${Date.now().toString(36)}_${counter++}`
}

async function reachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.query('select 1')
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
}

/**
 * Registers `suite` when Postgres answers. Otherwise, on CI a failing test says so; locally the suite is
 * skipped with a warning.
 */
export async function describeWithPostgres(title: string, suite: () => void): Promise<void> {
  if (await reachable()) {
    describe(title, suite)
    return
  }
  if (process.env['CI']) {
    describe(title, () => {
      it(`needs PostgreSQL at ${PG_URL}`, () => {
        throw new Error(`[store-postgres tests] PostgreSQL at ${PG_URL} is not reachable, and CI=true forbids skipping`)
      })
    })
    return
  }
  console.warn(`\n!!! [store-postgres tests] PostgreSQL at ${PG_URL} is not reachable: SKIPPING "${title}" !!!\n`)
  describe.skip(title, suite)
}

/** A small admin pool for creating and dropping test schemas. */
export function adminPool(): pg.Pool {
  const pool = new pg.Pool({ connectionString: PG_URL, max: 2 })
  pool.on('error', () => undefined)
  return pool
}

export async function dropSchema(pool: pg.Pool, schema: string): Promise<void> {
  await pool.query(`drop schema if exists "${schema}" cascade`)
}
