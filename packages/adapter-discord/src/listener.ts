import type { InboundEvent, ListenerContext, ListenerHandle } from '@jido-messaging/core'
import { Client, Events, Partials } from 'discord.js'
import type { DispatchPacket, DiscordBridgeSettings } from './types.js'

// The gateway listener: a discord.js Client keeps the socket (heartbeats, RESUME with replay after a
// drop or RECONNECT, re-IDENTIFY when a session is gone). We read its raw dispatches in order and hand
// each one to `onPacket`, one at a time, so events are ingested in the order Discord sequenced them.

export interface ListenerDeps {
  readyTimeoutMs: number
  /** Maps a dispatch to events (and learns channels from it); `botUserId` is the READY user. */
  toEvents(packet: DispatchPacket, botUserId: string | undefined): Promise<InboundEvent[]>
}

const INGEST_ATTEMPTS = 5

export async function startGatewayListener(bridge: DiscordBridgeSettings, ctx: ListenerContext, deps: ListenerDeps): Promise<ListenerHandle> {
  if (!bridge.botToken) throw new Error(`[adapter-discord] bridge ${bridge.bridgeId} has no credentials.botToken`)
  const client = new Client({
    intents: bridge.intents,
    // DMs arrive for channels the client has not cached; raw dispatches are read either way.
    partials: [Partials.Channel, Partials.Message, Partials.Reaction, Partials.User],
    rest: { api: bridge.apiUrl, version: '10' },
  })
  let botUserId = bridge.botUserId
  let failClosed: (error: Error) => void = () => undefined
  let endClosed: () => void = () => undefined
  const closed = new Promise<void>((resolve, reject) => {
    endClosed = resolve
    failClosed = reject
  })
  // The worker awaits `closed`; a rejection nobody awaits yet must not crash the process.
  closed.catch(() => undefined)

  let queue: Promise<void> = Promise.resolve()
  let stopping = false
  const ingestWithRetry = async (event: InboundEvent) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await ctx.ingest(event)
        return
      } catch (error) {
        if (attempt >= INGEST_ATTEMPTS || stopping) throw error
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt))
      }
    }
  }
  client.on(Events.Raw, (packet: DispatchPacket) => {
    if (packet.t === 'READY') botUserId = (packet.d as { user?: { id?: string } }).user?.id ?? botUserId
    queue = queue.then(async () => {
      const events = await deps.toEvents(packet, botUserId)
      for (const event of events) await ingestWithRetry(event)
    }).catch((error: unknown) => {
      // An event we could not store would be lost silently; fail so the worker restarts and reports it.
      failClosed(new Error(`[adapter-discord] bridge ${bridge.bridgeId}: ${packet.t} could not be ingested: ${error instanceof Error ? error.message : String(error)}`))
      void stop()
    })
  })
  client.on(Events.ShardDisconnect, (event: { code: number }) => {
    failClosed(new Error(`[adapter-discord] bridge ${bridge.bridgeId}: gateway closed for good (code ${event.code})`))
    void stop()
  })
  client.on(Events.Invalidated, () => {
    failClosed(new Error(`[adapter-discord] bridge ${bridge.bridgeId}: gateway session invalidated`))
    void stop()
  })

  let stopped: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      stopping = true
      ctx.signal.removeEventListener('abort', onAbort)
      await client.destroy()
      client.removeAllListeners()
      // events already received are still stored: Discord will not send them again
      await queue.catch(() => undefined)
      endClosed()
    })()
    return stopped
  }
  const onAbort = () => void stop()
  ctx.signal.addEventListener('abort', onAbort)

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`[adapter-discord] bridge ${bridge.bridgeId}: gateway not ready after ${deps.readyTimeoutMs} ms`)), deps.readyTimeoutMs)
      const done = (error?: Error) => {
        clearTimeout(timer)
        client.off(Events.ClientReady, onReady)
        if (error) reject(error)
        else resolve()
      }
      const onReady = () => done()
      client.once(Events.ClientReady, onReady)
      closed.catch((error: Error) => done(error))
      if (ctx.signal.aborted) done(new Error('aborted'))
      ctx.signal.addEventListener('abort', () => done(new Error('aborted')), { once: true })
      client.login(bridge.botToken).catch((error: unknown) => done(error instanceof Error ? error : new Error(String(error))))
    })
  } catch (error) {
    await stop()
    throw new Error(`[adapter-discord] bridge ${bridge.bridgeId}: gateway login failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error })
  }
  return { stop, closed }
}
