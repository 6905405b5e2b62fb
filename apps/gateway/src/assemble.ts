// From a loaded config to a running messaging instance: the store, the adapters, and the config's
// bridges, rooms, bindings, policies and agents applied idempotently (the same file twice changes nothing).
import { mkdirSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createDiscordAdapter } from '@jido-messaging/adapter-discord'
import { createSlackAdapter } from '@jido-messaging/adapter-slack'
import { createTelegramAdapter } from '@jido-messaging/adapter-telegram'
import { createWebhookAdapter } from '@jido-messaging/adapter-webhook'
import { createMessaging, type AgentHandler, type AgentSpec, type Messaging, type MessagingOptions, type MessagingStore, type PlatformAdapter } from '@jido-messaging/core'
import { createPostgresStore } from '@jido-messaging/store-postgres'
import { createSqliteStore } from '@jido-messaging/store-sqlite'
import { builtinAgents } from './agents/builtin.js'
import type { LoadedConfig } from './config/load.js'
import type { AgentEntry } from './config/schema.js'

export type GatewayStore = MessagingStore & { start(): Promise<void>; stop(): Promise<void>; migrate(): Promise<void> }

export function dataDirOf(loaded: LoadedConfig): string {
  return resolve(loaded.baseDir, loaded.config.dataDir)
}

/** The store the config names (not started). */
export function createStore(loaded: LoadedConfig): GatewayStore {
  const store = loaded.config.store
  if (store.kind === 'sqlite') {
    const filename = store.filename === ':memory:' ? store.filename : resolve(loaded.baseDir, store.filename)
    if (filename !== ':memory:') mkdirSync(resolve(filename, '..'), { recursive: true })
    return createSqliteStore({ filename }) as GatewayStore
  }
  return createPostgresStore({
    connectionString: store.connectionString,
    ...(store.schema === undefined ? {} : { schema: store.schema }),
    ...(store.poolSize === undefined ? {} : { poolSize: store.poolSize }),
  }) as GatewayStore
}

/**
 * Every adapter the gateway ships, so a bridge of any kind can be added later through the REST API. An
 * adapter does nothing until a bridge config uses it.
 */
export function createAdapters(): PlatformAdapter[] {
  return [createTelegramAdapter(), createSlackAdapter(), createDiscordAdapter(), createWebhookAdapter({ edit: true, typing: true })]
}

export function createGatewayMessaging(loaded: LoadedConfig, store: GatewayStore, extra: Partial<MessagingOptions> = {}): Messaging {
  return createMessaging({
    store,
    instanceId: loaded.config.instanceId,
    adapters: createAdapters(),
    ingest: { maxBodyBytes: loaded.config.webhooks.bodyLimitBytes },
    leases: { enabled: loaded.config.leases.enabled, ttlMs: loaded.config.leases.ttlMs },
    ...extra,
  })
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/** What applying the config did, for the start-up log. */
export interface ApplyReport {
  bridgesWritten: string[]
  roomsWritten: string[]
  agents: Array<{ roomId: string; agentId: string }>
}

/** Writes only what differs from the store, so a restart with the same file writes nothing. */
export async function applyConfig(messaging: Messaging, loaded: LoadedConfig): Promise<ApplyReport> {
  const { config } = loaded
  const report: ApplyReport = { bridgesWritten: [], roomsWritten: [], agents: [] }
  for (const b of config.bridges) {
    const stored = await messaging.getBridgeConfig(b.id)
    const wanted = { adapter: b.adapter, credentials: b.credentials, options: b.options, enabled: b.enabled }
    if (stored && same({ adapter: stored.adapter, credentials: stored.credentials, options: stored.options, enabled: stored.enabled }, wanted)) continue
    await messaging.putBridgeConfig({ id: b.id, ...wanted, ...(stored?.deliveryPolicy ? { deliveryPolicy: stored.deliveryPolicy } : {}) })
    report.bridgesWritten.push(b.id)
  }
  for (const r of config.rooms) {
    let wrote = false
    const room = await messaging.getRoom(r.id)
    if (!room || room.name !== r.name || room.type !== r.type || !same(room.metadata, r.metadata)) {
      await messaging.saveRoomRecord({ ...(room ?? {}), id: r.id, type: r.type, ...(r.name === undefined ? {} : { name: r.name }), metadata: r.metadata, insertedAt: room?.insertedAt ?? new Date().toISOString() })
      wrote = true
    }
    if (r.bindings.length > 0) {
      const channelOf = new Map(config.bridges.map((b) => [b.id, b.adapter]))
      const existing = await messaging.listRoomBindings(r.id)
      const wantedBindings = r.bindings.map((b) => ({ channel: channelOf.get(b.bridge)!, bridgeId: b.bridge, externalRoomId: b.externalRoomId, direction: b.direction }))
      const missing = wantedBindings.filter((w) => !existing.some((e) => e.bridgeId === w.bridgeId && e.externalRoomId === w.externalRoomId && e.direction === w.direction && e.enabled))
      const policy = r.routingPolicy === undefined ? null : await messaging.getRoutingPolicy(r.id)
      const policyChanged = r.routingPolicy !== undefined && !(policy && Object.entries(r.routingPolicy).every(([k, v]) => same((policy as unknown as Record<string, unknown>)[k], v)))
      if (missing.length > 0 || policyChanged) {
        await messaging.ensureBridgeRoom({ roomId: r.id, roomType: r.type, ...(r.name === undefined ? {} : { roomName: r.name }), roomMetadata: r.metadata,
          bindings: wantedBindings, ...(policyChanged ? { routingPolicy: r.routingPolicy as never } : {}) })
        wrote = true
      }
    } else if (r.routingPolicy !== undefined) {
      const policy = await messaging.getRoutingPolicy(r.id)
      if (!(policy && Object.entries(r.routingPolicy).every(([k, v]) => same((policy as unknown as Record<string, unknown>)[k], v)))) {
        await messaging.putRoutingPolicy(r.id, r.routingPolicy as never)
        wrote = true
      }
    }
    if (wrote) report.roomsWritten.push(r.id)
    for (const a of r.agents) {
      await messaging.registerAgent(r.id, await agentSpec(a, loaded))
      report.agents.push({ roomId: r.id, agentId: a.id })
    }
  }
  return report
}

/** Loads an agent's handler from `builtin:<name>` or a module, relative to the config file. */
export async function agentSpec(a: AgentEntry, loaded: LoadedConfig): Promise<AgentSpec> {
  let handler: AgentHandler
  if (a.module.startsWith('builtin:')) {
    const make = builtinAgents[a.module.slice('builtin:'.length)]
    if (!make) throw new Error(`[gateway] agent ${a.id}: no built-in agent '${a.module}' (there are: ${Object.keys(builtinAgents).map((n) => `builtin:${n}`).join(', ')})`)
    handler = make(a.options)
  } else {
    const specifier = a.module.startsWith('.') || isAbsolute(a.module) ? pathToFileURL(resolve(loaded.baseDir, a.module)).href : a.module
    const mod = (await import(specifier)) as Record<string, unknown>
    const exported = mod[a.export]
    if (typeof exported !== 'function') throw new Error(`[gateway] agent ${a.id}: ${a.module} has no function export '${a.export}'`)
    // a factory is marked by taking options: `export function createAgent(options) { return handler }`
    handler = (Object.keys(a.options).length > 0 ? (exported as (o: unknown) => AgentHandler)(a.options) : exported) as AgentHandler
    if (typeof handler !== 'function') throw new Error(`[gateway] agent ${a.id}: ${a.module}#${a.export} did not give a handler function`)
  }
  return {
    id: a.id,
    trigger: a.trigger,
    handler,
    ...(a.name === undefined ? {} : { name: a.name }),
    ...(a.mentionHandles === undefined ? {} : { mentionHandles: a.mentionHandles }),
    ...(a.respondToAgents === undefined ? {} : { respondToAgents: a.respondToAgents }),
    ...(a.timeoutMs === undefined ? {} : { timeoutMs: a.timeoutMs }),
  }
}
