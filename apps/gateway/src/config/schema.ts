// The gateway's one config file, as a zod schema: parsing validates it, and every issue carries the path
// that `load.ts` turns into a line of the YAML file.
import { z } from 'zod'

/** Either a literal or `env:NAME`, resolved from the environment when the config is loaded. */
const secret = z.string().min(1)

const Listen = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8787),
  /** Public base URL the platforms reach (behind a reverse proxy); used to print webhook URLs. */
  publicUrl: z.url().optional(),
})

const SqliteStore = z.strictObject({
  kind: z.literal('sqlite'),
  /** Relative to the config file's folder (default `data/gateway.db`). */
  filename: z.string().min(1).default('data/gateway.db'),
})

const PostgresStore = z.strictObject({
  kind: z.literal('postgres'),
  connectionString: secret,
  schema: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case SQL identifier').optional(),
  poolSize: z.number().int().min(1).max(200).optional(),
})

const Store = z.discriminatedUnion('kind', [SqliteStore, PostgresStore])

const ApiKey = z.strictObject({
  id: z.string().min(1).max(100),
  /** The key, `env:NAME`, or `generate` (made once and kept in the data folder as `keys/<id>.key`). */
  key: secret,
  scope: z.enum(['read', 'admin']),
})

const Bridge = z.strictObject({
  id: z.string().min(1).max(255),
  adapter: z.enum(['telegram', 'slack', 'discord', 'webhook']),
  /** The bridge is skipped (with a log line) unless every one of these environment variables is set. */
  requiresEnv: z.array(z.string().min(1)).default([]),
  enabled: z.boolean().default(true),
  /** Kept as written (`env:NAME` references stay references, resolved at use, and are never stored resolved). */
  credentials: z.record(z.string(), z.string()).default({}),
  options: z.record(z.string(), z.unknown()).default({}),
})

const Binding = z.strictObject({
  bridge: z.string().min(1),
  /** The platform's id of the chat or channel; `env:NAME` allowed. */
  externalRoomId: secret,
  direction: z.enum(['inbound', 'outbound', 'both']).default('both'),
  requiresEnv: z.array(z.string().min(1)).default([]),
})

const Agent = z.strictObject({
  id: z.string().min(1).max(255),
  name: z.string().optional(),
  /** `builtin:echo`, or a module path relative to the config file, or a package name. */
  module: z.string().min(1),
  /** The module's export to use (default `default`): an agent handler, or a function `(options) => handler`. */
  export: z.string().min(1).default('default'),
  trigger: z.enum(['all', 'mention', 'thread']).default('all'),
  mentionHandles: z.array(z.string()).optional(),
  respondToAgents: z.boolean().optional(),
  timeoutMs: z.number().int().positive().optional(),
  options: z.record(z.string(), z.unknown()).default({}),
})

const Room = z.strictObject({
  id: z.string().min(1).max(255),
  name: z.string().max(1000).optional(),
  type: z.enum(['direct', 'group', 'channel', 'thread']).default('group'),
  metadata: z.record(z.string(), z.unknown()).default({}),
  bindings: z.array(Binding).default([]),
  routingPolicy: z.record(z.string(), z.unknown()).optional(),
  agents: z.array(Agent).default([]),
})

export const GatewayConfigSchema = z.strictObject({
  instanceId: z.string().min(1).max(100).default('gateway'),
  listen: Listen.default({ host: '127.0.0.1', port: 8787 }),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Relative to the config file's folder: SQLite files and generated keys live here. */
  dataDir: z.string().min(1).default('data'),
  store: Store.default({ kind: 'sqlite', filename: 'data/gateway.db' }),
  apiKeys: z.array(ApiKey).default([]),
  bridges: z.array(Bridge).default([]),
  rooms: z.array(Room).default([]),
  webhooks: z.strictObject({
    bodyLimitBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  }).default({ bodyLimitBytes: 1024 * 1024 }),
  api: z.strictObject({
    bodyLimitBytes: z.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  }).default({ bodyLimitBytes: 1024 * 1024 }),
  console: z.strictObject({ enabled: z.boolean().default(true) }).default({ enabled: true }),
  shutdown: z.strictObject({
    /** How long a stop waits for in-flight requests and the outbox (default 10 s). */
    drainMs: z.number().int().min(0).max(600_000).default(10_000),
  }).default({ drainMs: 10_000 }),
  /**
   * Work that runs on one process at a time (listeners, agent runners) holds a lease in the store; with
   * several gateways on one Postgres, a dead holder's work moves to another within about ttl + ttl/3.
   */
  leases: z.strictObject({
    enabled: z.boolean().default(true),
    ttlMs: z.number().int().min(1000).max(600_000).default(6000),
  }).default({ enabled: true, ttlMs: 6000 }),
  /** Bridges whose worker must be running for /readyz (default: every enabled listener bridge). */
  readiness: z.strictObject({ requiredBridges: z.array(z.string()).optional() }).default({}),
})

export type GatewayConfigInput = z.input<typeof GatewayConfigSchema>
export type GatewayConfig = z.output<typeof GatewayConfigSchema>
export type BridgeEntry = GatewayConfig['bridges'][number]
export type RoomEntry = GatewayConfig['rooms'][number]
export type AgentEntry = RoomEntry['agents'][number]
export type ApiKeyEntry = GatewayConfig['apiKeys'][number]
