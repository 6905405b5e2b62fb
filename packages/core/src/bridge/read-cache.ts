import type { MessagingStore } from '../contracts/store.js'
import type { BridgeConfig, Participant, Room, RoomBinding, RoutingPolicy } from '../model.js'
import { compositeKey } from '../store-helpers.js'

interface Entry<V> {
  value: V
  expiresAt: number
}

/** A small map whose entries expire after `ttlMs` and which forgets its oldest entries past `max`. */
class TtlMap<V> {
  private readonly entries = new Map<string, Entry<V>>()
  constructor(private readonly ttlMs: number, private readonly max = 10_000) {}

  /** The cached value, or `load()`'s (kept unless `keep` says otherwise). */
  async get(key: string, load: () => Promise<V>, keep: (value: V) => boolean = () => true): Promise<V> {
    if (this.ttlMs <= 0) return load()
    const hit = this.entries.get(key)
    if (hit && hit.expiresAt > Date.now()) return hit.value
    const value = await load()
    if (!keep(value)) return value
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!)
    this.entries.set(key, { value, expiresAt: Date.now() + this.ttlMs })
    return value
  }

  clear(): void {
    this.entries.clear()
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
  private readonly bound: TtlMap<{ room: Room; binding: RoomBinding | undefined } | null>
  private readonly roomBindings: TtlMap<RoomBinding[]>
  private readonly senders: TtlMap<Participant>

  constructor(private readonly store: MessagingStore, ttlMs: number) {
    this.configs = new TtlMap(ttlMs)
    this.policies = new TtlMap(ttlMs)
    this.bound = new TtlMap(ttlMs)
    this.roomBindings = new TtlMap(ttlMs)
    this.senders = new TtlMap(ttlMs)
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
  async roomByBinding(channel: string, bridgeId: string, externalRoomId: string): Promise<{ room: Room; binding: RoomBinding | undefined } | null> {
    return this.bound.get(compositeKey(channel, bridgeId, externalRoomId), async () => {
      const room = await this.store.getRoomByBinding(channel, bridgeId, externalRoomId)
      if (!room) return null
      const binding = (await this.bindings(room.id)).find(
        (b) => b.channel === channel && b.bridgeId === bridgeId && b.externalRoomId === externalRoomId)
      return { room, binding }
    }, (found) => found !== null)
  }

  /** Get-or-create of a sender; the participant is remembered by its external id. */
  sender(channel: string, externalUserId: string, create: () => Promise<Participant>): Promise<Participant> {
    return this.senders.get(compositeKey(channel, externalUserId), create)
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
