// Ingest over Postgres when things go wrong for real, through routeWebhookRequest with adapter-webhook:
// a store failure in the middle of the commit answers 5xx (never a final-looking 409/404) and the
// platform's retry after recovery stores the message once; and dedupe across two processes on one
// schema, which core's in-process in-flight map cannot help with.
import type { MessagingStore } from '@jido-messaging/core'
import { createWebhookAdapter } from '@jido-messaging/adapter-webhook'
import { crossInstanceIngestCases, storeFaultCases } from '@jido-messaging/testing'
import { afterAll } from 'vitest'
import { createPostgresStore, type PostgresStore } from './index.js'
import { adminPool, describeWithPostgres, dropSchema, PG_URL, uniqueSchema } from './test-fixtures/pg-env.js'

const admin = adminPool()
const schemas = new WeakMap<MessagingStore, { schema: string; app: string }>()
afterAll(() => admin.end())

/** A store on a fresh schema whose connections carry an application_name of their own, to find them in pg_stat_activity. */
function create(): PostgresStore {
  const schema = uniqueSchema('fault')
  const url = new URL(PG_URL)
  url.searchParams.set('application_name', schema)
  const store = createPostgresStore({ connectionString: url.toString(), schema, poolSize: 4 })
  schemas.set(store, { schema, app: schema })
  return store
}

async function destroy(store: MessagingStore): Promise<void> {
  await store.stop?.()
  await dropSchema(admin, schemas.get(store)!.schema)
}

const connectPeer = (store: MessagingStore) => {
  const { schema } = schemas.get(store)!
  return createPostgresStore({ connectionString: PG_URL, schema, poolSize: 4 })
}

await describeWithPostgres('store-postgres ingest faults', () => {
  storeFaultCases({
    name: 'store-postgres',
    create,
    destroy,
    createWebhookAdapter,
    faults: [
      {
        // The store maps the unique violation to a ConflictError: before the fix that was a 409.
        name: 'a unique index every new message of the room violates (CONFLICT in the middle of the commit)',
        async inject(store) {
          const { schema } = schemas.get(store)!
          await admin.query(`create unique index jm_fault_one_per_room on "${schema}".messages (room_id)`)
          return async () => void (await admin.query(`drop index "${schema}".jm_fault_one_per_room`))
        },
      },
      {
        name: 'the connection terminated while the commit waits for a lock',
        async inject(store) {
          const { schema, app } = schemas.get(store)!
          const locker = await admin.connect()
          await locker.query('begin')
          await locker.query(`lock table "${schema}".messages in access exclusive mode`)
          let healed = false
          // Every backend of this store that waits for the lock is terminated, as a failover or an
          // operator would: its commit fails in the middle of its transaction.
          const killing = (async () => {
            while (!healed) {
              await admin.query(
                `select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'`,
                [app],
              )
              await new Promise((r) => setTimeout(r, 20))
            }
          })()
          return async () => {
            healed = true
            await killing
            await locker.query('rollback')
            locker.release()
          }
        },
      },
    ],
  })

  crossInstanceIngestCases({ name: 'store-postgres', create, destroy, connectPeer, createWebhookAdapter })
})
