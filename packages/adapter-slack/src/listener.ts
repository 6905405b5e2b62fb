import { AdapterError, type BridgeContext, type InboundEvent, type ListenerContext, type ListenerHandle } from '@jido-messaging/core'
import { LogLevel, SocketModeReceiver, type App, type Logger, type ReceiverEvent } from '@slack/bolt'
import type { SlackAdapterLogger, SlackEnvelope } from './types.js'

// Socket Mode (https://api.slack.com/apis/socket-mode): Bolt's SocketModeReceiver owns the WebSocket
// (apps.connections.open with the app-level token, hello, reconnects on Slack's `disconnect`), and
// hands each envelope to our pipeline instead of to a Bolt App. An envelope is acknowledged only after
// its events are committed; an ingest failure leaves it unacknowledged, so Slack delivers it again.

export interface SocketListenerDeps {
  apiUrl: string
  transform(envelope: SlackEnvelope): Promise<InboundEvent[]>
  logger?: SlackAdapterLogger
}

export async function startSocketListener(bridge: BridgeContext, ctx: ListenerContext, deps: SocketListenerDeps): Promise<ListenerHandle> {
  const appToken = bridge.credentials.appToken
  if (typeof appToken !== 'string' || appToken === '') {
    throw new AdapterError(`[adapter-slack] bridge ${bridge.bridgeId}: Socket Mode needs credentials.appToken (xapp-...)`, { retryable: false })
  }
  const logger = boltLogger(deps.logger)
  const receiver = new SocketModeReceiver({
    appToken,
    logger,
    // Our worker restarts a listener that fails to start; the SDK only reconnects a running one.
    installerOptions: { clientOptions: { slackApiUrl: deps.apiUrl, retryConfig: { retries: 0 } } },
    processEventErrorHandler: async ({ error }) => {
      deps.logger?.warn(`[adapter-slack] bridge ${bridge.bridgeId}: an envelope failed and stays unacknowledged: ${String(error)}`)
      return false
    },
  })
  const processor = {
    async processEvent(event: ReceiverEvent): Promise<void> {
      const body = event.body as SlackEnvelope
      // Slash commands and interactivity are not modelled: acknowledge so Slack does not resend them.
      const events = body.type === 'event_callback' ? await deps.transform(body) : []
      for (const e of events) await ctx.ingest(e)
      await event.ack()
    },
  }
  receiver.init(processor as unknown as App)

  let stopping = false
  let fail: (reason: Error) => void = () => {}
  let end: () => void = () => {}
  const closed = new Promise<void>((resolve, reject) => {
    fail = reject
    end = resolve
  })
  closed.catch(() => {}) // observed by the worker when it reads `closed`; never unhandled
  receiver.client.on('disconnected', () => {
    if (!stopping) fail(new Error(`[adapter-slack] bridge ${bridge.bridgeId}: Socket Mode connection ended`))
  })

  const stop = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    await receiver.client.disconnect().catch(() => {})
    end()
  }
  ctx.signal.addEventListener('abort', () => void stop(), { once: true })
  try {
    await receiver.start()
  } catch (error) {
    await stop()
    throw new AdapterError(`[adapter-slack] bridge ${bridge.bridgeId}: Socket Mode could not connect: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
  }
  return { stop, closed }
}

function boltLogger(logger: SlackAdapterLogger | undefined): Logger {
  const drop = () => {}
  let level = LogLevel.ERROR
  return {
    debug: drop,
    info: drop,
    warn: (...msg: unknown[]) => logger?.warn('[adapter-slack]', ...msg),
    error: (...msg: unknown[]) => logger?.error('[adapter-slack]', ...msg),
    setLevel: (l: LogLevel) => void (level = l),
    getLevel: () => level,
    setName: drop,
  }
}
