import { z } from 'zod'
import type { AdapterRegistry } from '../bridge/registry.js'
import { TopologyError, isMessagingError, type TopologyIssue } from '../errors.js'
import { newId, nowIso } from '../ids.js'
import { BindingDirections, RoomTypes, type BridgeConfig, type Room, type RoomBinding } from '../model.js'
import { SignalTypes } from '../signals/types.js'
import { parse } from '../validate.js'
import { BridgeConfigPutSchema, bridgeConfigWrite, RoutingPolicyPutSchema, routingPolicyWrite } from './config.js'
import { emit, journal, signalContext, type CommandOptions, type Context } from './context.js'

const BridgeRoomSpecSchema = z.strictObject({
  roomId: z.string().min(1).max(255).optional(),
  roomType: z.enum(RoomTypes).default('group'),
  roomName: z.string().max(1000).optional(),
  roomMetadata: z.record(z.string(), z.unknown()).default({}),
  bridgeConfigs: z.array(BridgeConfigPutSchema).default([]),
  bindings: z.array(z.strictObject({
    channel: z.string().min(1).max(255),
    bridgeId: z.string().min(1).max(255),
    externalRoomId: z.string().min(1).max(1000),
    direction: z.enum(BindingDirections).default('both'),
    enabled: z.boolean().default(true),
  })).min(1),
  routingPolicy: RoutingPolicyPutSchema.optional(),
})
export type BridgeRoomSpec = z.input<typeof BridgeRoomSpecSchema>
type Spec = z.output<typeof BridgeRoomSpecSchema>
type SpecBinding = Spec['bindings'][number]

/** What ensureBridgeRoom writes once every check passed. */
interface Plan {
  /** The room to use: given, the one the bindings are bound to already, or a new id. */
  roomId: string
  /** The room as stored, if it exists. */
  room: Room | null
  /** Bindings to insert (key not bound yet) and bindings of the room to replace (direction or enabled changed). */
  insert: SpecBinding[]
  replace: Array<{ stored: RoomBinding; wanted: SpecBinding }>
}

export function topologyApi(ctx: Context, registry: AdapterRegistry, onConfigChanged: () => void) {
  const { store } = ctx

  /** Reads what the spec touches and lists every problem; writes nothing. */
  async function check(s: Spec): Promise<{ issues: TopologyIssue[]; plan: Plan }> {
    const issues: TopologyIssue[] = []

    const seenConfigs = new Set<string>()
    for (const c of s.bridgeConfigs) {
      if (seenConfigs.has(c.id)) issues.push({ kind: 'duplicate_bridge_config', message: `bridge config ${c.id} is given twice`, bridgeId: c.id })
      seenConfigs.add(c.id)
      if (!registry.get(c.adapter)) issues.push({ kind: 'unknown_adapter', message: `bridge ${c.id} uses adapter '${c.adapter}', which is not registered`, bridgeId: c.id })
      if (c.revision !== undefined) {
        const stored = await store.getBridgeConfig(c.id)
        const actual = stored?.revision ?? 0
        if (actual !== c.revision) issues.push({ kind: 'revision_conflict', message: `bridge ${c.id} is at revision ${actual}, not ${c.revision}`, bridgeId: c.id, expected: c.revision, actual })
      }
    }

    const bridges = new Map<string, { enabled: boolean; adapter: string }>()
    for (const c of s.bridgeConfigs) bridges.set(c.id, { enabled: c.enabled, adapter: c.adapter })
    const boundRooms = new Set<string>()
    const boundTo = new Map<SpecBinding, string>()
    const seenKeys = new Set<string>()
    for (const b of s.bindings) {
      const key = `${b.channel}/${b.bridgeId}/${b.externalRoomId}`
      if (seenKeys.has(key)) issues.push({ kind: 'duplicate_binding', message: `binding ${key} is given twice`, ...b })
      seenKeys.add(key)
      let bridge = bridges.get(b.bridgeId)
      if (!bridge) {
        const stored: BridgeConfig | null = await store.getBridgeConfig(b.bridgeId)
        if (stored) bridge = { enabled: stored.enabled, adapter: stored.adapter }
      }
      if (!bridge) issues.push({ kind: 'unknown_bridge', message: `binding ${key} names bridge ${b.bridgeId}, which does not exist`, ...b })
      else if (!bridge.enabled) issues.push({ kind: 'disabled_bridge', message: `binding ${key} names bridge ${b.bridgeId}, which is disabled`, ...b })
      else {
        const channel = registry.get(bridge.adapter)?.channel
        if (channel !== undefined && channel !== b.channel) {
          issues.push({ kind: 'channel_mismatch', message: `binding ${key}: bridge ${b.bridgeId} speaks '${channel}', not '${b.channel}'`, ...b })
        }
      }
      const bound = await store.getRoomByBinding(b.channel, b.bridgeId, b.externalRoomId)
      if (bound) {
        if (s.roomId !== undefined && bound.id !== s.roomId) {
          issues.push({ kind: 'binding_conflict', message: `binding ${key} is bound to room ${bound.id} already`, ...b, boundRoomId: bound.id })
        }
        boundRooms.add(bound.id)
        boundTo.set(b, bound.id)
      }
    }
    if (s.roomId === undefined && boundRooms.size > 1) {
      issues.push({ kind: 'binding_conflict', message: `the bindings are bound to different rooms already: ${[...boundRooms].join(', ')}`, roomIds: [...boundRooms] })
    }

    const known = s.roomId ?? [...boundRooms][0]
    const roomId = known ?? newId('room')
    const room = await store.getRoom(roomId)
    if (s.routingPolicy) {
      const { roomId: named, revision } = s.routingPolicy
      const which = known === undefined ? 'the new room' : `room ${known}`
      if (named !== undefined && named !== known) {
        issues.push({ kind: 'routing_policy_room', message: `the routing policy names room ${named}, not ${which}`, roomId: named })
      }
      if (revision !== undefined) {
        // a room that does not exist yet has no policy: revision 0
        const actual = room ? (await store.getRoutingPolicy(roomId))?.revision ?? 0 : 0
        if (actual !== revision) {
          issues.push({ kind: 'revision_conflict', message: `the routing policy of ${which} is at revision ${actual}, not ${revision}`, ...(known === undefined ? {} : { roomId: known }), expected: revision, actual })
        }
      }
    }

    const existing = room ? await store.listRoomBindings(roomId) : []
    const plan: Plan = { roomId, room, insert: [], replace: [] }
    for (const b of s.bindings) {
      if (boundTo.get(b) !== roomId) {
        plan.insert.push(b)
        continue
      }
      const stored = existing.find((e) => e.channel === b.channel && e.bridgeId === b.bridgeId && e.externalRoomId === b.externalRoomId)
      if (stored && (stored.direction !== b.direction || stored.enabled !== b.enabled)) plan.replace.push({ stored, wanted: b })
    }
    return { issues, plan }
  }

  return {
    /**
     * Ensures a bridged room in one idempotent call: upserts the given bridge configs, the room, its
     * bindings and its routing policy. Everything is checked before the first write (revisions of the
     * configs and the policy, adapters, bridges, binding conflicts); if there is any problem it rejects
     * with TOPOLOGY listing them all and changes nothing. A new room is created with its bindings in one
     * store transaction. The store offers no transaction spanning configs, room and policy, so a
     * concurrent writer that changes a revision between the check and the write can still make a
     * revision-checked put fail part way; re-running the call completes it (every step is idempotent).
     */
    async ensureBridgeRoom(spec: BridgeRoomSpec, options?: CommandOptions): Promise<Room> {
      const s = parse(BridgeRoomSpecSchema, spec, 'bridge room spec')
      const { issues, plan } = await check(s)
      if (issues.length > 0) {
        throw new TopologyError(`[core] bridge room topology has ${issues.length} problem(s): ${issues.map((i) => i.message).join('; ')}`, issues)
      }

      const now = nowIso()
      for (const c of s.bridgeConfigs) {
        const { config, revision } = bridgeConfigWrite(c)
        await store.putBridgeConfig(config, { now, ...(revision === undefined ? {} : { expectedRevision: revision }) })
      }
      if (s.bridgeConfigs.length > 0) onConfigChanged()

      const { roomId } = plan
      const newBinding = (b: SpecBinding, id = newId('binding'), insertedAt = now): RoomBinding => ({ id, roomId, ...b, insertedAt })
      let pending = plan.insert
      if (!plan.room) {
        const candidate: Room = { id: roomId, type: s.roomType, externalBindings: {}, metadata: s.roomMetadata, insertedAt: now }
        if (s.roomName !== undefined) candidate.name = s.roomName
        const sc = signalContext(options)
        const j = journal<Room>((r) => [ctx.makeSignal(SignalTypes.roomCreated, r.id, { roomId: r.id, room: r }, sc)])
        try {
          await store.createRoom(candidate, pending.map((b) => newBinding(b)), j)
          emit(ctx, j)
          pending = []
        } catch (error) {
          // a concurrent call created the room first: add the bindings to it below
          if (!isMessagingError(error, 'CONFLICT') || !(await store.getRoom(roomId))) throw error
        }
      }
      for (const b of pending) {
        try {
          await store.insertRoomBinding(newBinding(b))
        } catch (error) {
          // bound to this room meanwhile by a concurrent call: already as wanted
          if (!isMessagingError(error, 'CONFLICT') || (await store.getRoomByBinding(b.channel, b.bridgeId, b.externalRoomId))?.id !== roomId) throw error
        }
      }
      for (const { stored, wanted } of plan.replace) {
        await store.deleteRoomBinding(stored.id)
        await store.insertRoomBinding(newBinding(wanted, stored.id, stored.insertedAt))
      }
      if (s.routingPolicy) {
        const { policy, revision } = routingPolicyWrite(roomId, s.routingPolicy)
        await store.putRoutingPolicy(policy, { now, ...(revision === undefined ? {} : { expectedRevision: revision }) })
      }
      return (await store.getRoom(roomId))!
    },
  }
}
