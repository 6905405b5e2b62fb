import { appendAndEmit, signalContext, type Context } from '../api/context.js'
import type { AgentRegistration, AgentStore } from '../contracts/agents.js'
import type { LeaseFence } from '../contracts/leases.js'
import { ConflictError } from '../errors.js'
import type { PostExtras } from '../api/messages.js'
import { compositeKey } from '../store-helpers.js'
import type { Signal } from '../contracts/signal-bus.js'
import type { MessagingStore } from '../contracts/store.js'
import { nowIso } from '../ids.js'
import type { ContentBlock, Message, Participant, Thread } from '../model.js'
import { StreamedReply, type LiveRoute } from '../outbound/stream.js'
import type { FeedSubscription } from '../signals/feed.js'
import { positionOf } from '../signals/factory.js'
import { SignalTypes } from '../signals/types.js'
import type { AgentContext, AgentReply, AgentSpec } from './types.js'

export interface RunnerDeps {
  ctx: Context
  store: MessagingStore & AgentStore
  /**
   * Posts the agent's reply (through postMessage with delivery). `extras.previews`: platform messages
   * already showing it (a streamed reply), by conversation key; their deliveries edit them. `fence`: the
   * runner's lease term; `dedupeKey`: the same reply posted again stores nothing.
   */
  post(message: { roomId: string; senderId: string; content: ContentBlock[]; threadId?: string; replyToId?: string; agentId: string }, causationId: string,
    extras: PostExtras): Promise<Message>
  /** The platforms a reply would reach now, for typing and streamed previews (none without the bridge runtime). */
  liveRoutes?(draft: { roomId: string; threadId?: string; replyToId?: string }): Promise<LiveRoute[]>
  /** Consecutive agent-authored messages after which an agent message triggers no agent (default 3). */
  maxAgentTurns: number
  onError(error: unknown, where: string): void
}

interface Job {
  position: number
  message: Message
  signal: Signal
  thread: Thread | null
  /** Positions folded into this job by `debounce` (handled as one). */
  folded: Array<{ position: number; message: Message }>
  /** Replies posted so far: the n-th reply of a job has the same dedupe key however often the job runs. */
  replies: number
}

interface Lane {
  busy: boolean
  /** The lane's last reply being stored (the next one waits for it). */
  replying: Promise<void> | undefined
  queue: Job[]
  debounce: { job: Job; timer: NodeJS.Timeout } | undefined
}

/** The lease term a runner runs in (leases on): its writes are fenced with it, its platform calls stop when it is gone. */
export interface RunnerLease {
  fence: LeaseFence
  /** Whether the lease is still held, by this process's clock. */
  holds(): boolean
}

const DEFAULT_TIMEOUT_MS = 60_000
const DEFAULT_MAX_AGE_MS = 10 * 60_000
const CHECKPOINT_MS = 50

/** The durable subscription name of an agent's runner: its checkpoint is stored under it. */
export const runnerName = (roomId: string, agentId: string) => `agent:${roomId}:${agentId}`

function textOf(message: Message): string {
  let text = ''
  for (const block of message.content) if (block.type === 'text') text += (text ? '\n' : '') + block.text
  return text
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * Runs one agent of one room: consumes the room's `room.message_added` signals from the journal after
 * its stored checkpoint, decides per message whether the agent's trigger fires, and runs the handler
 * per thread lane by the agent's concurrency mode. The checkpoint only passes a message once its
 * handler finished (or it was decided not to run), so a message committed while the handler was busy
 * or the process was down is handled after a restart, and one handled is not handled again.
 */
export class AgentRunner {
  private sub: FeedSubscription | undefined
  private readonly lanes = new Map<string, Lane>()
  /** Positions seen and not yet finished, ascending. */
  private readonly pending: number[] = []
  private readonly finished = new Set<number>()
  private lastSeen = 0
  private saved = 0
  private saveTimer: NodeJS.Timeout | undefined
  private saving: Promise<void> | undefined
  private readonly running = new Set<Promise<void>>()
  private readonly controllers = new Set<AbortController>()
  private stopped = false
  private skipped: { count: number; from: number; to: number; timer: NodeJS.Timeout | undefined } = { count: 0, from: 0, to: 0, timer: undefined }
  private readonly handles: RegExp | undefined
  private readonly name: string

  constructor(private readonly deps: RunnerDeps, readonly registration: AgentRegistration, readonly spec: AgentSpec, private readonly lease?: RunnerLease) {
    this.name = runnerName(registration.roomId, registration.agentId)
    const handles = (spec.mentionHandles ?? []).map((h) => escapeRegExp(h.replace(/^@/, '')))
    this.handles = handles.length === 0 ? undefined : new RegExp(`(?<![\\w@])@(${handles.join('|')})(?![\\w-])`, 'i')
  }

  async start(): Promise<void> {
    const { ctx, store } = this.deps
    let from = await store.getSubscriptionCheckpoint(this.name)
    if (from === null) {
      // A first registration starts now; the checkpoint is stored at once so a restart resumes from here.
      from = ctx.feed.headPosition
      await store.saveSubscriptionCheckpoint(this.name, from, nowIso(), this.lease?.fence)
    }
    this.saved = from
    this.lastSeen = from
    this.sub = ctx.feed.subscribe(SignalTypes.roomMessageAdded, (signal) => this.onSignal(signal), { from, roomId: this.registration.roomId })
    await this.sub.ready
  }

  /** Stops consuming, aborts running handlers (waiting up to `drainMs` for them) and stores the checkpoint. */
  async stop(drainMs = 5000): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    if (this.sub) this.deps.ctx.feed.unsubscribe(this.sub.id)
    for (const lane of this.lanes.values()) if (lane.debounce) clearTimeout(lane.debounce.timer)
    // Work tracked while draining (a reply a finishing handler posts) is waited for too, within drainMs.
    const until = Date.now() + drainMs
    while (this.running.size > 0 && Date.now() < until) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([Promise.allSettled([...this.running]), new Promise((r) => (timer = setTimeout(r, until - Date.now())))])
      clearTimeout(timer)
    }
    for (const c of this.controllers) c.abort(new Error('agent runner stopped'))
    clearTimeout(this.saveTimer)
    clearTimeout(this.skipped.timer)
    await this.saving
    await this.flushSkipped()
    const mark = this.watermark()
    if (mark > this.saved) await this.deps.store.saveSubscriptionCheckpoint(this.name, mark, nowIso(), this.lease?.fence).catch((e: unknown) => this.deps.onError(e, `agent ${this.registration.agentId} checkpoint`))
  }

  private async onSignal(signal: Signal): Promise<void> {
    const position = positionOf(signal)
    if (position === undefined || signal.type !== SignalTypes.roomMessageAdded) return
    if (position <= this.lastSeen) return
    this.lastSeen = position
    this.pending.push(position)
    const message = signal.data?.['message'] as Message | undefined
    try {
      const thread = message ? await this.decide(message, position) : false
      // Stopped while deciding (a shutdown, a lost lease): left unfinished, so the checkpoint stays before
      // it and the next runner decides again.
      if (this.stopped) return
      if (thread === false || !message) return this.done(position)
      this.enqueue({ position, message, signal, thread, folded: [], replies: 0 })
    } catch (error) {
      if (this.stopped) return
      this.deps.onError(error, `agent ${this.registration.agentId} trigger`)
      this.done(position)
    }
  }

  /** Whether the agent runs for `message`: false, or the message's thread (null at the room's top level). */
  private async decide(message: Message, position: number): Promise<Thread | null | false> {
    const { store } = this.deps
    const reg = this.registration
    if (message.senderId === reg.participantId) return false
    const maxAge = this.spec.catchUp?.maxAgeMs ?? DEFAULT_MAX_AGE_MS
    if (Date.now() - Date.parse(message.insertedAt) > maxAge) {
      this.skip(position)
      return false
    }
    const sender = await store.getParticipant(message.senderId)
    if (sender?.type === 'agent') {
      if (!this.spec.respondToAgents) return false
      if (await this.agentTurns(message) > this.deps.maxAgentTurns) return false
    }
    // A top-level message that roots a thread (one opened for an agent it mentioned) is answered in it.
    const thread = message.threadId === undefined ? await store.getThreadByRootMessageId(message.roomId, message.id) : await store.getThread(message.threadId)
    const assigned = thread?.assignedAgentId
    const mine = assigned === reg.agentId
    const mentioned = this.mentioned(message)
    switch (this.spec.trigger) {
      case 'thread': return mine ? thread : false
      case 'mention': return mentioned || mine ? thread : false
      case 'all': return assigned === undefined || mine || mentioned ? thread : false
    }
  }

  /** Consecutive agent-authored messages of the room ending with `message`. */
  private async agentTurns(message: Message): Promise<number> {
    const { store } = this.deps
    const limit = this.deps.maxAgentTurns + 1
    const page = await store.listMessages({ roomId: message.roomId, limit, before: { insertedAt: message.insertedAt, id: message.id } })
    let turns = 1
    for (const m of [...page.messages].reverse()) {
      const p = await store.getParticipant(m.senderId)
      if (p?.type !== 'agent') break
      turns++
    }
    return turns
  }

  private mentioned(message: Message): boolean {
    if (this.handles === undefined) return false
    const handles = (this.spec.mentionHandles ?? []).map((h) => h.replace(/^@/, '').toLowerCase())
    const entities = message.metadata['mentions']
    if (Array.isArray(entities) && entities.some((m) => typeof m === 'string' && handles.includes(m.toLowerCase()))) return true
    return this.handles.test(textOf(message))
  }

  /** Backlog older than catchUp.maxAgeMs: counted, and announced once per run of skips. */
  private skip(position: number): void {
    const s = this.skipped
    if (s.count === 0) s.from = position
    s.count++
    s.to = position
    if (s.timer === undefined) {
      s.timer = setTimeout(() => void this.flushSkipped(), 100)
      s.timer.unref()
    }
  }

  private async flushSkipped(): Promise<void> {
    const s = this.skipped
    clearTimeout(s.timer)
    s.timer = undefined
    if (s.count === 0) return
    const data = { roomId: this.registration.roomId, agentId: this.registration.agentId, reason: 'catch_up_max_age', count: s.count,
      fromPosition: s.from, toPosition: s.to, maxAgeMs: this.spec.catchUp?.maxAgeMs ?? DEFAULT_MAX_AGE_MS }
    s.count = 0
    await this.announce(SignalTypes.agentSkipped, data, undefined)
  }

  private lane(key: string): Lane {
    let lane = this.lanes.get(key)
    if (lane === undefined) this.lanes.set(key, (lane = { busy: false, replying: undefined, queue: [], debounce: undefined }))
    return lane
  }

  private enqueue(job: Job): void {
    const key = job.thread?.id ?? job.message.threadId ?? ''
    const lane = this.lane(key)
    void this.announce(SignalTypes.agentTriggered, this.data(job), job.signal.id)
    switch (this.spec.concurrency ?? 'queue') {
      case 'concurrent':
        this.track(this.runJob(job, { busy: false, replying: undefined, queue: [], debounce: undefined }))
        return
      case 'drop':
        if (lane.busy) {
          void this.announce(SignalTypes.agentSkipped, { ...this.data(job), reason: 'busy' }, job.signal.id)
          this.done(job.position)
          return
        }
        lane.busy = true
        this.track(this.runJob(job, lane).finally(() => (lane.busy = false)))
        return
      case 'debounce': {
        const previous = lane.debounce
        if (previous) {
          clearTimeout(previous.timer)
          job.folded = [...previous.job.folded, { position: previous.job.position, message: previous.job.message }]
        }
        const timer = setTimeout(() => {
          lane.debounce = undefined
          this.queue(lane, job)
        }, this.spec.debounceMs ?? 1000)
        lane.debounce = { job, timer }
        return
      }
      default:
        this.queue(lane, job)
    }
  }

  /** `queue`: one job of a lane at a time, in order. */
  private queue(lane: Lane, job: Job): void {
    lane.queue.push(job)
    if (lane.busy) return
    lane.busy = true
    const drain = async () => {
      while (lane.queue.length > 0 && !this.stopped) await this.runJob(lane.queue.shift()!, lane)
      lane.busy = false
    }
    this.track(drain())
  }

  private track(p: Promise<void>): void {
    this.running.add(p)
    void p.finally(() => this.running.delete(p))
  }

  private data(job: Job): Record<string, unknown> {
    const d: Record<string, unknown> = { roomId: this.registration.roomId, agentId: this.registration.agentId, participantId: this.registration.participantId,
      messageId: job.message.id }
    if (job.thread) d['threadId'] = job.thread.id
    return d
  }

  /**
   * Journals an agent.* signal. Not awaited by the job: the write is queued at once (so it takes its place
   * in commit order before the job's later writes) and the handler does not wait a commit for it.
   */
  private announce(type: string, data: Record<string, unknown>, causationId: string | undefined): Promise<void> {
    const { ctx } = this.deps
    const p = appendAndEmit(ctx, [ctx.makeSignal(type, this.registration.roomId, data, signalContext(causationId === undefined ? {} : { causationId }))], this.lease?.fence)
      .then(() => undefined, (error: unknown) => {
        if (!this.stopped) this.deps.onError(error, `agent ${this.registration.agentId} signal ${type}`)
      })
    this.track(p)
    return p
  }

  private async runJob(job: Job, lane: Lane): Promise<void> {
    if (this.stopped) return
    const { store } = this.deps
    const controller = new AbortController()
    this.controllers.add(controller)
    const started = Date.now()
    const timeoutMs = this.spec.timeoutMs ?? DEFAULT_TIMEOUT_MS
    let timer: NodeJS.Timeout | undefined
    // Typing while the handler runs, and the reply streamed where platforms can edit: the routes are
    // looked up alongside the handler's own reads, never before it starts.
    const presence = this.presence(job, controller.signal)
    let streamed: Promise<void> | undefined
    try {
      void this.announce(SignalTypes.agentStarted, this.data(job), job.signal.id)
      const [room, sender, history] = await Promise.all([
        store.getRoom(job.message.roomId),
        store.getParticipant(job.message.senderId),
        store.listMessages({ roomId: job.message.roomId, limit: Math.max(0, (this.spec.historyLimit ?? 20) - 1) || 1,
          before: { insertedAt: job.message.insertedAt, id: job.message.id }, threadId: job.message.threadId ?? null }),
      ])
      if (!room) throw new Error(`room ${job.message.roomId} no longer exists`)
      const messages = [...history.messages.slice(-(Math.max(1, this.spec.historyLimit ?? 20) - 1)), job.message]
      let replied = false
      const context: AgentContext = {
        agent: { id: this.registration.agentId, participantId: this.registration.participantId, ...(this.registration.name === undefined ? {} : { name: this.registration.name }) },
        room,
        thread: job.thread,
        sender: sender as Participant | null,
        messages,
        skipped: job.folded.map((f) => f.message),
        signal: controller.signal,
        trigger: job.signal,
        reply: async (content) => {
          if (controller.signal.aborted) throw controller.signal.reason instanceof Error ? controller.signal.reason : new Error('the handler was aborted')
          replied = true
          if (typeof content === 'string' || Array.isArray(content)) return this.reply(job, content)
          // A streamed reply through ctx.reply: streamed like a returned one, then stored.
          const whole = this.stream(content as AsyncIterable<string>, await presence, controller.signal)
          streamed = whole.then(() => undefined, () => undefined)
          const { content: blocks, previews } = await whole
          if (blocks === null) throw new Error('the streamed reply was empty')
          return this.reply(job, blocks, previews)
        },
      }
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = new Error(`agent ${this.registration.agentId} timed out after ${timeoutMs} ms`)
          // Rejected before the abort: a handler that settles on abort must not win the race.
          reject(error)
          controller.abort(error)
        }, timeoutMs)
      })
      const result = await Promise.race([Promise.resolve(this.spec.handler(job.message, context)), timeout])
      const { content, previews } = await Promise.race([this.collect(result, presence, controller.signal), timeout])
      if (controller.signal.aborted) throw controller.signal.reason instanceof Error ? controller.signal.reason : new Error('the handler was aborted')
      clearTimeout(timer)
      this.controllers.delete(controller)
      void presence.then((p) => p.stopTyping())
      // The lane's next handler may start while this reply commits; replies of a lane are still stored
      // in order (each waits for the one before it), and the checkpoint passes the message only after.
      const previous = lane.replying
      const finishing = (async () => {
        await previous
        if (content !== null) {
          await this.reply(job, content, previews)
          replied = true
        }
      })().then(
        () => void this.announce(SignalTypes.agentCompleted, { ...this.data(job), replied, durationMs: Date.now() - started }, job.signal.id),
        (error: unknown) => void this.announce(SignalTypes.agentFailed, { ...this.data(job), error: error instanceof Error ? error.message : String(error), reason: 'error', durationMs: Date.now() - started }, job.signal.id),
      ).finally(() => this.finish(job))
      lane.replying = finishing
      this.track(finishing)
    } catch (error) {
      void this.announce(SignalTypes.agentFailed, { ...this.data(job), error: error instanceof Error ? error.message : String(error),
        reason: controller.signal.aborted ? 'timeout' : 'error', durationMs: Date.now() - started }, job.signal.id)
      clearTimeout(timer)
      if (!controller.signal.aborted) controller.abort(error)
      this.controllers.delete(controller)
      // A preview already on a platform is marked as cut short: nothing will be stored for it.
      this.track(presence.then(async (p) => {
        await streamed
        await p.abandon()
      }).catch((e: unknown) => this.deps.onError(e, `agent ${this.registration.agentId} stream`)))
      // Cut short by the runner's stop (a shutdown, a lost lease): left unfinished, so the checkpoint stays
      // before it and the next runner (after a restart, or on the process that took the lease) runs it again.
      if (!this.stopped) this.finish(job)
    }
  }

  /** The job's typing and stream, once its routes are known (none: a reply that is only stored). */
  private presence(job: Job, signal: AbortSignal): Promise<StreamedReply> {
    const live = this.leased(this.deps.liveRoutes)
    const threadId = job.thread?.id ?? job.message.threadId
    const routes = live === undefined
      ? Promise.resolve([])
      : live({ roomId: job.message.roomId, replyToId: job.message.id, ...(threadId === undefined ? {} : { threadId }) })
        .catch((error: unknown) => {
          this.deps.onError(error, `agent ${this.registration.agentId} routes`)
          return []
        })
    return routes.then((r) => {
      const reply = new StreamedReply(r, {
        ...(this.spec.streaming?.editIntervalMs === undefined ? {} : { editIntervalMs: this.spec.streaming.editIntervalMs }),
        ...(this.spec.streaming?.typingIntervalMs === undefined ? {} : { typingIntervalMs: this.spec.streaming.typingIntervalMs }),
        onError: (error, where) => this.deps.onError(error, `agent ${this.registration.agentId}: ${where}`),
      })
      if (!signal.aborted && this.spec.streaming?.typing !== false) reply.startTyping()
      return reply
    })
  }

  private finish(job: Job): void {
    for (const f of job.folded) this.done(f.position)
    this.done(job.position)
  }

  /**
   * The handler's result as reply content. A stream is read to its end, shown meanwhile as one message
   * edited as text arrives on the platforms that can edit; `previews` are those platform messages.
   */
  private async collect(result: AgentReply, presence: Promise<StreamedReply>, signal: AbortSignal): Promise<{ content: ContentBlock[] | null; previews?: Record<string, string> }> {
    if (result === null || result === undefined) return { content: null }
    if (typeof result === 'string') return { content: result.length === 0 ? null : [{ type: 'text', text: result }] }
    if (Array.isArray(result)) return { content: result.length === 0 ? null : result }
    if (typeof (result as AsyncIterable<string>)[Symbol.asyncIterator] === 'function') return this.stream(result as AsyncIterable<string>, await presence, signal)
    throw new TypeError(`agent ${this.registration.agentId} returned ${typeof result}: expected a string, content blocks, an async iterable of strings or null`)
  }

  /** Reads a streamed reply to its end (or until `signal` aborts, which closes the iterator), updating the previews. */
  private async stream(source: AsyncIterable<string>, reply: StreamedReply, signal: AbortSignal): Promise<{ content: ContentBlock[] | null; previews: Record<string, string> }> {
    const iterator = source[Symbol.asyncIterator]()
    const aborted = new Promise<never>((_, reject) => {
      const fail = () => reject(signal.reason instanceof Error ? signal.reason : new Error('the handler was aborted'))
      if (signal.aborted) fail()
      else signal.addEventListener('abort', fail, { once: true })
    })
    aborted.catch(() => undefined)
    let text = ''
    try {
      for (;;) {
        const next = await Promise.race([iterator.next(), aborted])
        if (next.done) break
        if (typeof next.value !== 'string') throw new TypeError(`agent ${this.registration.agentId} streamed a ${typeof next.value}: expected strings`)
        text += next.value
        reply.update(text)
      }
    } catch (error) {
      void Promise.resolve(iterator.return?.()).catch(() => undefined)
      throw error
    }
    const previews = await reply.finish()
    return { content: text.length === 0 ? null : [{ type: 'text', text }], previews }
  }

  private reply(job: Job, content: string | ContentBlock[], previews?: Record<string, string>): Promise<Message> {
    const blocks: ContentBlock[] = typeof content === 'string' ? [{ type: 'text', text: content }] : content
    const threadId = job.thread?.id ?? job.message.threadId
    // A message handled again (a restart, or another process that took the lease over, after this one
    // replied but before its checkpoint passed the message) gets its replies stored once.
    const dedupeKey = compositeKey('agent-reply', this.registration.roomId, this.registration.agentId, job.message.id, String(job.replies++))
    const extras: PostExtras = { dedupeKey }
    if (previews !== undefined && Object.keys(previews).length > 0) extras.previews = previews
    if (this.lease !== undefined) extras.fence = this.lease.fence
    return this.deps.post({
      roomId: job.message.roomId, senderId: this.registration.participantId, content: blocks, replyToId: job.message.id,
      agentId: this.registration.agentId, ...(threadId === undefined ? {} : { threadId }),
    }, job.signal.id, extras)
  }

  /**
   * The live routes with their platform calls (stream previews, typing) refused once the runner's lease
   * is no longer held by this process's clock: they are not store writes, so no fence can stop them.
   */
  private leased(live: RunnerDeps['liveRoutes']): RunnerDeps['liveRoutes'] {
    const lease = this.lease
    if (live === undefined || lease === undefined) return live
    const check = () => {
      if (!lease.holds()) throw new ConflictError(`[core] agent ${this.registration.agentId}: lease ${lease.fence.name} is no longer held; platform call refused`, { fence: lease.fence })
    }
    return async (draft) => (await live(draft)).map((route) => ({
      ...route,
      send: async (text) => (check(), route.send(text)),
      edit: async (id, text) => (check(), route.edit(id, text)),
      typing: async () => (check(), route.typing()),
    }))
  }

  /** A position is finished: the checkpoint may pass it once every earlier one has finished too. */
  private done(position: number): void {
    this.finished.add(position)
    while (this.pending.length > 0 && this.finished.has(this.pending[0]!)) this.finished.delete(this.pending.shift()!)
    this.scheduleCheckpoint()
  }

  private watermark(): number {
    return this.pending.length > 0 ? this.pending[0]! - 1 : this.lastSeen
  }

  private scheduleCheckpoint(): void {
    if (this.saveTimer !== undefined || this.saving !== undefined || this.stopped) return
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined
      const mark = this.watermark()
      if (mark <= this.saved) return
      this.saving = this.deps.store.saveSubscriptionCheckpoint(this.name, mark, nowIso(), this.lease?.fence)
        .then(() => void (this.saved = Math.max(this.saved, mark)), (e: unknown) => this.deps.onError(e, `agent ${this.registration.agentId} checkpoint`))
        .finally(() => {
          this.saving = undefined
          if (this.watermark() > this.saved) this.scheduleCheckpoint()
        })
    }, CHECKPOINT_MS)
    this.saveTimer.unref()
  }
}
