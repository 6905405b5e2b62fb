// Bridge configs, their workers' status and their ingress subscriptions. Credentials never leave: every
// config is passed through core's redactBridgeConfig, and BridgeConfigSchema refuses a literal value.
import { BridgeConfigInputSchema, REDACTED, redactBridgeConfig, type BridgeConfig } from '@jido-messaging/core'
import { z } from 'zod'
import type { GatewayContext } from '../context.js'
import { HttpError } from '../errors.js'
import { defineRoute } from '../route.js'
import { BridgeConfigSchema, BridgeParams, BridgeStatusSchema, DeletedSchema, Flag, Id, Metadata } from './schemas.js'
import { found } from './support.js'

const tag = 'bridges'
const timestamp = z.string().max(100).optional().describe('accepted and ignored (set by the store), so a config as read can be put back')

const IngressSubscriptionSchema = z.looseObject({
  id: z.string(),
  bridgeId: z.string(),
  adapter: z.string(),
  status: z.enum(['active', 'pending', 'manual_action_required', 'failed']),
  url: z.string().optional(),
  instructions: z.string().optional(),
  metadata: Metadata,
  insertedAt: z.string(),
  updatedAt: z.string(),
})

/** A credential sent back as `[redacted]` (a config as read, put back) keeps its stored value. */
async function withStoredCredentials(gw: GatewayContext, bridgeId: string, credentials: Record<string, string>): Promise<Record<string, string>> {
  const kept = Object.entries(credentials).filter(([, v]) => v === REDACTED).map(([k]) => k)
  if (kept.length === 0) return credentials
  const stored = (await gw.messaging.getBridgeConfig(bridgeId))?.credentials ?? {}
  const unknown = kept.filter((k) => stored[k] === undefined)
  if (unknown.length > 0) {
    throw new HttpError(400, 'VALIDATION', `credentials ${unknown.join(', ')} are "${REDACTED}" but bridge ${bridgeId} has no stored value to keep`, { issues: unknown.map((k) => ({ path: `credentials.${k}`, message: 'no stored value' })) })
  }
  return { ...credentials, ...Object.fromEntries(kept.map((k) => [k, stored[k]!])) }
}

const redacted = (config: BridgeConfig) => redactBridgeConfig(config)

export const bridgeRoutes = [
  defineRoute({
    method: 'get', path: '/v1/bridges', operationId: 'listBridgeConfigs', summary: 'Bridge configs (credentials redacted)', tag, scope: 'read',
    query: z.object({ enabled: Flag.optional() }),
    response: z.object({ bridges: z.array(BridgeConfigSchema) }),
    handler: async ({ query }, gw) => ({ bridges: (await gw.messaging.listBridgeConfigs(query.enabled === undefined ? {} : { enabled: query.enabled })).map(redacted) }),
  }),
  defineRoute({
    method: 'get', path: '/v1/bridges/:bridgeId', operationId: 'getBridgeConfig', summary: 'One bridge config (credentials redacted)', tag, scope: 'read',
    params: BridgeParams,
    response: BridgeConfigSchema,
    handler: async ({ params }, gw) => redacted(found(await gw.messaging.getBridgeConfig(params.bridgeId), `bridge ${params.bridgeId}`)),
  }),
  defineRoute({
    method: 'put', path: '/v1/bridges/:bridgeId', operationId: 'putBridgeConfig', tag, scope: 'admin',
    summary: `Create or replace a bridge config; with \`revision\` it must equal the stored one (0 to create) or REVISION_CONFLICT (409). A credential given as "${REDACTED}" keeps its stored value`,
    params: BridgeParams,
    body: BridgeConfigInputSchema.extend({ id: Id.optional().describe('if given, the bridge of the path'), insertedAt: timestamp, updatedAt: timestamp }),
    response: BridgeConfigSchema,
    handler: async ({ params, body }, gw) => {
      const { insertedAt: _i, updatedAt: _u, ...config } = body
      if (config.id !== undefined && config.id !== params.bridgeId) throw new HttpError(400, 'VALIDATION', `the body names bridge ${config.id}, the path ${params.bridgeId}`)
      const adapters = gw.messaging.adapterNames()
      if (!adapters.includes(config.adapter)) {
        throw new HttpError(400, 'VALIDATION', `adapter '${config.adapter}' is not registered in this gateway (registered: ${adapters.join(', ')})`, { issues: [{ path: 'adapter', message: 'not registered' }] })
      }
      const credentials = await withStoredCredentials(gw, params.bridgeId, config.credentials)
      gw.addCredentials(credentials)
      return redacted(await gw.messaging.putBridgeConfig({ ...config, id: params.bridgeId, credentials }))
    },
  }),
  defineRoute({
    method: 'delete', path: '/v1/bridges/:bridgeId', operationId: 'deleteBridgeConfig', summary: 'Delete a bridge config (its worker stops)', tag, scope: 'admin',
    params: BridgeParams,
    response: DeletedSchema,
    handler: async ({ params }, gw) => ({ deleted: await gw.messaging.deleteBridgeConfig(params.bridgeId) }),
  }),
  defineRoute({
    method: 'get', path: '/v1/bridges/:bridgeId/status', operationId: 'bridgeStatus', summary: 'A bridge worker\'s state, last activity and last error', tag, scope: 'read',
    params: BridgeParams,
    response: BridgeStatusSchema,
    handler: async ({ params }, gw) => found(await gw.messaging.bridgeStatus(params.bridgeId), `bridge ${params.bridgeId}`),
  }),
  defineRoute({
    method: 'get', path: '/v1/bridge-statuses', operationId: 'listBridgeStatuses', summary: 'Every bridge worker\'s status', tag, scope: 'read',
    response: z.object({ statuses: z.array(BridgeStatusSchema) }),
    handler: async (_input, gw) => ({ statuses: await gw.messaging.listBridgeStatuses() }),
  }),
  defineRoute({
    method: 'get', path: '/v1/bridges/:bridgeId/ingress-subscriptions', operationId: 'listIngressSubscriptions', summary: 'The platform-side registrations that make webhooks flow', tag, scope: 'read',
    params: BridgeParams,
    response: z.object({ subscriptions: z.array(IngressSubscriptionSchema) }),
    handler: async ({ params }, gw) => ({ subscriptions: await gw.messaging.listIngressSubscriptions(params.bridgeId) }),
  }),
  defineRoute({
    method: 'post', path: '/v1/bridges/:bridgeId/ingress-subscriptions', operationId: 'ensureIngressSubscription', tag, scope: 'admin',
    summary: 'Register the webhook with the platform (Telegram setWebhook), or get the URL to paste (manual_action_required); idempotent',
    params: BridgeParams,
    body: z.strictObject({ url: z.url().max(2000).optional().describe('the public webhook URL (default: listen.publicUrl + /webhooks/<bridgeId> when configured)') }).optional(),
    response: IngressSubscriptionSchema,
    handler: async ({ params, body }, gw) => {
      const publicUrl = gw.config.listen.publicUrl
      const url = body?.url ?? (publicUrl === undefined ? undefined : `${publicUrl.replace(/\/+$/, '')}/webhooks/${encodeURIComponent(params.bridgeId)}`)
      return gw.messaging.ensureIngressSubscription(params.bridgeId, url === undefined ? {} : { url })
    },
  }),
  defineRoute({
    method: 'delete', path: '/v1/bridges/:bridgeId/ingress-subscriptions/:subscriptionId', operationId: 'deleteIngressSubscription', summary: 'Remove a platform-side registration', tag, scope: 'admin',
    params: BridgeParams.extend({ subscriptionId: Id }),
    response: DeletedSchema,
    handler: async ({ params }, gw) => ({ deleted: await gw.messaging.deleteIngressSubscription(params.bridgeId, params.subscriptionId) }),
  }),
]
