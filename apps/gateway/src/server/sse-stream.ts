// One Server-Sent Events response body with backpressure. Frames are queued as bytes and handed over in
// one chunk each time the HTTP server asks for more (it reads the body only after the socket drained), so
// a slow client fills its own queue; past `maxQueuedBytes` the producer's `write` returns a promise that
// waits for room, and the subscription feeding it falls behind to the journal instead of this process
// buffering without bound.

export interface SseStreamOptions {
  /** Bytes queued before `write` makes the producer wait (one frame may go past it). */
  maxQueuedBytes: number
  /** A comment line is sent after this long without any other frame, so proxies keep the connection. */
  heartbeatMs: number
  /** Called once when the stream ends, however it ends. */
  onClose: () => void
}

const HEARTBEAT = Buffer.from(': keep-alive\n\n')

export class SseStream {
  readonly body: ReadableStream<Uint8Array>
  private controller!: ReadableStreamDefaultController<Uint8Array>
  private queue: Buffer[] = []
  private queued = 0
  /** No more frames: what is queued is still sent (`end`). */
  private ending = false
  /** Ended: nothing more is sent (`close`, or `end` once flushed). */
  private closed = false
  private wakePull: (() => void) | undefined
  private wakeWriter: (() => void) | undefined
  private lastFrameAt = Date.now()
  private readonly heartbeat: NodeJS.Timeout

  constructor(private readonly options: SseStreamOptions) {
    this.body = new ReadableStream<Uint8Array>({
      start: (controller) => void (this.controller = controller),
      pull: () => this.pull(),
      cancel: () => this.close(), // the client went away
    }, { highWaterMark: 0 })
    // Only on a quiet connection: bytes still queued are traffic enough (and a stalled client gets no more).
    this.heartbeat = setInterval(() => {
      if (this.queued === 0 && Date.now() - this.lastFrameAt >= options.heartbeatMs / 2) this.push(HEARTBEAT)
    }, options.heartbeatMs)
    this.heartbeat.unref()
  }

  /** Bytes waiting to be sent. */
  get queuedBytes(): number {
    return this.queued
  }

  get isClosed(): boolean {
    return this.closed
  }

  /** Queues a frame; returns a promise of room when the queue is full (undefined when it is not). */
  write(frame: Buffer): Promise<void> | undefined {
    if (this.ending || this.closed) return undefined
    this.push(frame)
    if (this.queued < this.options.maxQueuedBytes) return undefined
    return new Promise<void>((resolve) => (this.wakeWriter = resolve))
  }

  /** Sends what is queued (and `last`), then ends the response. */
  end(last?: Buffer): void {
    if (this.ending || this.closed) return
    if (last) this.push(last)
    this.ending = true
    this.wake()
  }

  /** Ends the response now, dropping what is queued (the client left, or the gateway stops). */
  close(): void {
    if (this.closed) return
    this.closed = true
    this.queue = []
    this.queued = 0
    clearInterval(this.heartbeat)
    try {
      this.controller.close()
    } catch {
      // cancelled by the client already
    }
    this.wake()
    this.options.onClose()
  }

  private push(frame: Buffer): void {
    this.queue.push(frame)
    this.queued += frame.length
    this.lastFrameAt = Date.now()
    this.wake()
  }

  private wake(): void {
    const pull = this.wakePull
    this.wakePull = undefined
    pull?.()
    // A closed stream takes nothing more: a producer waiting for room is let go.
    if (this.closed) this.releaseWriter()
  }

  private releaseWriter(): void {
    const writer = this.wakeWriter
    this.wakeWriter = undefined
    writer?.()
  }

  /** The HTTP server wants bytes: hands over the whole queue as one chunk, waiting for one if it is empty. */
  private async pull(): Promise<void> {
    while (this.queue.length === 0 && !this.ending && !this.closed) await new Promise<void>((resolve) => (this.wakePull = resolve))
    if (this.closed) return
    if (this.queue.length > 0) {
      const chunk = this.queue.length === 1 ? this.queue[0]! : Buffer.concat(this.queue, this.queued)
      this.queue = []
      this.queued = 0
      this.controller.enqueue(chunk)
      this.releaseWriter()
    }
    if (this.ending && this.queue.length === 0) this.close()
  }
}
