import { sql, type Kysely, type Migration, type MigrationProvider, type RawBuilder } from 'kysely'
import type { SqlDialectKind } from './dialect.js'
import { directoryMigration } from './directory.js'

// Versioned schema migrations, kept as code so the built package carries them. Names sort in apply
// order; a released migration is never edited, only followed by a new one.

interface ColumnTypes {
  /** Keys, ids and ISO timestamps: Postgres compares them bytewise ("C"), like SQLite and like JS. */
  key: 'text' | RawBuilder<unknown>
  json: 'text' | 'jsonb'
  bool: 'integer' | 'boolean'
  /**
   * A 64-bit integer. On SQLite `integer`: an `integer primary key` is the table's rowid (one b-tree, no
   * separate index), which `bigint primary key` would not be.
   */
  int64: 'integer' | 'bigint'
}

function columnTypes(kind: SqlDialectKind): ColumnTypes {
  return kind === 'postgres'
    ? { key: sql`text collate "C"`, json: 'jsonb', bool: 'boolean', int64: 'bigint' }
    : { key: 'text', json: 'text', bool: 'integer', int64: 'integer' }
}

async function initial(db: Kysely<any>, t: ColumnTypes): Promise<void> {
  await db.schema.createTable('rooms')
    .addColumn('id', t.key, (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('metadata', t.json, (c) => c.notNull())
    .addColumn('inserted_at', t.key, (c) => c.notNull())
    .execute()
  await db.schema.createIndex('rooms_order').on('rooms').columns(['inserted_at', 'id']).execute()

  await db.schema.createTable('room_bindings')
    .addColumn('id', t.key, (c) => c.primaryKey())
    .addColumn('room_id', t.key, (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('channel', t.key, (c) => c.notNull())
    .addColumn('bridge_id', t.key, (c) => c.notNull())
    .addColumn('external_room_id', t.key, (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('enabled', t.bool, (c) => c.notNull())
    .addColumn('inserted_at', t.key, (c) => c.notNull())
    .addUniqueConstraint('room_bindings_key', ['channel', 'bridge_id', 'external_room_id'])
    .execute()
  await db.schema.createIndex('room_bindings_room').on('room_bindings').columns(['room_id', 'inserted_at', 'id']).execute()

  await db.schema.createTable('participants')
    .addColumn('id', t.key, (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('identity', t.json, (c) => c.notNull())
    .addColumn('external_ids', t.json, (c) => c.notNull())
    .addColumn('presence', 'text', (c) => c.notNull())
    .addColumn('capabilities', t.json, (c) => c.notNull())
    .addColumn('metadata', t.json, (c) => c.notNull())
    .addColumn('inserted_at', t.key, (c) => c.notNull())
    .execute()

  await db.schema.createTable('participant_external_ids')
    .addColumn('channel', t.key, (c) => c.notNull())
    .addColumn('external_user_id', t.key, (c) => c.notNull())
    .addColumn('participant_id', t.key, (c) => c.notNull().references('participants.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('participant_external_ids_pk', ['channel', 'external_user_id'])
    .execute()
  await db.schema.createIndex('participant_external_ids_owner').on('participant_external_ids').column('participant_id').execute()

  await db.schema.createTable('room_members')
    .addColumn('room_id', t.key, (c) => c.notNull())
    .addColumn('participant_id', t.key, (c) => c.notNull())
    .addColumn('joined_at', t.key, (c) => c.notNull())
    .addPrimaryKeyConstraint('room_members_pk', ['room_id', 'participant_id'])
    .execute()

  await db.schema.createTable('messages')
    .addColumn('id', t.key, (c) => c.primaryKey())
    .addColumn('room_id', t.key, (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('sender_id', t.key, (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('content', t.json, (c) => c.notNull())
    .addColumn('reply_to_id', t.key)
    .addColumn('external_id', t.key)
    .addColumn('external_reply_to_id', t.key)
    .addColumn('thread_id', t.key)
    .addColumn('external_thread_id', t.key)
    .addColumn('delivery_external_room_id', t.key)
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reactions', t.json, (c) => c.notNull())
    .addColumn('receipts', t.json, (c) => c.notNull())
    .addColumn('metadata', t.json, (c) => c.notNull())
    .addColumn('ext_channel', t.key)
    .addColumn('ext_bridge_id', t.key)
    .addColumn('inserted_at', t.key, (c) => c.notNull())
    .addColumn('updated_at', t.key, (c) => c.notNull())
    .execute()
  // Partial: most messages have no platform identity, and leaving them out of this index makes inserts cheaper.
  await db.schema.createIndex('messages_external_key').on('messages').unique()
    .columns(['ext_channel', 'ext_bridge_id', 'external_id']).where(sql.ref('ext_channel'), 'is not', null).execute()
  await db.schema.createIndex('messages_room_order').on('messages').columns(['room_id', 'inserted_at', 'id']).execute()
  await db.schema.createIndex('messages_thread_order').on('messages')
    .columns(['room_id', 'thread_id', 'inserted_at', 'id']).execute()

  await db.schema.createTable('threads')
    .addColumn('id', t.key, (c) => c.primaryKey())
    .addColumn('room_id', t.key, (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('external_thread_id', t.key)
    .addColumn('delivery_external_room_id', t.key)
    .addColumn('root_message_id', t.key)
    .addColumn('root_external_message_id', t.key)
    .addColumn('assigned_agent_id', t.key)
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('metadata', t.json, (c) => c.notNull())
    .addColumn('inserted_at', t.key, (c) => c.notNull())
    .addColumn('updated_at', t.key, (c) => c.notNull())
    .addUniqueConstraint('threads_external_key', ['room_id', 'external_thread_id'])
    .addUniqueConstraint('threads_root_key', ['room_id', 'root_message_id'])
    .execute()
  await db.schema.createIndex('threads_room_order').on('threads').columns(['room_id', 'inserted_at', 'id']).execute()
  await db.schema.createIndex('threads_room_status_order').on('threads')
    .columns(['room_id', 'status', 'inserted_at', 'id']).execute()

  await db.schema.createTable('bridge_configs')
    .addColumn('id', t.key, (c) => c.primaryKey())
    .addColumn('adapter', 'text', (c) => c.notNull())
    .addColumn('credentials', t.json, (c) => c.notNull())
    .addColumn('options', t.json, (c) => c.notNull())
    .addColumn('enabled', t.bool, (c) => c.notNull())
    .addColumn('delivery_policy', t.json, (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('inserted_at', t.key, (c) => c.notNull())
    .addColumn('updated_at', t.key, (c) => c.notNull())
    .execute()

  await db.schema.createTable('routing_policies')
    .addColumn('room_id', t.key, (c) => c.primaryKey().references('rooms.id').onDelete('cascade'))
    .addColumn('delivery_mode', 'text', (c) => c.notNull())
    .addColumn('failover_policy', 'text', (c) => c.notNull())
    .addColumn('dedupe_scope', 'text', (c) => c.notNull())
    .addColumn('fallback_order', t.json, (c) => c.notNull())
    .addColumn('mirror', t.bool, (c) => c.notNull())
    .addColumn('metadata', t.json, (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('inserted_at', t.key, (c) => c.notNull())
    .addColumn('updated_at', t.key, (c) => c.notNull())
    .execute()

  await db.schema.createTable('dedupe_keys')
    .addColumn('key', t.key, (c) => c.primaryKey())
    .addColumn('expires_at', t.key, (c) => c.notNull())
    .execute()
  await db.schema.createIndex('dedupe_keys_expiry').on('dedupe_keys').column('expires_at').execute()
}

/** Statuses of a delivery that still has to be sent: the outbox's partial indexes hold only those rows. */
export const OPEN_DELIVERY = sql<boolean>`status in ('pending', 'sending', 'retrying')`

/** The bridge runtime's tables: the outbox, dead letters, ingress subscriptions; dedupe claims remember their message. */
async function runtime(db: Kysely<any>, t: ColumnTypes): Promise<void> {
  await db.schema.alterTable('dedupe_keys').addColumn('message_id', t.key).execute()

  await db.schema.createTable('deliveries')
    .addColumn('id', t.key, (c) => c.primaryKey())
    .addColumn('message_id', t.key, (c) => c.notNull())
    .addColumn('room_id', t.key, (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('bridge_id', t.key, (c) => c.notNull())
    .addColumn('channel', t.key, (c) => c.notNull())
    .addColumn('external_room_id', t.key, (c) => c.notNull())
    .addColumn('external_thread_id', t.key)
    .addColumn('external_reply_to_id', t.key)
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('chunk_index', 'integer', (c) => c.notNull())
    .addColumn('chunk_count', 'integer', (c) => c.notNull())
    .addColumn('conversation_key', t.key, (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', t.key, (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('external_message_id', t.key)
    .addColumn('lease_owner', t.key)
    .addColumn('lease_until', t.key)
    .addColumn('inserted_at', t.key, (c) => c.notNull())
    .addColumn('updated_at', t.key, (c) => c.notNull())
    .execute()
  await db.schema.createIndex('deliveries_message_order').on('deliveries').columns(['message_id', 'inserted_at', 'id']).execute()
  await db.schema.createIndex('deliveries_room').on('deliveries').column('room_id').execute()
  // The claim query reads only unfinished rows, so both of its indexes are partial: delivered history
  // (the bulk of the table) costs a claim nothing. One serves "is there an older unfinished delivery in
  // this conversation" (the head check), the other walks unfinished rows in claim order (due-ness).
  await db.schema.createIndex('deliveries_open_conversation').on('deliveries')
    .columns(['conversation_key', 'inserted_at', 'id']).where(OPEN_DELIVERY).execute()
  await db.schema.createIndex('deliveries_open_due').on('deliveries')
    .columns(['next_attempt_at', 'inserted_at', 'id']).where(OPEN_DELIVERY).execute()

  await db.schema.createTable('dead_letters')
    .addColumn('id', t.key, (c) => c.primaryKey())
    .addColumn('delivery_id', t.key, (c) => c.notNull())
    .addColumn('room_id', t.key, (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('message_id', t.key, (c) => c.notNull())
    .addColumn('bridge_id', t.key, (c) => c.notNull())
    .addColumn('external_room_id', t.key, (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('inserted_at', t.key, (c) => c.notNull())
    .addColumn('updated_at', t.key, (c) => c.notNull())
    .execute()
  await db.schema.createIndex('dead_letters_order').on('dead_letters').columns(['inserted_at', 'id']).execute()
  await db.schema.createIndex('dead_letters_status_order').on('dead_letters').columns(['status', 'inserted_at', 'id']).execute()
  await db.schema.createIndex('dead_letters_room').on('dead_letters').column('room_id').execute()

  await db.schema.createTable('ingress_subscriptions')
    .addColumn('bridge_id', t.key, (c) => c.notNull())
    .addColumn('id', t.key, (c) => c.notNull())
    .addColumn('adapter', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('url', 'text')
    .addColumn('instructions', 'text')
    .addColumn('metadata', t.json, (c) => c.notNull())
    .addColumn('inserted_at', t.key, (c) => c.notNull())
    .addColumn('updated_at', t.key, (c) => c.notNull())
    .addPrimaryKeyConstraint('ingress_subscriptions_pk', ['bridge_id', 'id'])
    .execute()
}

/** Deliveries carry the media blocks sent with them (NULL: none). */
async function deliveryMedia(db: Kysely<any>, t: ColumnTypes): Promise<void> {
  await db.schema.alterTable('deliveries').addColumn('media', t.json).execute()
}

/**
 * Deliveries that change a platform copy (edit, delete, react, unreact; NULL: send) and the index by
 * platform message id through which platform changes of those copies find their message.
 */
async function deliveryActions(db: Kysely<any>, t: ColumnTypes): Promise<void> {
  await db.schema.alterTable('deliveries').addColumn('action', t.key).execute()
  await db.schema.alterTable('deliveries').addColumn('emoji', 'text').execute()
  await db.schema.createIndex('deliveries_external_message').on('deliveries').columns(['bridge_id', 'external_message_id'])
    .where(sql.ref('external_message_id'), 'is not', null).execute()
}

/** Agents registered in rooms (their handlers live in the processes that register them). */
async function agents(db: Kysely<any>, t: ColumnTypes): Promise<void> {
  await db.schema.createTable('agent_registrations')
    .addColumn('room_id', t.key, (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('agent_id', t.key, (c) => c.notNull())
    .addColumn('participant_id', t.key, (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('mention_handles', t.json)
    .addColumn('respond_to_agents', t.bool, (c) => c.notNull())
    .addColumn('inserted_at', t.key, (c) => c.notNull())
    .addColumn('updated_at', t.key, (c) => c.notNull())
    .addPrimaryKeyConstraint('agent_registrations_pk', ['room_id', 'agent_id'])
    .execute()
}

/**
 * Onboarding flows (SPEC 9): one row per flow; its metadata, append-only transition log and the results
 * of its idempotency keys are JSON columns read and written whole (an update rewrites the row under its
 * row lock, so the idempotency check and the write are one atomic step).
 */
async function onboarding(db: Kysely<any>, t: ColumnTypes): Promise<void> {
  await db.schema.createTable('onboarding_flows')
    .addColumn('id', t.key, (c) => c.primaryKey())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attrs', t.json, (c) => c.notNull())
    .addColumn('directory_match', t.json)
    .addColumn('pairing', t.json)
    .addColumn('completion_metadata', t.json)
    .addColumn('transitions', t.json, (c) => c.notNull())
    .addColumn('idempotency', t.json, (c) => c.notNull())
    .addColumn('inserted_at', t.key, (c) => c.notNull())
    .addColumn('updated_at', t.key, (c) => c.notNull())
    .execute()
}

/**
 * The signal journal: journaled signals by position, the head row that hands positions out (and records
 * the pruned range), durable subscriptions' checkpoints. The body is JSON text on both engines (it is only
 * ever read back whole; text is cheaper to write than jsonb).
 */
async function signalJournal(db: Kysely<any>, t: ColumnTypes): Promise<void> {
  await db.schema.createTable('signal_journal')
    .addColumn('position', t.int64, (c) => c.primaryKey())
    .addColumn('id', t.key, (c) => c.notNull())
    .addColumn('type', t.key, (c) => c.notNull())
    .addColumn('room_id', t.key)
    .addColumn('time', t.key, (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('signal_journal_room').on('signal_journal').columns(['room_id', 'position']).execute()

  await db.schema.createTable('journal_head')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('position', t.int64, (c) => c.notNull())
    .addColumn('pruned_through', t.int64, (c) => c.notNull())
    .execute()
  await db.insertInto('journal_head').values({ id: 1, position: 0, pruned_through: 0 }).execute()

  await db.schema.createTable('subscription_checkpoints')
    .addColumn('name', t.key, (c) => c.primaryKey())
    .addColumn('position', t.int64, (c) => c.notNull())
    .addColumn('updated_at', t.key, (c) => c.notNull())
    .execute()
}

/**
 * Named leases (a listener, an agent runner: work that runs on one process at a time). Times are epoch
 * milliseconds on the database's clock; a released lease keeps its row (expired), so its generation,
 * which fences the writes of earlier holders, only ever grows.
 */
async function leases(db: Kysely<any>, t: ColumnTypes): Promise<void> {
  await db.schema.createTable('leases')
    .addColumn('name', t.key, (c) => c.primaryKey())
    .addColumn('holder', t.key, (c) => c.notNull())
    .addColumn('generation', t.int64, (c) => c.notNull())
    .addColumn('expires_at', t.int64, (c) => c.notNull())
    .addColumn('acquired_at', t.int64, (c) => c.notNull())
    .execute()
}

/** The store's migrations by name, for a dialect and (Postgres) a schema. */
export function storeMigrations(kind: SqlDialectKind, schema?: string): Record<string, Migration> {
  const types = columnTypes(kind)
  const scoped = (db: Kysely<any>) => (schema === undefined ? db : db.withSchema(schema))
  return {
    '0001_initial': { up: (db) => initial(scoped(db), types) },
    '0002_runtime': { up: (db) => runtime(scoped(db), types) },
    '0003_delivery_media': { up: (db) => deliveryMedia(scoped(db), types) },
    '0004_signal_journal': { up: (db) => signalJournal(scoped(db), types) },
    '0005_agents': { up: (db) => agents(scoped(db), types) },
    '0006_onboarding': { up: (db) => onboarding(scoped(db), types) },
    // The directory's name index (directory.ts), backfilled for existing participants and rooms.
    '0007_directory': { up: (db) => directoryMigration(scoped(db), kind) },
    '0008_delivery_actions': { up: (db) => deliveryActions(scoped(db), types) },
    '0009_leases': { up: (db) => leases(scoped(db), types) },
  }
}

/** A kysely migration provider over {@link storeMigrations}. */
export function storeMigrationProvider(kind: SqlDialectKind, schema?: string): MigrationProvider {
  const migrations = storeMigrations(kind, schema)
  return { getMigrations: async () => migrations }
}
