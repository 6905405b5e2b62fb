import type { Messaging } from '@jido-messaging/core'
import type { Logger } from 'pino'
import type { LoadedConfig } from '../config/load.js'
import type { GatewayConfig } from '../config/schema.js'
import type { GatewayMetrics } from '../metrics.js'
import type { ApiKeys } from './auth.js'

/** What every route and the console are given. */
export interface GatewayContext {
  messaging: Messaging
  loaded: LoadedConfig
  config: GatewayConfig
  keys: ApiKeys
  logger: Logger
  metrics: GatewayMetrics
  /** Every secret the gateway knows (resolved credentials, API keys), for redaction. */
  secrets: () => string[]
  /** Makes a bridge's credentials (put at run time) known to redaction. */
  addCredentials: (credentials: Record<string, string>) => void
  version: string
  /** False once a stop began: readiness fails and new webhooks are refused with 503. */
  accepting: () => boolean
  /** Aborted when a stop begins: live streams end so their connections can close. */
  stopping: AbortSignal
}
