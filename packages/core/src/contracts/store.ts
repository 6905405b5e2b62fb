import type { AgentStore } from './agents.js'
import type { OnboardingStore } from './onboarding.js'
import type { DirectoryStore } from './directory.js'
import type { JournalStore, JournalWrite } from './journal.js'
import type { RuntimeStore } from './runtime-store.js'
import type {
  BridgeConfig,
  Message,
  MessagePage,
  Page,
  Participant,
  Room,
  RoomBinding,
  RoomMember,
  RoutingPolicy,
  Thread,
  ThreadStatus,
} from '../model.js'

/** The (insertedAt, id) pair that orders a room's messages; keyset pagination seeks on it. */
export interface MessageKey {
  insertedAt: string
  id: string
}

export interface StoreMessageQuery {
  roomId: string
  /** 1..1000 */
  limit: number
  /** Only messages strictly older than this key (the `limit` nearest to it). */
  before?: MessageKey
  /** Only messages strictly newer than this key (the `limit` nearest to it). */
  after?: MessageKey
  /** `undefined`: every message; a string: only messages with that `threadId`; `null`: only messages without one. */
  threadId?: string | null
}

export interface StoreListOptions {
  limit: number
  /** An opaque cursor returned by the previous page as `nextCursor`. */
  cursor?: string
}

export interface StoreThreadListOptions extends StoreListOptions {
  status?: ThreadStatus
}

/** What a revision-checked put writes: the record without its revision and timestamps, which the store sets. */
export type BridgeConfigWrite = Omit<BridgeConfig, 'revision' | 'insertedAt' | 'updatedAt'>
export type RoutingPolicyWrite = Omit<RoutingPolicy, 'revision' | 'insertedAt' | 'updatedAt'>

export interface RevisionedPutOptions {
  /** When given, the stored revision MUST equal it (0: the record must not exist yet). */
  expectedRevision?: number
  /** ISO timestamp used for insertedAt (on create) and updatedAt. */
  now: string
}

/**
 * Updates a record atomically. Receives a copy of the current record and returns the new record, or
 * `undefined` to leave it unchanged. It MAY be called more than once (optimistic stores retry), so it
 * MUST be pure. Errors it throws are passed through and change nothing.
 */
export type Updater<T> = (current: T) => T | undefined

export interface UpdateResult<T> {
  record: T
  changed: boolean
}

/**
 * The persistence contract. The runtime touches data only through it; `store-memory`, `store-sqlite`
 * and `store-postgres` implement it and pass the one conformance suite in `packages/testing`.
 *
 * Core generates ids and timestamps, validates input and emits signals; a store only persists records
 * it is given and enforces the invariants below. Every method resolves copies: a caller mutating a
 * returned record MUST NOT change the stored one.
 *
 * Unique keys a store MUST enforce, rejecting the second writer with a `ConflictError` (code CONFLICT)
 * and storing nothing of that call:
 * - room binding `(channel, bridgeId, externalRoomId)`: maps to exactly one room;
 * - participant external id `(channel, externalUserId)` for each entry of `externalIds`;
 * - message external id `(metadata.channel, metadata.bridgeId, externalId)` when all three are set;
 * - thread `(roomId, externalThreadId)` and `(roomId, rootMessageId)` when set;
 * - dedupe key;
 * - every record id.
 *
 * `Room.externalBindings` is derived: it MUST always equal the room's bindings as
 * `{[channel]: {[bridgeId]: externalRoomId}}`, whatever the caller passed.
 *
 * It includes `RuntimeStore` (atomic message commits with dedupe, the outbox, dead letters, ingress
 * subscriptions), which the bridge runtime uses; `runtimeStoreConformance` covers that part; and
 * `JournalStore` (the signal journal and durable subscription checkpoints), `AgentStore` (agents
 * registered in rooms), `OnboardingStore` (onboarding flows) and `DirectoryStore` (directory search).
 *
 * Writes that announce a change take an optional `journal` ({@link JournalWrite}): its signals MUST be
 * appended in the same transaction as the change, so a crash never leaves one without the other.
 */
export interface MessagingStore extends RuntimeStore, JournalStore, AgentStore, OnboardingStore, DirectoryStore {
  /** Short name used in error messages, e.g. `store-sqlite`. */
  readonly name: string

  /** Connects and, unless configured otherwise, migrates. MUST reject with `StoreUnavailableError` when unreachable. */
  start?(): Promise<void>
  /** Waits for in-flight writes, then releases connections. Idempotent. */
  stop?(): Promise<void>
  /** Runs pending schema migrations (SQL stores). */
  migrate?(): Promise<void>

  // ---- rooms ----
  /** Inserts a room and its bindings in one transaction; CONFLICT if the id or a binding key is taken. */
  createRoom(room: Room, bindings: RoomBinding[], journal?: JournalWrite<Room>): Promise<Room>
  /** Inserts or replaces a room by id (type, name, metadata, insertedAt) and adds the given bindings not yet present. */
  saveRoom(room: Room, bindings: RoomBinding[], journal?: JournalWrite<Room>): Promise<Room>
  getRoom(id: string): Promise<Room | null>
  /** Rooms ordered by (insertedAt, id) ascending. An unknown cursor rejects with `InvalidCursorError`. */
  listRooms(options: StoreListOptions): Promise<Page<Room>>
  /** Deletes the room with its messages, threads, bindings, members and routing policy in one transaction. */
  deleteRoom(id: string): Promise<boolean>

  // ---- room bindings ----
  /**
   * Returns the room bound to the binding key of `binding`, creating `room` and `binding` together when
   * no room is bound. MUST return the same room to concurrent callers, across connections and processes
   * (a writer that loses the unique race returns the winner's room with `created: false`).
   */
  getOrCreateRoomByBinding(room: Room, binding: RoomBinding, journal?: JournalWrite<{ room: Room; binding: RoomBinding; created: boolean }>): Promise<{ room: Room; binding: RoomBinding; created: boolean }>
  getRoomByBinding(channel: string, bridgeId: string, externalRoomId: string): Promise<Room | null>
  /** CONFLICT if the key is bound already (to any room); NOT_FOUND if the room does not exist. */
  insertRoomBinding(binding: RoomBinding): Promise<RoomBinding>
  getRoomBinding(id: string): Promise<RoomBinding | null>
  /** Bindings of a room ordered by (insertedAt, id). */
  listRoomBindings(roomId: string): Promise<RoomBinding[]>
  deleteRoomBinding(id: string): Promise<boolean>

  // ---- participants ----
  /** CONFLICT if the id or one of its external ids is taken. */
  createParticipant(participant: Participant): Promise<Participant>
  getParticipant(id: string): Promise<Participant | null>
  getParticipantByExternalId(channel: string, externalUserId: string): Promise<Participant | null>
  /** Returns the participant owning `(channel, externalUserId)`, creating `candidate` when none does. Race-safe like getOrCreateRoomByBinding. */
  getOrCreateParticipantByExternalId(
    channel: string,
    externalUserId: string,
    candidate: Participant,
  ): Promise<{ participant: Participant; created: boolean }>
  /** Atomic read-modify-write; null when absent. CONFLICT if the new external ids clash. */
  updateParticipant(id: string, updater: Updater<Participant>, journal?: JournalWrite<UpdateResult<Participant> | null>): Promise<UpdateResult<Participant> | null>

  // ---- room members ----
  /** Records membership; resolves true only for the call that added it (race-safe). */
  addRoomMember(member: RoomMember, journal?: JournalWrite<boolean>): Promise<boolean>
  removeRoomMember(roomId: string, participantId: string, journal?: JournalWrite<boolean>): Promise<boolean>
  listRoomMembers(roomId: string): Promise<RoomMember[]>

  // ---- messages ----
  /** CONFLICT if the id or the external key is taken; NOT_FOUND if the room does not exist. */
  insertMessage(message: Message, journal?: JournalWrite<Message>): Promise<Message>
  /** Inserts or replaces by id. CONFLICT if the external key belongs to another message. */
  saveMessage(message: Message): Promise<Message>
  getMessage(id: string): Promise<Message | null>
  getMessageByExternalId(channel: string, bridgeId: string, externalId: string): Promise<Message | null>
  /** Atomic read-modify-write: concurrent updaters of one message never lose each other's changes. */
  updateMessage(id: string, updater: Updater<Message>, journal?: JournalWrite<UpdateResult<Message> | null>): Promise<UpdateResult<Message> | null>
  deleteMessage(id: string, journal?: JournalWrite<boolean>): Promise<boolean>
  /**
   * Keyset page of a room's messages, always ascending by (insertedAt, id). Without a cursor: the newest
   * `limit`. Its cost MUST NOT grow with the size of the room. `hasMoreBefore`/`hasMoreAfter` say
   * whether a matching message exists outside the page on that side (the cursor message counts).
   */
  listMessages(query: StoreMessageQuery): Promise<MessagePage>
  /** Number of messages in a room (`threadId` filters as in listMessages). */
  countMessages(roomId: string, threadId?: string | null): Promise<number>

  // ---- threads ----
  /** CONFLICT on id, `(roomId, externalThreadId)` or `(roomId, rootMessageId)`. */
  insertThread(thread: Thread): Promise<Thread>
  /** Inserts or replaces by id; CONFLICT if a unique key belongs to another thread. */
  saveThread(thread: Thread): Promise<Thread>
  getThread(id: string): Promise<Thread | null>
  getThreadByExternalId(roomId: string, externalThreadId: string): Promise<Thread | null>
  getThreadByRootMessageId(roomId: string, rootMessageId: string): Promise<Thread | null>
  /**
   * Returns the thread of the room with the same `externalThreadId` (or, when the candidate has none,
   * the same `rootMessageId`), creating `candidate` when there is none. Race-safe.
   */
  getOrCreateThread(candidate: Thread, journal?: JournalWrite<{ thread: Thread; created: boolean }>): Promise<{ thread: Thread; created: boolean }>
  updateThread(id: string, updater: Updater<Thread>, journal?: JournalWrite<UpdateResult<Thread> | null>): Promise<UpdateResult<Thread> | null>
  /** Threads of a room ordered by (insertedAt, id) ascending. */
  listThreads(roomId: string, options: StoreThreadListOptions): Promise<Page<Thread>>

  // ---- bridge configs ----
  /** Revision-checked upsert: sets revision to stored+1 (1 on create); `RevisionConflictError` on mismatch. */
  putBridgeConfig(config: BridgeConfigWrite, options: RevisionedPutOptions): Promise<BridgeConfig>
  getBridgeConfig(id: string): Promise<BridgeConfig | null>
  /** Ordered by id. */
  listBridgeConfigs(filter?: { enabled?: boolean }): Promise<BridgeConfig[]>
  deleteBridgeConfig(id: string): Promise<boolean>

  // ---- routing policies ----
  /** Revision-checked upsert, as putBridgeConfig. NOT_FOUND if the room does not exist. */
  putRoutingPolicy(policy: RoutingPolicyWrite, options: RevisionedPutOptions): Promise<RoutingPolicy>
  getRoutingPolicy(roomId: string): Promise<RoutingPolicy | null>
  deleteRoutingPolicy(roomId: string): Promise<boolean>

  // ---- ingest dedupe ----
  /**
   * Claims a dedupe key until `expiresAt`. Resolves true for exactly one of any number of concurrent
   * claims of a key; a key whose claim expired (expiresAt <= now) can be claimed again.
   */
  claimDedupeKey(key: string, options: { now: string; expiresAt: string }): Promise<boolean>
  /** Removes expired claims; resolves how many. */
  purgeDedupeKeys(now: string): Promise<number>
}
