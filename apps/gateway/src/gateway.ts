// The gateway: config → store, adapters, messaging → HTTP server; and a stop that loses nothing
// acknowledged (stop accepting, finish in-flight requests, drain the outbox for a bounded time, stop
// listeners and agents, close the store).
import { randomBytes } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { createAdaptorServer } from '@hono/node-server'
import type { Messaging, MessagingOptions } from '@jido-messaging/core'
import type { Hono } from 'hono'
import type { Logger } from 'pino'
import { applyConfig, createGatewayMessaging, createStore, dataDirOf, type ApplyReport, type GatewayStore } from './assemble.js'
import { loadConfigFile, type LoadedConfig } from './config/load.js'
import { createLogger } from './logger.js'
import { GatewayMetrics } from './metrics.js'
import { createApp } from './server/app.js'
import { ApiKeys, type ApiKeyRecord } from './server/auth.js'
import type { GatewayContext } from './server/context.js'
import { VERSION } from './version.js'

export interface GatewayOptions {
  /** A config file path, or a config already loaded (e.g. with `parseConfigText`). */
  config: string | LoadedConfig
  /** Environment for `env:` references (default process.env). */
  env?: Record<string, string | undefined>
  /** Where log lines go (default stdout). */
  logDestination?: { write(line: string): void }
  /** Overrides of the listen address (tests: port 0). */
  listen?: { host?: string; port?: number }
  /** Extra createMessaging options (tests: faster polling). */
  messaging?: Partial<MessagingOptions>
}

export interface Gateway {
  /** The base URL it listens on, e.g. `http://127.0.0.1:8787`. */
  readonly url: string
  readonly messaging: Messaging
  readonly app: Hono
  readonly logger: Logger
  readonly context: GatewayContext
  /** API keys by id, generated ones included (to print the console key at start). */
  readonly apiKeys: ApiKeyRecord[]
  readonly applied: ApplyReport
  /** Graceful stop; idempotent. */
  stop(): Promise<void>
}

/**
 * Several gateways started at once on one Postgres apply the same config side by side; one of them may
 * lose a race on a binding or a revision. Reading again finds the other's write, so a retry settles it.
 */
async function applyWithRetry(messaging: Messaging, loaded: LoadedConfig): Promise<ApplyReport> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await applyConfig(messaging, loaded)
    } catch (error) {
      const code = (error as { code?: string }).code
      const raced = code === 'CONFLICT' || code === 'REVISION_CONFLICT' || code === 'TOPOLOGY'
      if (!raced || attempt >= 5) throw error
      await new Promise((r) => setTimeout(r, 50 * attempt + Math.random() * 100))
    }
  }
}

/** Keys marked `generate` are made once and kept in `<dataDir>/keys/<id>.key` (mode 0600). */
function resolveKeys(loaded: LoadedConfig): ApiKeyRecord[] {
  return loaded.config.apiKeys.map((k) => {
    if (k.key !== 'generate') return { id: k.id, key: k.key, scope: k.scope }
    const dir = join(dataDirOf(loaded), 'keys')
    const file = join(dir, `${k.id}.key`)
    if (existsSync(file)) return { id: k.id, key: readFileSync(file, 'utf8').trim(), scope: k.scope }
    mkdirSync(dir, { recursive: true })
    const key = `jmk_${randomBytes(24).toString('base64url')}`
    writeFileSync(file, `${key}\n`, { mode: 0o600 })
    chmodSync(file, 0o600)
    return { id: k.id, key, scope: k.scope }
  })
}

/** Secrets to scrub from logs and errors: resolved credential references and the API keys. */
function secretsOf(loaded: LoadedConfig, keys: ApiKeyRecord[], env: Record<string, string | undefined>): string[] {
  const out = keys.map((k) => k.key)
  for (const b of loaded.config.bridges) {
    for (const value of Object.values(b.credentials)) {
      const resolved = value.startsWith('env:') ? env[value.slice(4)] : value
      if (resolved) out.push(resolved)
    }
  }
  if (loaded.config.store.kind === 'postgres') {
    try {
      const password = new URL(loaded.config.store.connectionString).password
      if (password) out.push(decodeURIComponent(password))
    } catch { /* not a URL: nothing to scrub */ }
  }
  return out
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const env = options.env ?? process.env
  const loaded = typeof options.config === 'string' ? loadConfigFile(options.config, env) : options.config
  const keys = resolveKeys(loaded)
  const secrets = secretsOf(loaded, keys, env)
  /** Adds a bridge's credential values (resolving `env:` references) to what logs and errors scrub. */
  const addCredentials = (credentials: Record<string, string>) => {
    for (const value of Object.values(credentials)) {
      const resolved = value.startsWith('env:') ? env[value.slice(4)] : value
      if (resolved && !secrets.includes(resolved)) secrets.push(resolved)
    }
  }
  const logger = createLogger({ level: loaded.config.logLevel, secrets: () => secrets, ...(options.logDestination ? { destination: options.logDestination } : {}) })
  for (const s of loaded.skipped) logger.info({ skipped: s }, 'config entry skipped')

  const store: GatewayStore = createStore(loaded)
  const messaging = createGatewayMessaging(loaded, store, {
    onError: (error, where) => logger.warn({ err: error, where }, 'background failure'),
    // credential references resolve against the same environment the config was loaded with
    secrets: (reference) => (reference.startsWith('env:') ? env[reference.slice(4)] : undefined),
    ...options.messaging,
  })
  await messaging.start()
  let applied: ApplyReport
  try {
    applied = await applyWithRetry(messaging, loaded)
  } catch (error) {
    await messaging.stop({ drainMs: 0 }).catch(() => undefined)
    throw error
  }
  // bridges put through the REST API earlier are in the store, not in the file: their secrets count too
  for (const c of await messaging.listBridgeConfigs()) addCredentials(c.credentials)
  logger.info({ bridgesWritten: applied.bridgesWritten, roomsWritten: applied.roomsWritten, agents: applied.agents.length }, 'config applied')

  const metrics = new GatewayMetrics()
  metrics.start(messaging)
  let accepting = true
  const stopController = new AbortController()
  const context: GatewayContext = {
    messaging,
    loaded,
    config: loaded.config,
    keys: new ApiKeys(keys),
    logger,
    metrics,
    secrets: () => secrets,
    addCredentials,
    version: VERSION,
    accepting: () => accepting,
    stopping: stopController.signal,
  }
  const app = createApp(context)
  const server = createAdaptorServer({ fetch: app.fetch }) as Server
  const host = options.listen?.host ?? loaded.config.listen.host
  const port = options.listen?.port ?? loaded.config.listen.port
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`
  logger.info({ url }, 'gateway listening')

  let stopping: Promise<void> | undefined
  const stop = () => {
    stopping ??= (async () => {
      const drainMs = loaded.config.shutdown.drainMs
      const deadline = Date.now() + drainMs
      logger.info({ drainMs }, 'gateway stopping')
      accepting = false
      stopController.abort() // ends live streams so their connections close
      // stop accepting connections; in-flight requests finish (idle keep-alive sockets are closed now)
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeIdleConnections()
      const idle = setInterval(() => server.closeIdleConnections(), 50)
      const forced = setTimeout(() => server.closeAllConnections(), Math.max(0, deadline - Date.now()))
      await closed
      clearInterval(idle)
      clearTimeout(forced)
      await drainOutbox(messaging, deadline)
      metrics.stop()
      await messaging.stop({ drainMs: Math.max(0, deadline - Date.now()) })
      logger.info('gateway stopped')
    })()
    return stopping
  }

  return { url, messaging, app, logger, context, apiKeys: keys, applied, stop }
}

/**
 * Waits until no delivery is due or in flight (pending, sending), or the deadline. Retrying deliveries
 * wait for a later attempt anyway: they stay in the outbox and the next start sends them.
 */
async function drainOutbox(messaging: Messaging, deadline: number): Promise<void> {
  const busy = async () => {
    let n = 0
    for (const d of (await messaging.outboxStats()).deliveries) if (d.status === 'pending' || d.status === 'sending') n += d.count
    return n
  }
  while (Date.now() < deadline) {
    if ((await busy().catch(() => 0)) === 0) return
    await new Promise((r) => setTimeout(r, 50))
  }
}
