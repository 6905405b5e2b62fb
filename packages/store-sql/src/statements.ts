import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely'
import type { Database } from './schema.js'
import type { BindingRow, BridgeConfigRow, ParticipantRow, RoomRow, RoutingPolicyRow } from './codec.js'

/**
 * Hot-path statements compile once (as {@link InsertCache} does for inserts): kysely builds and compiles
 * a query on first use and later calls reuse its SQL text with new parameter values. The text is cached
 * only when kysely bound exactly the given values in the given order, so reuse is provably the same
 * query. (The SQLite store also prepares each distinct text once; see store-sqlite's statement cache.)
 */
export class Statements {
  readonly #sql = new Map<string, string>()

  /** Runs the query named `name`, built by `build` with `params` as its parameters in order. */
  async execute<R>(db: Kysely<Database>, name: string, params: readonly unknown[], build: (db: Kysely<Database>) => Compilable<R>): Promise<QueryResult<R>> {
    const cached = this.#sql.get(name)
    if (cached !== undefined) return db.executeQuery<R>(CompiledQuery.raw(cached, params as unknown[]))
    const compiled = build(db).compile()
    if (compiled.parameters.length === params.length && compiled.parameters.every((p, i) => p === params[i])) {
      this.#sql.set(name, compiled.sql)
    }
    return db.executeQuery(compiled)
  }

  /**
   * Claims `key` for `message_id` until `expires_at` when it is free (absent, or expired at `now`);
   * resolves whether this call took it.
   */
  async claimDedupe(db: Kysely<Database>, claim: { key: string; expires_at: string; message_id: string | null }, now: string): Promise<boolean> {
    return (await this.claimDedupeMany(db, [claim], now)).has(claim.key)
  }

  /**
   * Claims many keys in one statement (keys distinct), each for its `message_id` until its `expires_at`
   * when free; resolves the keys this call took.
   * One `now` serves every claim: the batch's earliest, so a key is taken only when free for all of them.
   */
  async claimDedupeMany(db: Kysely<Database>, claims: ReadonlyArray<{ key: string; expires_at: string; message_id: string | null }>, now: string): Promise<Set<string>> {
    const params: unknown[] = []
    for (const c of claims) params.push(c.key, c.expires_at, c.message_id)
    params.push(now)
    const result = await this.execute(db, `claimDedupe:${claims.length}`, params, (d) =>
      d.insertInto('dedupe_keys').values(claims.map((c) => ({ key: c.key, expires_at: c.expires_at, message_id: c.message_id })))
        .onConflict((oc) => oc.column('key')
          .doUpdateSet((eb) => ({ expires_at: eb.ref('excluded.expires_at'), message_id: eb.ref('excluded.message_id') }))
          .where('dedupe_keys.expires_at', '<=', now))
        .returning('key'))
    return new Set(result.rows.map((r) => r.key))
  }

  /** The message ids stored with the claims of `keys` (absent: no claim; null: a bare claimDedupeKey). */
  async dedupeMessageIds(db: Kysely<Database>, keys: readonly string[]): Promise<Map<string, string | null>> {
    const result = await this.execute(db, `dedupeMessageIds:${keys.length}`, keys, (d) =>
      d.selectFrom('dedupe_keys').select(['key', 'message_id']).where('key', 'in', keys))
    return new Map(result.rows.map((r) => [r.key, r.message_id]))
  }

  /**
   * Records memberships unless present, in one statement; resolves the `room_id`/`participant_id` pairs
   * (as {@link memberKey}s) this call added. A pair repeated in `rows` is added once.
   */
  async addMembers(db: Kysely<Database>, rows: ReadonlyArray<{ room_id: string; participant_id: string; joined_at: string }>): Promise<Set<string>> {
    const params: unknown[] = []
    for (const r of rows) params.push(r.room_id, r.participant_id, r.joined_at)
    const result = await this.execute(db, `addMembers:${rows.length}`, params, (d) =>
      d.insertInto('room_members').values(rows.map((r) => ({ room_id: r.room_id, participant_id: r.participant_id, joined_at: r.joined_at })))
        .onConflict((oc) => oc.columns(['room_id', 'participant_id']).doNothing())
        .returning(['room_id', 'participant_id']))
    return new Set(result.rows.map((r) => memberKey(r.room_id, r.participant_id)))
  }

  // ---- reads on the ingest path (each ingested event runs all of them) ----

  async bridgeConfigById(db: Kysely<Database>, id: string): Promise<BridgeConfigRow | undefined> {
    return (await this.execute(db, 'bridgeConfigById', [id], (d) => d.selectFrom('bridge_configs').selectAll().where('id', '=', id))).rows[0]
  }

  async routingPolicyByRoom(db: Kysely<Database>, roomId: string): Promise<RoutingPolicyRow | undefined> {
    return (await this.execute(db, 'routingPolicyByRoom', [roomId], (d) =>
      d.selectFrom('routing_policies').selectAll().where('room_id', '=', roomId))).rows[0]
  }

  async roomById(db: Kysely<Database>, id: string): Promise<RoomRow | undefined> {
    return (await this.execute(db, 'roomById', [id], (d) => d.selectFrom('rooms').selectAll().where('id', '=', id))).rows[0]
  }

  /** The binding of a binding key. */
  async bindingByKey(db: Kysely<Database>, channel: string, bridgeId: string, externalRoomId: string): Promise<BindingRow | undefined> {
    return (await this.execute(db, 'bindingByKey', [channel, bridgeId, externalRoomId], (d) =>
      d.selectFrom('room_bindings').selectAll()
        .where('channel', '=', channel).where('bridge_id', '=', bridgeId).where('external_room_id', '=', externalRoomId))).rows[0]
  }

  /** A room's bindings in (inserted_at, id) order. */
  async bindingsOfRoom(db: Kysely<Database>, roomId: string): Promise<BindingRow[]> {
    return (await this.execute(db, 'bindingsOfRoom', [roomId], (d) =>
      d.selectFrom('room_bindings').selectAll().where('room_id', '=', roomId).orderBy('inserted_at').orderBy('id'))).rows
  }

  async participantById(db: Kysely<Database>, id: string): Promise<ParticipantRow | undefined> {
    return (await this.execute(db, 'participantById', [id], (d) => d.selectFrom('participants').selectAll().where('id', '=', id))).rows[0]
  }

  /** The participant owning an external id. */
  async externalIdOwner(db: Kysely<Database>, channel: string, externalUserId: string): Promise<string | undefined> {
    return (await this.execute(db, 'externalIdOwner', [channel, externalUserId], (d) =>
      d.selectFrom('participant_external_ids').select('participant_id')
        .where('channel', '=', channel).where('external_user_id', '=', externalUserId))).rows[0]?.participant_id
  }

  /**
   * The room bound to a binding key with all its bindings (in (inserted_at, id) order), in one statement:
   * the key's binding joined to its room and the room's bindings.
   */
  async roomByBindingKey(db: Kysely<Database>, channel: string, bridgeId: string, externalRoomId: string): Promise<{ room: RoomRow; bindings: BindingRow[] } | undefined> {
    const { rows } = await this.execute(db, 'roomByBindingKey', [channel, bridgeId, externalRoomId], (d) =>
      d.selectFrom('room_bindings as k')
        .innerJoin('rooms as r', 'r.id', 'k.room_id')
        .innerJoin('room_bindings as b', 'b.room_id', 'r.id')
        .select([
          'r.id', 'r.type', 'r.name', 'r.metadata', 'r.inserted_at',
          'b.id as b_id', 'b.channel as b_channel', 'b.bridge_id as b_bridge_id', 'b.external_room_id as b_external_room_id',
          'b.direction as b_direction', 'b.enabled as b_enabled', 'b.inserted_at as b_inserted_at',
        ])
        .where('k.channel', '=', channel).where('k.bridge_id', '=', bridgeId).where('k.external_room_id', '=', externalRoomId)
        .orderBy('b.inserted_at').orderBy('b.id'))
    const first = rows[0]
    if (first === undefined) return undefined
    return {
      room: { id: first.id, type: first.type, name: first.name, metadata: first.metadata, inserted_at: first.inserted_at },
      bindings: rows.map((r) => ({
        id: r.b_id, room_id: first.id, channel: r.b_channel, bridge_id: r.b_bridge_id, external_room_id: r.b_external_room_id,
        direction: r.b_direction, enabled: r.b_enabled, inserted_at: r.b_inserted_at,
      })),
    }
  }

  /** The participant owning an external id, in one statement. */
  async participantByExternalId(db: Kysely<Database>, channel: string, externalUserId: string): Promise<ParticipantRow | undefined> {
    return (await this.execute(db, 'participantByExternalId', [channel, externalUserId], (d) =>
      d.selectFrom('participant_external_ids as x').innerJoin('participants as p', 'p.id', 'x.participant_id').selectAll('p')
        .where('x.channel', '=', channel).where('x.external_user_id', '=', externalUserId))).rows[0]
  }
}

/** One membership as a set key. */
export const memberKey = (roomId: string, participantId: string): string => `${roomId}\u0000${participantId}`
