import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import type { DiscordWorld } from './world.js'

// The Discord Gateway (v10, JSON frames, no compression) as a discord.js Client meets it: HELLO,
// IDENTIFY -> READY + GUILD_CREATE, heartbeats, sequenced dispatches kept in a replay log, RECONNECT,
// RESUME -> replay of what was missed -> RESUMED, and dropped connections.

const Op = { Dispatch: 0, Heartbeat: 1, Identify: 2, Resume: 6, Reconnect: 7, InvalidSession: 9, Hello: 10, HeartbeatAck: 11 } as const

/** One frame the fake received from a client. */
export interface GatewayFrame {
  op: number
  d: unknown
  connection: number
}

interface Session {
  id: string
  /** Every dispatch of the session with its sequence number, for replay on RESUME. */
  log: Array<{ s: number; t: string; d: unknown }>
  seq: number
}

export interface GatewayOptions {
  token: string
  heartbeatIntervalMs?: number
}

export class DiscordGateway {
  readonly received: GatewayFrame[] = []
  private readonly wss = new WebSocketServer({ noServer: true })
  private session: Session | undefined
  private live: { socket: WebSocket; id: number } | undefined
  private connections = 0
  private held: Array<() => void> = []
  private holding = false
  private readonly waiters: Array<{ check: () => boolean; resolve: () => void }> = []
  baseUrl = ''

  constructor(private readonly world: DiscordWorld, private readonly options: GatewayOptions) {}

  get url(): string {
    return `${this.baseUrl}/gateway`
  }

  get resumeUrl(): string {
    return `${this.baseUrl}/gateway-resume`
  }

  /** IDENTIFY frames received (new sessions). */
  get identifies(): number {
    return this.received.filter((f) => f.op === Op.Identify).length
  }

  /** RESUME frames received. */
  get resumes(): number {
    return this.received.filter((f) => f.op === Op.Resume).length
  }

  /** Whether a client is connected and past READY/RESUMED. */
  get connected(): boolean {
    return this.live !== undefined
  }

  /** The sequence number of the last dispatch sent (or queued). */
  get sequence(): number {
    return this.session?.seq ?? 0
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname
    if (path !== '/gateway' && path !== '/gateway-resume') {
      socket.destroy()
      return
    }
    const accept = () => this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws))
    if (this.holding) this.held.push(accept)
    else accept()
  }

  /**
   * Sends a dispatch with the next sequence number, or keeps it for replay when no client is connected
   * (as Discord does for a session that can still be resumed).
   */
  dispatch(t: string, d: unknown): number {
    if (!this.session) return 0
    const s = ++this.session.seq
    this.session.log.push({ s, t, d })
    this.live?.socket.send(JSON.stringify({ op: Op.Dispatch, t, s, d }))
    return s
  }

  /**
   * Drops the connection without a close frame (as a network failure does). With `hold`, new
   * connections wait until `release()`, so dispatches in between are certainly missed and replayed.
   */
  drop(options: { hold?: boolean } = {}): void {
    if (options.hold) this.holding = true
    const live = this.live
    this.live = undefined
    live?.socket.terminate()
  }

  /** Closes the connection with a gateway close code, e.g. 4004 (authentication failed, not recoverable). */
  closeWith(code: number, reason = ''): void {
    const live = this.live
    this.live = undefined
    live?.socket.close(code, reason)
  }

  /** Lets held connection attempts through. */
  release(): void {
    this.holding = false
    for (const accept of this.held.splice(0)) accept()
  }

  /** Sends RECONNECT (op 7): the client must close and RESUME on the resume URL. */
  requestReconnect(): void {
    const live = this.live
    this.live = undefined
    live?.socket.send(JSON.stringify({ op: Op.Reconnect, d: null }))
  }

  /** Resolves once a client is connected and ready (after IDENTIFY or RESUME). */
  waitUntilConnected(timeoutMs = 30_000): Promise<void> {
    return this.waitFor(() => this.live !== undefined, timeoutMs, 'a gateway client')
  }

  /** Resolves once `count` RESUMEs have completed. */
  waitForResumes(count: number, timeoutMs = 30_000): Promise<void> {
    return this.waitFor(() => this.resumes >= count && this.live !== undefined, timeoutMs, `${count} resumes`)
  }

  async close(): Promise<void> {
    this.release()
    for (const client of this.wss.clients) client.terminate()
    await new Promise<void>((r) => this.wss.close(() => r()))
  }

  private waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (check()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`[testing] discord gateway: timed out waiting for ${what}`)), timeoutMs)
      this.waiters.push({ check, resolve: () => (clearTimeout(timer), resolve()) })
    })
  }

  private notify(): void {
    for (const w of [...this.waiters]) {
      if (w.check()) {
        this.waiters.splice(this.waiters.indexOf(w), 1)
        w.resolve()
      }
    }
  }

  private onConnection(socket: WebSocket): void {
    const id = ++this.connections
    const send = (payload: unknown) => socket.send(JSON.stringify(payload))
    send({ op: Op.Hello, d: { heartbeat_interval: this.options.heartbeatIntervalMs ?? 41_250 } })
    socket.on('message', (data) => {
      let frame: { op?: unknown; d?: unknown }
      try {
        frame = JSON.parse(String(data)) as { op?: unknown; d?: unknown }
      } catch {
        socket.close(4002, 'Decode error')
        return
      }
      if (typeof frame.op !== 'number') return
      this.received.push({ op: frame.op, d: frame.d, connection: id })
      switch (frame.op) {
        case Op.Heartbeat:
          send({ op: Op.HeartbeatAck, d: null })
          break
        case Op.Identify:
          this.identify(socket, id, frame.d as { token?: unknown })
          break
        case Op.Resume:
          this.resume(socket, id, frame.d as { token?: unknown; session_id?: unknown; seq?: unknown })
          break
        default:
          break
      }
    })
    socket.on('close', () => {
      if (this.live?.id === id) this.live = undefined
    })
  }

  private identify(socket: WebSocket, id: number, d: { token?: unknown }): void {
    if (d?.token !== this.options.token) {
      socket.close(4004, 'Authentication failed.')
      return
    }
    this.session = { id: `session-${id}-${Date.now()}`, log: [], seq: 0 }
    this.live = { socket, id }
    this.dispatch('READY', {
      v: 10,
      user: this.world.bot,
      guilds: [{ id: this.world.guildId, unavailable: true }],
      session_id: this.session.id,
      resume_gateway_url: this.resumeUrl,
      shard: [0, 1],
      application: { id: this.world.bot.id, flags: 0 },
      private_channels: [],
    })
    this.dispatch('GUILD_CREATE', this.world.guildCreate())
    this.notify()
  }

  private resume(socket: WebSocket, id: number, d: { token?: unknown; session_id?: unknown; seq?: unknown }): void {
    const session = this.session
    if (d?.token !== this.options.token || !session || d.session_id !== session.id) {
      socket.send(JSON.stringify({ op: Op.InvalidSession, d: false }))
      return
    }
    const after = typeof d.seq === 'number' ? d.seq : 0
    // Discord replays what the client missed, in order, and then says RESUMED.
    for (const entry of session.log) {
      if (entry.s > after && entry.t !== 'READY' && entry.t !== 'RESUMED') socket.send(JSON.stringify({ op: Op.Dispatch, t: entry.t, s: entry.s, d: entry.d }))
    }
    this.live = { socket, id }
    this.dispatch('RESUMED', {})
    this.notify()
  }
}
