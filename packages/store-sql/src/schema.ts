import type { ColumnType } from 'kysely'

// Table shapes as kysely sees them. Column names are snake_case. JSON columns are written as JSON text;
// SQLite reads them back as text, Postgres (jsonb) as parsed values. They are typed as text so that a
// row we wrote and a row we read share one type; the codec's `fromJson` accepts both at run time.

/** A JSON column (see above). */
export type JsonColumn = string
/** A boolean column: SQLite stores 0/1, Postgres a boolean. */
export type BoolColumn = ColumnType<boolean | number, boolean | number, boolean | number>

export interface RoomsTable {
  id: string
  type: string
  name: string | null
  metadata: JsonColumn
  inserted_at: string
}

export interface RoomBindingsTable {
  id: string
  room_id: string
  channel: string
  bridge_id: string
  external_room_id: string
  direction: string
  enabled: BoolColumn
  inserted_at: string
}

export interface ParticipantsTable {
  id: string
  type: string
  identity: JsonColumn
  external_ids: JsonColumn
  presence: string
  capabilities: JsonColumn
  metadata: JsonColumn
  inserted_at: string
}

/** One row per entry of a participant's `externalIds`: the unique key `(channel, external_user_id)`. */
export interface ParticipantExternalIdsTable {
  channel: string
  external_user_id: string
  participant_id: string
}

export interface RoomMembersTable {
  room_id: string
  participant_id: string
  joined_at: string
}

export interface MessagesTable {
  id: string
  room_id: string
  sender_id: string
  role: string
  content: JsonColumn
  reply_to_id: string | null
  external_id: string | null
  external_reply_to_id: string | null
  thread_id: string | null
  external_thread_id: string | null
  delivery_external_room_id: string | null
  status: string
  reactions: JsonColumn
  receipts: JsonColumn
  metadata: JsonColumn
  /** `metadata.channel` when the message has a full external key, else null (the unique key skips nulls). */
  ext_channel: string | null
  /** `metadata.bridgeId` when the message has a full external key, else null. */
  ext_bridge_id: string | null
  inserted_at: string
  updated_at: string
}

export interface ThreadsTable {
  id: string
  room_id: string
  external_thread_id: string | null
  delivery_external_room_id: string | null
  root_message_id: string | null
  root_external_message_id: string | null
  assigned_agent_id: string | null
  status: string
  metadata: JsonColumn
  inserted_at: string
  updated_at: string
}

export interface BridgeConfigsTable {
  id: string
  adapter: string
  credentials: JsonColumn
  options: JsonColumn
  enabled: BoolColumn
  delivery_policy: JsonColumn
  revision: number
  inserted_at: string
  updated_at: string
}

export interface RoutingPoliciesTable {
  room_id: string
  delivery_mode: string
  failover_policy: string
  dedupe_scope: string
  fallback_order: JsonColumn
  mirror: BoolColumn
  metadata: JsonColumn
  revision: number
  inserted_at: string
  updated_at: string
}

export interface DedupeKeysTable {
  key: string
  expires_at: string
  /** The message committed with the claim (commitMessage); null for a bare claimDedupeKey. Added by 0002_runtime. */
  message_id: ColumnType<string | null, string | null | undefined, string | null>
}

/** The outbox: one row per platform message to send (a chunk of an outbound message to one route). */
export interface DeliveriesTable {
  id: string
  message_id: string
  room_id: string
  bridge_id: string
  channel: string
  external_room_id: string
  external_thread_id: string | null
  external_reply_to_id: string | null
  text: string
  /** JSON array of the media blocks sent with this chunk; NULL when none. Added by 0003_delivery_media. */
  media: unknown
  /** NULL: send. Added by 0008_delivery_actions. */
  action: string | null
  /** The emoji of a react/unreact delivery. Added by 0008_delivery_actions. */
  emoji: string | null
  chunk_index: number
  chunk_count: number
  conversation_key: string
  status: string
  attempts: number
  next_attempt_at: string
  last_error: string | null
  external_message_id: string | null
  lease_owner: string | null
  lease_until: string | null
  inserted_at: string
  updated_at: string
}

export interface DeadLettersTable {
  id: string
  delivery_id: string
  room_id: string
  message_id: string
  bridge_id: string
  external_room_id: string
  reason: string
  attempts: number
  status: string
  inserted_at: string
  updated_at: string
}

export interface IngressSubscriptionsTable {
  bridge_id: string
  id: string
  adapter: string
  status: string
  url: string | null
  instructions: string | null
  metadata: JsonColumn
  inserted_at: string
  updated_at: string
}

/** A bigint column: Postgres hands it back as a string, SQLite as a number; read it through `Number()`. */
export type Int64Column = ColumnType<number | string, number, number>

/** The signal journal (0004_signal_journal): one row per journaled signal. */
export interface SignalJournalTable {
  /** Store-wide, strictly increasing in commit order, never reused. */
  position: Int64Column
  id: string
  type: string
  /** The signal's subject (its room), or null. */
  room_id: string | null
  time: string
  /** The signal as JSON text (`signalToJson`), without its position. */
  body: string
}

/** One row (id 1): the last position handed out and the pruned range (0004_signal_journal). */
export interface JournalHeadTable {
  id: number
  position: Int64Column
  /** Every position up to this one was pruned. */
  pruned_through: Int64Column
}

/** Durable subscriptions' checkpoints (0004_signal_journal). */
export interface SubscriptionCheckpointsTable {
  name: string
  position: Int64Column
  updated_at: string
}

/** Named leases (migration 0009_leases); times are epoch ms on the database's clock. Rows are never deleted. */
export interface LeasesTable {
  name: string
  holder: string
  generation: Int64Column
  expires_at: Int64Column
  acquired_at: Int64Column
}

export interface Database {
  rooms: RoomsTable
  room_bindings: RoomBindingsTable
  participants: ParticipantsTable
  participant_external_ids: ParticipantExternalIdsTable
  room_members: RoomMembersTable
  messages: MessagesTable
  threads: ThreadsTable
  bridge_configs: BridgeConfigsTable
  routing_policies: RoutingPoliciesTable
  dedupe_keys: DedupeKeysTable
  deliveries: DeliveriesTable
  dead_letters: DeadLettersTable
  ingress_subscriptions: IngressSubscriptionsTable
  signal_journal: SignalJournalTable
  journal_head: JournalHeadTable
  subscription_checkpoints: SubscriptionCheckpointsTable
  leases: LeasesTable
  agent_registrations: AgentRegistrationsTable
  onboarding_flows: OnboardingFlowsTable
  directory_entries: DirectoryEntriesTable
  directory_grams: DirectoryGramsTable
}

/** Agents registered in rooms (migration 0005); deleted with their room. */
export interface AgentRegistrationsTable {
  room_id: string
  agent_id: string
  participant_id: string
  name: string | null
  trigger: string
  /** JSON array, or null */
  mention_handles: string | null
  respond_to_agents: number | boolean
  inserted_at: string
  updated_at: string
}

/** Onboarding flows (migration 0006_onboarding). */
export interface OnboardingFlowsTable {
  id: string
  status: string
  attrs: JsonColumn
  directory_match: JsonColumn | null
  pairing: JsonColumn | null
  completion_metadata: JsonColumn | null
  /** JSON array of the transition log */
  transitions: JsonColumn
  /** JSON object: idempotency key -> the transition's result */
  idempotency: JsonColumn
  inserted_at: string
  updated_at: string
}

/**
 * The directory's folded names (migration 0007_directory; see directory.ts): one row per named
 * participant (kind 'p') or room (kind 'r'), written with it.
 */
export interface DirectoryEntriesTable {
  kind: string
  entity_id: string
  /** `foldDirectoryName` of the participant's `identity.name` or the room's `name`. */
  name: string
}

/** The distinct trigrams of each directory entry's folded name (0007_directory); key (kind, gram, entity_id). */
export interface DirectoryGramsTable {
  kind: string
  gram: string
  entity_id: string
}
