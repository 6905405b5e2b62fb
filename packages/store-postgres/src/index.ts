export { createPostgresStore, type PostgresStore, type PostgresStoreOptions } from './store.js'
export type { SqlStore } from '@jido-messaging/store-sql'
