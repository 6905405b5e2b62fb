import { adapterErrorInfo } from '../errors.js'

/**
 * One platform a reply is about to reach, with what the stream and typing need of it: where the
 * reply's first chunk would go (the same target its outbox delivery gets) and the adapter's calls.
 */
export interface LiveRoute {
  bridgeId: string
  /** The delivery's conversation key: a streamed preview is matched to its final delivery by it. */
  conversationKey: string
  textLimit: number
  /** The adapter can edit its messages: the reply is streamed into one platform message. */
  canEdit: boolean
  /** The adapter shows typing. */
  canType: boolean
  /** Sends a preview message; resolves its platform id. */
  send(text: string): Promise<string>
  edit(externalMessageId: string, text: string): Promise<void>
  typing(): Promise<void>
  /** The minimum time between two calls into one conversation the adapter's rate limit allows. */
  minIntervalMs: number
}

export interface StreamedReplyOptions {
  /** Least time between two edits of one preview (default 1000 ms; never below the route's rate limit). */
  editIntervalMs?: number
  /** How often typing is renewed while the handler runs (default 4000 ms: platforms clear it after 5-10 s). */
  typingIntervalMs?: number
  onError?: (error: unknown, where: string) => void
}

interface Preview {
  route: LiveRoute
  /** The platform id once the first send resolved. */
  id: string | undefined
  /** The text on the platform now (or being put there). */
  shown: string
  /** The text to show next. */
  wanted: string
  /** The operation in flight (send or edit), if any. */
  busy: Promise<void> | undefined
  timer: NodeJS.Timeout | undefined
  nextAt: number
  failed: boolean
}

const DEFAULT_EDIT_INTERVAL_MS = 1000
const DEFAULT_TYPING_INTERVAL_MS = 4000

/**
 * A reply as it is produced, shown on the platforms before it is stored: typing while nothing is
 * written yet, then, on each platform that can edit, one message that is edited as text arrives (at
 * most one edit per `editIntervalMs` per conversation, a call at a time). Everything here is best
 * effort: what the platforms finally show is the stored reply's outbox delivery, which edits the
 * preview to the complete text ({@link previews}) with the outbox's retries, or sends it normally
 * where no preview got through. Platforms that cannot edit see nothing until the reply is stored.
 */
export class StreamedReply {
  private readonly previews: Preview[]
  private typingTimer: NodeJS.Timeout | undefined
  private closed = false
  private readonly editIntervalMs: number
  private readonly typingIntervalMs: number

  constructor(private readonly routes: LiveRoute[], private readonly options: StreamedReplyOptions = {}) {
    this.editIntervalMs = Math.max(0, options.editIntervalMs ?? DEFAULT_EDIT_INTERVAL_MS)
    this.typingIntervalMs = Math.max(500, options.typingIntervalMs ?? DEFAULT_TYPING_INTERVAL_MS)
    this.previews = routes.filter((r) => r.canEdit).map((route) => ({
      route, id: undefined, shown: '', wanted: '', busy: undefined, timer: undefined, nextAt: 0, failed: false,
    }))
  }

  /** Whether any route streams (can edit). */
  get streams(): boolean {
    return this.previews.length > 0
  }

  /** Shows typing on every route that can, renewed until {@link stopTyping} or the first preview. */
  startTyping(): void {
    if (this.closed || this.typingTimer !== undefined) return
    const typers = this.routes.filter((r) => r.canType)
    if (typers.length === 0) return
    const tick = () => {
      for (const route of typers) {
        // A route already showing the reply needs no typing there.
        if (this.previews.some((p) => p.route === route && p.id !== undefined)) continue
        route.typing().catch((error: unknown) => this.options.onError?.(error, `typing on bridge ${route.bridgeId}`))
      }
    }
    tick()
    this.typingTimer = setInterval(tick, this.typingIntervalMs)
    this.typingTimer.unref()
  }

  stopTyping(): void {
    clearInterval(this.typingTimer)
    this.typingTimer = undefined
  }

  /** The reply's text so far (the whole of it, not a piece). */
  update(text: string): void {
    if (this.closed || text.length === 0) return
    for (const p of this.previews) {
      if (p.failed) continue
      p.wanted = text.length > p.route.textLimit ? text.slice(0, p.route.textLimit) : text
      this.schedule(p)
    }
  }

  private interval(p: Preview): number {
    return Math.max(this.editIntervalMs, p.route.minIntervalMs)
  }

  private schedule(p: Preview): void {
    if (p.busy !== undefined || p.timer !== undefined || p.wanted === p.shown || this.closed) return
    const wait = p.id === undefined ? 0 : p.nextAt - Date.now()
    if (wait > 0) {
      p.timer = setTimeout(() => {
        p.timer = undefined
        this.schedule(p)
      }, wait)
      p.timer.unref()
      return
    }
    const text = p.wanted
    const op = p.id === undefined
      ? p.route.send(text).then((id) => void (p.id = id))
      : p.route.edit(p.id, text)
    p.busy = op.then(
      () => {
        p.shown = text
        p.nextAt = Date.now() + this.interval(p)
      },
      (error: unknown) => {
        const { retryAfterMs } = adapterErrorInfo(error)
        p.nextAt = Date.now() + Math.max(this.interval(p), retryAfterMs ?? 0)
        // A preview that could not be sent is given up: the stored reply is sent normally there.
        if (p.id === undefined) p.failed = true
        this.options.onError?.(error, `streaming a reply to bridge ${p.route.bridgeId}`)
      },
    ).finally(() => {
      p.busy = undefined
      if (!p.failed) this.schedule(p)
    })
  }

  /**
   * Ends the stream: stops typing, waits for calls in flight, and resolves the previews that reached a
   * platform, by conversation key; the stored reply's first delivery there edits that message.
   */
  async finish(): Promise<Record<string, string>> {
    this.closed = true
    this.stopTyping()
    for (const p of this.previews) clearTimeout(p.timer)
    await Promise.all(this.previews.map((p) => p.busy))
    const out: Record<string, string> = {}
    for (const p of this.previews) if (p.id !== undefined) out[p.route.conversationKey] = p.id
    return out
  }

  /** Ends a stream that will not be stored: previews already shown are marked as cut short (best effort). */
  async abandon(note = ' [reply interrupted]'): Promise<void> {
    const previews = await this.finish()
    await Promise.all(this.previews.map(async (p) => {
      if (previews[p.route.conversationKey] === undefined) return
      const text = `${p.shown}${note}`.slice(0, p.route.textLimit)
      await p.route.edit(p.id!, text).catch((error: unknown) => this.options.onError?.(error, `marking an interrupted reply on bridge ${p.route.bridgeId}`))
    }))
  }
}
