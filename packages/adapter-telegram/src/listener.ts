import { AdapterError, backoffMs, isMessagingError, type InboundEvent, type ListenerContext, type ListenerHandle } from '@jido-messaging/core'
import type { TelegramApi } from './api.js'
import { parseUpdate } from './inbound.js'
import { ALLOWED_UPDATES, type TgUpdate, type TgWebhookInfo } from './types.js'

// Long polling (getUpdates). An update is acknowledged to Telegram (by asking for the next offset)
// only after every event it became was ingested, so an update whose ingest failed, or that was in
// flight when the process died, is fetched again; core's dedupe makes the repeat harmless.

export interface PollingOptions {
  timeoutSeconds: number
  limit: number
  /** Consecutive transient getUpdates failures tolerated before the listener fails (the worker restarts it). */
  maxFailures?: number
  botId: () => Promise<string | undefined>
}

export async function startPolling(api: TelegramApi, ctx: ListenerContext, options: PollingOptions): Promise<ListenerHandle> {
  const stop = new AbortController()
  const signal = AbortSignal.any([ctx.signal, stop.signal])
  // Fails fast on a bad token; getUpdates refuses to run while a webhook is set, so polling mode removes it.
  await api.call('getMe', {}, { signal })
  const webhook = await api.call<TgWebhookInfo>('getWebhookInfo', {}, { signal })
  if (webhook.url !== '') await api.call('deleteWebhook', { drop_pending_updates: false }, { signal })
  const botId = await options.botId()

  let offset: number | undefined
  async function ingest(event: InboundEvent): Promise<void> {
    let outcome: unknown
    try {
      outcome = await ctx.ingest(event)
    } catch (error) {
      // An event core refuses as invalid will be refused again: skip it rather than stall the bot.
      if (isMessagingError(error, 'VALIDATION')) return
      throw error
    }
    if ((outcome as { status?: unknown } | undefined)?.status === 'error') {
      throw new AdapterError(`[adapter-telegram] bridge ${api.bridgeId}: ingest failed: ${String((outcome as { reason?: unknown }).reason)}`)
    }
  }

  async function loop(): Promise<void> {
    let failures = 0
    while (!signal.aborted) {
      let updates: TgUpdate[]
      try {
        updates = await api.call<TgUpdate[]>('getUpdates', {
          ...(offset === undefined ? {} : { offset }),
          timeout: options.timeoutSeconds,
          limit: options.limit,
          allowed_updates: ALLOWED_UPDATES,
        }, { signal, timeoutMs: (options.timeoutSeconds + 15) * 1000 })
        failures = 0
      } catch (error) {
        if (signal.aborted) return
        const retryable = !(error instanceof AdapterError) || error.retryable
        failures++
        if (!retryable || failures > (options.maxFailures ?? 5)) throw error
        const wait = error instanceof AdapterError && error.retryAfterMs !== undefined ? error.retryAfterMs : backoffMs(failures, 500, 10_000)
        await sleep(wait, signal)
        continue
      }
      for (const update of updates) {
        // Stopping between updates leaves the rest unacknowledged; the next listener gets them again.
        if (signal.aborted) return
        for (const event of parseUpdate(update, botId)) await ingest(event)
        offset = update.update_id + 1
      }
    }
  }

  // Only a clean stop acknowledges: after a failure (409, another instance polling) a stray call would
  // end that instance's poll.
  const closed = loop().then(() => acknowledge(api, offset))
  // The worker reads `closed`; this copy only keeps an unobserved failure from becoming an unhandled rejection.
  closed.catch(() => {})
  return {
    closed,
    async stop() {
      stop.abort()
      await closed.catch(() => {})
    },
  }
}

/** Confirms what was ingested (getUpdates with the next offset), so a restart does not fetch it again. Best effort. */
async function acknowledge(api: TelegramApi, offset: number | undefined): Promise<void> {
  if (offset === undefined) return
  await api.call('getUpdates', { offset, timeout: 0, limit: 1, allowed_updates: ALLOWED_UPDATES }, { timeoutMs: 2000 }).catch(() => {})
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}
