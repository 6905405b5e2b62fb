import { ValidationError, type BridgeContext, type IngressSubscriptionInfo, type IngressSubscriptionRequest } from '@jido-messaging/core'
import type { TelegramApi } from './api.js'
import { isoFromUnix } from './format.js'
import { ALLOWED_UPDATES, type TgWebhookInfo } from './types.js'

// The bot's one webhook registration (setWebhook / getWebhookInfo / deleteWebhook). Telegram keeps a
// single webhook per bot, so its subscription id is always `webhook`.

export const WEBHOOK_SUBSCRIPTION_ID = 'webhook'
const SECRET_TOKEN = /^[A-Za-z0-9_-]{1,256}$/

export function ingressModeOf(bridge: BridgeContext): string {
  return (bridge.options.ingress as { mode?: string } | undefined)?.mode ?? 'webhook'
}

export async function ensureWebhook(api: TelegramApi, bridge: BridgeContext, request: IngressSubscriptionRequest): Promise<IngressSubscriptionInfo> {
  const where = `[adapter-telegram] bridge ${bridge.bridgeId}`
  const url = request.url
  if (typeof url !== 'string' || !/^https:\/\//i.test(url) || !URL.canParse(url)) {
    throw new ValidationError(`${where}: setWebhook needs the public https url Telegram should call`, [{ path: 'url', message: 'expected an https URL' }])
  }
  if (ingressModeOf(bridge) === 'polling') {
    throw new ValidationError(`${where} uses long polling; a webhook would stop getUpdates (set options.ingress.mode to 'webhook' first)`, [{ path: 'options.ingress.mode', message: 'polling' }])
  }
  const secret = bridge.credentials.webhookSecret
  if (secret === undefined || secret === '') {
    if (bridge.options.allowUnsignedWebhooks !== true) {
      throw new ValidationError(`${where} has no credentials.webhookSecret, so it would reject every webhook Telegram sends`, [{ path: 'credentials.webhookSecret', message: 'required' }])
    }
  } else if (!SECRET_TOKEN.test(secret)) {
    throw new ValidationError(`${where}: Telegram secret tokens are 1-256 characters of A-Z, a-z, 0-9, _ and -`, [{ path: 'credentials.webhookSecret', message: 'invalid characters' }])
  }
  await api.call('setWebhook', {
    url,
    allowed_updates: ALLOWED_UPDATES,
    ...(secret ? { secret_token: secret } : {}),
    ...(request.dropPendingUpdates === true ? { drop_pending_updates: true } : {}),
  })
  return { id: WEBHOOK_SUBSCRIPTION_ID, status: 'active', url, metadata: { allowedUpdates: [...ALLOWED_UPDATES], secretToken: secret ? 'set' : 'none' } }
}

export async function listWebhooks(api: TelegramApi): Promise<IngressSubscriptionInfo[]> {
  const info = await api.call<TgWebhookInfo>('getWebhookInfo', {})
  if (info.url === '') return []
  return [{
    id: WEBHOOK_SUBSCRIPTION_ID,
    // Telegram keeps the webhook and retries; a recent delivery error is reported, not a failure.
    status: 'active',
    url: info.url,
    metadata: {
      pendingUpdateCount: info.pending_update_count,
      ...(info.allowed_updates ? { allowedUpdates: info.allowed_updates } : {}),
      ...(info.last_error_message ? { lastErrorMessage: info.last_error_message } : {}),
      ...(info.last_error_date ? { lastErrorAt: isoFromUnix(info.last_error_date) } : {}),
    },
  }]
}

export async function deleteWebhook(api: TelegramApi, subscriptionId: string): Promise<boolean> {
  if (subscriptionId !== WEBHOOK_SUBSCRIPTION_ID) return false
  await api.call('deleteWebhook', {})
  return true
}
