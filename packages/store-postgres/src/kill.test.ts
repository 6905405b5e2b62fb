import { expectRedeliveredAfterKill, runKilledChild } from '@jido-messaging/testing'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, it } from 'vitest'
import { createPostgresStore } from './index.js'
import { buildPackage } from './test-fixtures/build.js'
import { adminPool, describeWithPostgres, dropSchema, PG_URL, uniqueSchema } from './test-fixtures/pg-env.js'

// the built package, as another process would load it
const BUILT = fileURLToPath(new URL('../dist/index.js', import.meta.url))
const admin = adminPool()
afterAll(() => admin.end())

await describeWithPostgres('store-postgres: a process killed with SIGKILL between commit and delivery', () => {
  beforeAll(() => buildPackage(), 120_000)

  it('delivers the signal to the durable subscription after a restart on the same schema', async () => {
    const schema = uniqueSchema('kill')
    try {
      const killed = await runKilledChild(BUILT, 'createPostgresStore', { connectionString: PG_URL, schema, poolSize: 2 })
      await expectRedeliveredAfterKill(createPostgresStore({ connectionString: PG_URL, schema, poolSize: 2 }), killed)
    } finally {
      await dropSchema(admin, schema)
    }
  }, 120_000)
})
