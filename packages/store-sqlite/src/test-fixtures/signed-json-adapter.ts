import type { InboundEvent, PlatformAdapter } from '@jido-messaging/core'
import { checkJidoSignature } from '@jido-messaging/testing'

/**
 * Just enough of adapter-webhook's inbound side (signed `{id, room, user, text}` bodies, name and channel
 * `webhook`) for the bridge cases that store-sqlite runs itself: depending on adapter-webhook here would
 * be a package cycle (it depends on store-sqlite for its own SQLite tests).
 */
export function signedJsonAdapter(): PlatformAdapter {
  return {
    name: 'webhook',
    channel: 'webhook',
    capabilities: {
      send: 'unsupported', edit: 'unsupported', delete: 'unsupported', reactions: 'unsupported', typing: 'unsupported',
      threads: 'unsupported', replies: 'unsupported', media: 'unsupported', webhook: true, listener: false,
      ingressSubscriptions: false, textLimit: 4000, markdown: 'none',
    },
    verifyWebhook: (bridge, request) =>
      checkJidoSignature(bridge.credentials['secret'] ?? '', request.rawBody, request.headers['x-jido-timestamp'], request.headers['x-jido-signature']),
    parseWebhook(_bridge, request) {
      const body = request.body as { events?: unknown[] } & Record<string, unknown>
      const items = (Array.isArray(body.events) ? body.events : [body]) as Array<Record<string, string>>
      const events = items.map((e): InboundEvent => ({
        kind: 'message', externalMessageId: e['id']!, externalRoomId: e['room']!, externalUserId: e['user']!, text: e['text'] ?? '',
        media: [], chatType: 'group', isSelf: false, timestamp: new Date().toISOString(), raw: e,
      }))
      return { events }
    },
  }
}
