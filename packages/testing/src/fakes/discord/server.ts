import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { DiscordGateway } from './gateway.js'
import { DiscordRest, type DiscordFailure } from './rest.js'
import { botToken } from './snowflake.js'
import { DiscordWorld, type FakeAttachment, type FakeMessage, type FakeUser, type WorldIds } from './world.js'

// One loopback server plays Discord: REST under /api/v10 and the Gateway websocket on /gateway (and
// /gateway-resume, the resume_gateway_url), sharing one world. Dispatch helpers build the gateway events
// a real guild produces, so tests read like what happens on Discord.

export interface DiscordFakeOptions {
  /** Fixed ids (the bot's user id among them; the token encodes it as Discord's do); default fresh snowflakes. */
  ids?: WorldIds
  heartbeatIntervalMs?: number
}

export interface DiscordFake {
  /** REST base without version, as the adapter's `apiUrl` option takes it: `http://127.0.0.1:PORT/api`. */
  readonly apiUrl: string
  readonly token: string
  readonly world: DiscordWorld
  readonly rest: DiscordRest
  readonly gateway: DiscordGateway
  failNext(count: number, failure: DiscordFailure): void
  /** A user's MESSAGE_CREATE (also stored, so replies, edits and reactions can refer to it). */
  postMessage(input: { channelId: string; author?: FakeUser; content: string; replyTo?: string; attachments?: FakeAttachment[] }): FakeMessage
  /** MESSAGE_UPDATE with new content. */
  editMessage(messageId: string, content: string): FakeMessage
  /** MESSAGE_DELETE. */
  deleteMessage(messageId: string): void
  /** MESSAGE_REACTION_ADD / _REMOVE by `userId` (default Ada). */
  react(messageId: string, emoji: string, options?: { userId?: string; remove?: boolean }): void
  close(): Promise<void>
}

export async function startDiscordFake(options: DiscordFakeOptions = {}): Promise<DiscordFake> {
  const world = new DiscordWorld(options.ids)
  const token = botToken(world.bot.id)
  let gateway: DiscordGateway | undefined
  const rest = new DiscordRest(world, { token, dispatch: (t, d) => gateway?.dispatch(t, d), gatewayUrl: () => gateway!.url })
  gateway = new DiscordGateway(world, { token, ...(options.heartbeatIntervalMs === undefined ? {} : { heartbeatIntervalMs: options.heartbeatIntervalMs }) })
  const sockets = new Set<Socket>()
  const server: Server = createServer((req, res) => {
    rest.handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ message: String(error), code: 0 }))
    })
  })
  server.on('connection', (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  server.on('upgrade', (req, socket, head) => gateway!.upgrade(req, socket, head))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  gateway.baseUrl = `ws://127.0.0.1:${port}`
  const gw = gateway
  let closed: Promise<void> | undefined

  const channelOf = (messageId: string) => {
    const message = world.messages.get(messageId)
    if (!message) throw new Error(`[testing] discord fake: unknown message ${messageId}`)
    return message
  }

  return {
    apiUrl: `http://127.0.0.1:${port}/api`,
    token,
    world,
    rest,
    gateway: gw,
    failNext: (count, failure) => rest.failNext(count, failure),
    postMessage(input) {
      const message = world.message({ ...input, author: input.author ?? world.ada })
      gw.dispatch('MESSAGE_CREATE', message)
      return message
    },
    editMessage(messageId, content) {
      const message = channelOf(messageId)
      message.content = content
      message.edited_timestamp = new Date().toISOString()
      gw.dispatch('MESSAGE_UPDATE', message)
      return message
    },
    deleteMessage(messageId) {
      const message = channelOf(messageId)
      world.messages.delete(messageId)
      gw.dispatch('MESSAGE_DELETE', { id: messageId, channel_id: message.channel_id, ...(message.guild_id ? { guild_id: message.guild_id } : {}) })
    },
    react(messageId, emoji, o = {}) {
      const message = channelOf(messageId)
      const custom = /^<a?:(\w+):(\d+)>$/.exec(emoji)
      gw.dispatch(o.remove ? 'MESSAGE_REACTION_REMOVE' : 'MESSAGE_REACTION_ADD', {
        user_id: o.userId ?? world.ada.id,
        channel_id: message.channel_id,
        message_id: messageId,
        ...(message.guild_id ? { guild_id: message.guild_id } : {}),
        emoji: custom ? { id: custom[2], name: custom[1], animated: emoji.startsWith('<a:') } : { id: null, name: emoji },
        burst: false,
        type: 0,
      })
    },
    close() {
      closed ??= (async () => {
        await gw.close()
        for (const s of sockets) s.destroy()
        await new Promise<void>((r) => server.close(() => r()))
      })()
      return closed
    },
  }
}
