// Socket Mode: Bolt's SocketModeReceiver against the fake's apps.connections.open and WebSocket.
import { createMessaging, isMessagingError, type BridgeContext, type InboundEvent } from '@jido-messaging/core'
import { createMemoryStore } from '@jido-messaging/store-memory'
import { slackEventCallback, slackMessageEvent, startFakeSlack, type FakeSlack } from '@jido-messaging/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { createSlackAdapter } from './index.js'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function fakeSlack(): Promise<FakeSlack> {
  const slack = await startFakeSlack()
  cleanups.push(() => slack.close())
  return slack
}

function socketBridge(slack: FakeSlack, appToken = slack.appToken): BridgeContext {
  return { bridgeId: 'sl-socket', credentials: { botToken: slack.botToken, appToken }, options: { apiUrl: slack.url, ingress: { mode: 'socket' } } }
}

describe('Socket Mode listener', () => {
  it('connects with the app token, ingests each envelope, and acknowledges only after ingest', async () => {
    const slack = await fakeSlack()
    const ingested: InboundEvent[] = []
    let release: () => void = () => {}
    const gate = new Promise<void>((r) => (release = r))
    const abort = new AbortController()
    const handle = await createSlackAdapter().startListener!(socketBridge(slack), {
      signal: abort.signal,
      ingest: async (event) => {
        await gate
        ingested.push(event)
      },
    })
    cleanups.push(() => handle.stop())
    expect(slack.callsOf('apps.connections.open')).toMatchObject([{ token: slack.appToken }])
    expect(slack.socketConnections).toBe(1)

    let acked = false
    const ack = slack.sendSocketEnvelope(slackEventCallback(slackMessageEvent({ channel: 'C0GENERAL', user: 'U0HUMAN', text: 'over the socket' })))
      .then(() => (acked = true))
    await new Promise((r) => setTimeout(r, 100))
    expect(acked).toBe(false)
    release()
    await ack
    expect(ingested).toMatchObject([{ kind: 'message', externalRoomId: 'C0GENERAL', text: 'over the socket', isSelf: false }])

    // slash commands and interactivity are acknowledged and dropped
    await slack.sendSocketEnvelope({ command: '/jido', text: 'hi' }, { type: 'slash_commands' })
    expect(ingested).toHaveLength(1)

    await handle.stop()
    await handle.closed
    for (const deadline = Date.now() + 30_000; slack.socketConnections !== 0 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 10))
    expect(slack.socketConnections).toBe(0)
  })

  it('leaves an envelope unacknowledged when ingest fails, so Slack resends it', async () => {
    const slack = await fakeSlack()
    const handle = await createSlackAdapter().startListener!(socketBridge(slack), {
      signal: new AbortController().signal,
      ingest: async () => {
        throw new Error('store down')
      },
    })
    cleanups.push(() => handle.stop())
    const ack = slack.sendSocketEnvelope(slackEventCallback(slackMessageEvent({ channel: 'C0GENERAL', user: 'U0HUMAN', text: 'lost?' })))
    const outcome = await Promise.race([ack.then(() => 'acked'), new Promise((r) => setTimeout(() => r('pending'), 300))])
    expect(outcome).toBe('pending')
  })

  it('fails to start without an app token or with a wrong one', async () => {
    const slack = await fakeSlack()
    const adapter = createSlackAdapter()
    const ctx = { signal: new AbortController().signal, ingest: async () => undefined }
    const missing = await adapter.startListener!({ ...socketBridge(slack), credentials: { botToken: slack.botToken } }, ctx).catch((e: unknown) => e)
    expect(isMessagingError(missing) && (missing as Error).message).toContain('credentials.appToken')
    const wrong = await adapter.startListener!(socketBridge(slack, 'xapp-wrong'), ctx).catch((e: unknown) => e)
    expect(isMessagingError(wrong) && (wrong as Error).message).toContain('invalid_auth')
    expect(slack.socketConnections).toBe(0)
  })

  it('runs as a bridge worker under createMessaging: a message over the socket is stored', async () => {
    const slack = await fakeSlack()
    const messaging = createMessaging({ store: createMemoryStore(), adapters: [createSlackAdapter()], delivery: { pollMs: 20 } })
    await messaging.start()
    cleanups.push(() => messaging.stop())
    await messaging.putBridgeConfig({ id: 'sl-socket', adapter: 'slack', credentials: { botToken: slack.botToken, appToken: slack.appToken }, options: { apiUrl: slack.url, ingress: { mode: 'socket' } }, enabled: true })
    const deadline = Date.now() + 30_000
    while ((await messaging.bridgeStatus('sl-socket'))?.state !== 'running') {
      if (Date.now() > deadline) throw new Error(`listener did not start: ${JSON.stringify(await messaging.bridgeStatus('sl-socket'))}`)
      await new Promise((r) => setTimeout(r, 20))
    }
    const seeded = slack.postAs('C0GENERAL', 'hello over socket mode')
    await slack.sendSocketEnvelope(slackEventCallback(slackMessageEvent({ channel: 'C0GENERAL', user: 'U0HUMAN', text: seeded.text, ts: seeded.ts })))
    const stored = await messaging.getMessageByExternalId('slack', 'sl-socket', seeded.ts)
    expect(stored).toMatchObject({ content: [{ type: 'text', text: 'hello over socket mode' }] })
    // a redelivery (Slack's retry_attempt) is a duplicate: still one message
    await slack.sendSocketEnvelope(slackEventCallback(slackMessageEvent({ channel: 'C0GENERAL', user: 'U0HUMAN', text: seeded.text, ts: seeded.ts })), { retryAttempt: 1 })
    expect((await messaging.listMessages(stored!.roomId)).messages).toHaveLength(1)
  })
})
