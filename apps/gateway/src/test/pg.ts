// The Postgres the gateway's tests use (127.0.0.1 only). Missing: with CI=true the test fails; locally
// it is skipped with a loud warning.
import pg from 'pg'
import { describe, it } from 'vitest'

export const PG_URL = process.env['JIDO_TEST_PG_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test'

export function uniqueSchema(label: string): string {
  return `jm_gw_${label}_${process.pid}_${Date.now().toString(36)}`
}

async function reachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
}

export async function describeWithPostgres(title: string, suite: () => void): Promise<void> {
  if (await reachable()) return void describe(title, suite)
  if (process.env['CI']) {
    describe(title, () => it(`needs PostgreSQL at ${PG_URL}`, () => {
      throw new Error(`[gateway tests] PostgreSQL at ${PG_URL} is not reachable, and CI=true forbids skipping`)
    }))
    return
  }
  console.warn(`\n!!! [gateway tests] PostgreSQL at ${PG_URL} is not reachable: SKIPPING "${title}" !!!\n`)
  describe.skip(title, suite)
}

export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    await client.query(`drop schema if exists "${schema}" cascade`)
  } finally {
    await client.end()
  }
}
