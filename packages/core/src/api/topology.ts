import { z } from 'zod'
import type { AdapterRegistry } from '../bridge/registry.js'
import { TopologyError, isMessagingError, type TopologyIssue } from '../errors.js'
import { newId, nowIso } from '../ids.js'
import {
  BindingDirections,
  BridgeConfigInputSchema,
  RoomTypes,
  RoutingPolicyInputSchema,
  type BridgeConfig,
  type Room,
} from '../model.js'
import { SignalTypes } from '../signals/types.js'
import { parse } from '../validate.js'
import { emit, journal, signalContext, type CommandOptions, type Context } from './context.js'

const BridgeRoomSpecSchema = z.strictObject({
  roomId: z.string().min(1).max(255).optional(),
  roomType: z.enum(RoomTypes).default('group'),
  roomName: z.string().max(1000).optional(),
  roomMetadata: z.record(z.string(), z.unknown()).default({}),
  bridgeConfigs: z.array(BridgeConfigInputSchema).default([]),
  bindings: z.array(z.strictObject({
    channel: z.string().min(1).max(255),
    bridgeId: z.string().min(1).max(255),
    externalRoomId: z.string().min(1).max(1000),
    direction: z.enum(BindingDirections).default('both'),
    enabled: z.boolean().default(true),
  })).min(1),
  routingPolicy: RoutingPolicyInputSchema.optional(),
})
export type BridgeRoomSpec = z.input<typeof BridgeRoomSpecSchema>

export function topologyApi(ctx: Context, registry: AdapterRegistry, onConfigChanged: () => void) {
  const { store } = ctx

  return {
    /**
     * Ensures a bridged room in one idempotent call: upserts the given bridge configs, the room, its
     * bindings and its routing policy. Every problem is collected first; if there is any, it rejects
     * with TOPOLOGY listing them all and changes nothing.
     */
    async ensureBridgeRoom(spec: BridgeRoomSpec, options?: CommandOptions): Promise<Room> {
      const s = parse(BridgeRoomSpecSchema, spec, 'bridge room spec')
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
        }
      }
      if (s.roomId === undefined && boundRooms.size > 1) {
        issues.push({ kind: 'binding_conflict', message: `the bindings are bound to different rooms already: ${[...boundRooms].join(', ')}`, roomIds: [...boundRooms] })
      }
      if (issues.length > 0) {
        throw new TopologyError(`[core] bridge room topology has ${issues.length} problem(s): ${issues.map((i) => i.message).join('; ')}`, issues)
      }

      // apply: configs, room, bindings, policy (each step idempotent, so a re-run completes an interrupted one)
      const now = nowIso()
      for (const c of s.bridgeConfigs) {
        const { revision, ...config } = c
        await store.putBridgeConfig(config, { now, ...(revision === undefined ? {} : { expectedRevision: revision }) })
      }
      if (s.bridgeConfigs.length > 0) onConfigChanged()

      const roomId = s.roomId ?? [...boundRooms][0] ?? newId('room')
      let room = await store.getRoom(roomId)
      if (!room) {
        const candidate: Room = { id: roomId, type: s.roomType, externalBindings: {}, metadata: s.roomMetadata, insertedAt: now }
        if (s.roomName !== undefined) candidate.name = s.roomName
        const sc = signalContext(options)
        const j = journal<Room>((r) => [ctx.makeSignal(SignalTypes.roomCreated, r.id, { roomId: r.id, room: r }, sc)])
        try {
          room = await store.createRoom(candidate, [], j)
          emit(ctx, j)
        } catch (error) {
          if (!isMessagingError(error, 'CONFLICT')) throw error
          room = (await store.getRoom(roomId))!
        }
      }
      const existing = await store.listRoomBindings(roomId)
      for (const b of s.bindings) {
        const same = existing.find((e) => e.channel === b.channel && e.bridgeId === b.bridgeId && e.externalRoomId === b.externalRoomId)
        if (same && same.direction === b.direction && same.enabled === b.enabled) continue
        if (same) await store.deleteRoomBinding(same.id)
        await store.insertRoomBinding({ id: same?.id ?? newId('binding'), roomId, ...b, insertedAt: same?.insertedAt ?? now })
      }
      if (s.routingPolicy) {
        const { revision, ...policy } = s.routingPolicy
        await store.putRoutingPolicy({ roomId, ...policy }, { now, ...(revision === undefined ? {} : { expectedRevision: revision }) })
      }
      return (await store.getRoom(roomId))!
    },
  }
}
