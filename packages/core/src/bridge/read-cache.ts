import type { MessagingStore } from '../contracts/store.js'
import type { BridgeConfig, Participant, Room, RoomBinding, RoutingPolicy } from '../model.js'

interface Entry<V> {
  value: V
  /** The value as an already-settled promise, so a hit hands out the same object instead of a new one. */
  promise: Promise<V>
  expiresAt: number
}

/** A small map whose entries expire after `ttlMs` and which forgets its oldest entries past `max`. */
class TtlMap<V> {
  private readonly entries = new Map<string, Entry<V>>()
  constructor(private readonly ttlMs: number, private readonly max = 10_000) {}

  /** The cached value, or `load()`'s (kept unless `keep` says otherwise). */
  get(key: string, load: () => Promise<V>, keep?: (value: V) => boolean): Promise<V> {
    const hit = this.entries.get(key)
    if (hit !== undefined && hit.expiresAt > Date.now()) return hit.promise
    return this.fill(key, load, keep)
  }

  /** The cached value now, or undefined (for a hot path that awaits `get` only on a miss). */
  peek(key: string): V | undefined {
    const hit = this.entries.get(key)
    return hit !== undefined && hit.expiresAt > Date.now() ? hit.value : undefined
  }

  private async fill(key: string, load: () => Promise<V>, keep?: (value: V) => boolean): Promise<V> {
    const value = await load()
    if (this.ttlMs <= 0 || (keep !== undefined && !keep(value))) return value
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!)
    this.entries.set(key, { value, promise: Promise.resolve(value), expiresAt: Date.now() + this.ttlMs })
    return value
  }

  clear(): void {
    this.entries.clear()
  }
}

/**
 * TtlMaps by the leading parts `(a, b)` of a composite key, the last part keying within: a lookup walks
 * nested maps and builds no key string (these keys are never persisted, so they need no text form).
 * The scopes are channels and bridges; each scope's map keeps up to its own `max` entries.
 */
class ScopedTtlMaps<V> {
  private readonly scopes = new Map<string, Map<string, TtlMap<V>>>()
  constructor(private readonly ttlMs: number) {}

  in(a: string, b = ''): TtlMap<V> {
    let byB = this.scopes.get(a)
    if (byB === undefined) this.scopes.set(a, (byB = new Map()))
    let map = byB.get(b)
    if (map === undefined) byB.set(b, (map = new TtlMap<V>(this.ttlMs)))
    return map
  }

  clear(): void {
    this.scopes.clear()
  }
}

/**
 * Short-lived copies of what every ingested event and outbound route reads (bridge configs, routing
 * policies, bindings, senders), so the hot path does one commit instead of five reads and a commit.
 * Writes made through this instance clear it at once; changes made by another process are seen
 * within `ttlMs` (default 1 s; 0 turns caching off).
 */
export class ReadCache {
  private readonly configs: TtlMap<BridgeConfig | null>
  private readonly policies: TtlMap<RoutingPolicy | null>
  private readonly bound: ScopedTtlMaps<{ room: Room; binding: RoomBinding | undefined } | null>
  private readonly roomBindings: TtlMap<RoomBinding[]>
  private readonly senders: ScopedTtlMaps<Participant>

  constructor(private readonly store: MessagingStore, ttlMs: number) {
    this.configs = new TtlMap(ttlMs)
    this.policies = new TtlMap(ttlMs)
    this.bound = new ScopedTtlMaps(ttlMs)
    this.roomBindings = new TtlMap(ttlMs)
    this.senders = new ScopedTtlMaps(ttlMs)
  }

  bridgeConfig(id: string): Promise<BridgeConfig | null> {
    return this.configs.get(id, () => this.store.getBridgeConfig(id))
  }

  routingPolicy(roomId: string): Promise<RoutingPolicy | null> {
    return this.policies.get(roomId, () => this.store.getRoutingPolicy(roomId))
  }

  bindings(roomId: string): Promise<RoomBinding[]> {
    return this.roomBindings.get(roomId, () => this.store.listRoomBindings(roomId))
  }

  /** The room bound to an external room, with that binding; null when none is (not cached, so a new room is seen at once). */
  roomByBinding(channel: string, bridgeId: string, externalRoomId: string): Promise<{ room: Room; binding: RoomBinding | undefined } | null> {
    return this.bound.in(channel, bridgeId).get(externalRoomId, async () => {
      const room = await this.store.getRoomByBinding(channel, bridgeId, externalRoomId)
      if (!room) return null
      const binding = (await this.bindings(room.id)).find(
        (b) => b.channel === channel && b.bridgeId === bridgeId && b.externalRoomId === externalRoomId)
      return { room, binding }
    }, (found) => found !== null)
  }

  /**
   * What `routingPolicy`, `roomByBinding` and `sender` would resolve from the cache at once, or
   * undefined on a miss (then call them): the ingest path skips an await per hit.
   */
  cachedRoutingPolicy(roomId: string): RoutingPolicy | null | undefined {
    return this.policies.peek(roomId)
  }

  cachedRoomByBinding(channel: string, bridgeId: string, externalRoomId: string): { room: Room; binding: RoomBinding | undefined } | undefined {
    return this.bound.in(channel, bridgeId).peek(externalRoomId) ?? undefined // null is never kept
  }

  cachedSender(channel: string, externalUserId: string): Participant | undefined {
    return this.senders.in(channel).peek(externalUserId)
  }

  /** Get-or-create of a sender; the participant is remembered by its external id. */
  sender(channel: string, externalUserId: string, create: () => Promise<Participant>): Promise<Participant> {
    return this.senders.in(channel).get(externalUserId, create)
  }

  /** Forgets everything (after a write through this instance that any entry may depend on). */
  clear(): void {
    this.configs.clear()
    this.policies.clear()
    this.bound.clear()
    this.roomBindings.clear()
    this.senders.clear()
  }
}
