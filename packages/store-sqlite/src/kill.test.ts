import { expectRedeliveredAfterKill, runKilledChild } from '@jido-messaging/testing'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeAll, describe, it } from 'vitest'
import { createSqliteStore } from './index.js'
import { buildPackage } from './test-fixtures/build.js'
import { tempDatabase } from './test-fixtures/temp-db.js'

// the built package, as another process would load it
const BUILT = fileURLToPath(new URL('../dist/index.js', import.meta.url))

describe('store-sqlite: a process killed with SIGKILL between commit and delivery', () => {
  beforeAll(() => buildPackage(), 120_000)
  const cleanup: Array<() => void> = []
  afterEach(() => {
    for (const c of cleanup.splice(0)) c()
  })

  it('delivers the signal to the durable subscription after a restart on the same file', async () => {
    const db = tempDatabase('jido-kill')
    cleanup.push(db.remove)
    const killed = await runKilledChild(BUILT, 'createSqliteStore', { filename: db.filename })
    await expectRedeliveredAfterKill(createSqliteStore({ filename: db.filename }), killed)
  }, 120_000)
})
