export { createSqliteStore, type SqliteStore, type SqliteStoreOptions } from './store.js'
export type { SqlStore } from '@jido-messaging/store-sql'
