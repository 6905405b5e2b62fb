import { z } from 'zod'
import { AgentRunner, runnerName } from '../agents/runner.js'
import type { AgentInfo, AgentSpec } from '../agents/types.js'
import type { AgentRegistration } from '../contracts/agents.js'
import type { LeaseKeeper, Leasing } from '../leases.js'
import type { PostExtras } from './messages.js'
import type { MessagingStore, UpdateResult } from '../contracts/store.js'
import { NotFoundError } from '../errors.js'
import { newId, nowIso } from '../ids.js'
import type { ContentBlock, Message, Participant, Thread } from '../model.js'
import { SignalTypes } from '../signals/types.js'
import { parse, requireId } from '../validate.js'
import { emit, journal, signalContext, type CommandOptions, type Context } from './context.js'

const AgentSpecSchema = z.strictObject({
  id: z.string().min(1).max(200).regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : -'),
  name: z.string().min(1).max(200).optional(),
  mentionHandles: z.array(z.string().min(1).max(100).regex(/^@?[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'a handle: letters, digits, _ . -')).max(20).optional(),
  trigger: z.enum(['thread', 'mention', 'all']),
  handler: z.custom<AgentSpec['handler']>((v) => typeof v === 'function', 'a function'),
  concurrency: z.enum(['queue', 'debounce', 'drop', 'concurrent']).optional(),
  debounceMs: z.number().int().min(0).max(600_000).optional(),
  timeoutMs: z.number().int().min(1).max(86_400_000).optional(),
  respondToAgents: z.boolean().optional(),
  catchUp: z.strictObject({ maxAgeMs: z.number().int().min(0).optional() }).optional(),
  historyLimit: z.number().int().min(1).max(1000).optional(),
  streaming: z.strictObject({
    typing: z.boolean().optional(),
    editIntervalMs: z.number().int().min(0).max(600_000).optional(),
    typingIntervalMs: z.number().int().min(500).max(600_000).optional(),
  }).optional(),
})

export interface AgentsOptions {
  /** Consecutive agent-authored messages in a room after which agents stop answering agents (default 3). */
  maxAgentTurns?: number
}

type Store = MessagingStore

/**
 * One agent of one room in this instance: its spec, and its runner while it runs. With leases it runs
 * only while this process holds the agent's lease (`agent:<roomId>:<agentId>`); a new runner per term
 * starts from the stored checkpoint.
 */
interface AgentSlot {
  registration: AgentRegistration
  spec: AgentSpec
  runner: AgentRunner | undefined
  keeper: LeaseKeeper | undefined
  /** The runner being stopped after the lease was lost. */
  stopping: Promise<void> | undefined
}

/**
 * Agents registered in rooms and their runners (one per agent and room in this instance), and thread
 * assignment. `post` is postMessage with delivery, so replies reach the room's bound platforms.
 */
export function agentsApi(
  ctx: Context,
  post: (attrs: { roomId: string; senderId: string; role: 'assistant'; content: ContentBlock[]; threadId?: string; replyToId?: string; metadata: Record<string, unknown> },
    options: CommandOptions & { deliver?: boolean }, extras?: PostExtras) => Promise<{ message: Message }>,
  options: AgentsOptions,
  onError: (error: unknown, where: string) => void,
  leasing?: Leasing,
) {
  const store = ctx.store as Store
  const maxAgentTurns = options.maxAgentTurns ?? 3
  const slots = new Map<string, AgentSlot>()
  let started = false
  const key = (roomId: string, agentId: string) => `${roomId}\u0000${agentId}`

  const deps = {
    ctx,
    store,
    maxAgentTurns,
    onError,
    post: async (m: { roomId: string; senderId: string; content: ContentBlock[]; threadId?: string; replyToId?: string; agentId: string }, causationId: string,
      extras: PostExtras) => {
      const { agentId, ...rest } = m
      return (await post({ ...rest, role: 'assistant', metadata: { agentId } }, { causationId, deliver: true }, extras)).message
    },
    ...(ctx.outbound === undefined ? {} : { liveRoutes: ctx.outbound.liveRoutes }),
  }

  /** Starts the slot's runner: at once without leases, else whenever this process holds the agent's lease. */
  async function startSlot(slot: AgentSlot): Promise<void> {
    const { registration, spec } = slot
    const k = key(registration.roomId, registration.agentId)
    slots.set(k, slot)
    if (leasing === undefined) {
      const runner = new AgentRunner(deps, registration, spec)
      slot.runner = runner
      try {
        await runner.start()
      } catch (error) {
        if (slots.get(k) === slot) slots.delete(k)
        throw error
      }
      return
    }
    const keeper = leasing.keeper(runnerName(registration.roomId, registration.agentId), {
      onAcquired: async (lease) => {
        await slot.stopping
        if (slots.get(k) !== slot || !started) return
        const runner = new AgentRunner(deps, registration, spec, { fence: { name: lease.name, generation: lease.generation }, holds: () => keeper.holds() })
        slot.runner = runner
        try {
          await runner.start()
        } catch (error) {
          slot.runner = undefined
          throw error
        }
      },
      // Lost: handlers are aborted at once (no drain); what they did not finish runs again on the next holder.
      onLost: () => (slot.stopping = stopRunner(slot, 0)),
    })
    slot.keeper = keeper
    await keeper.start()
  }

  async function stopRunner(slot: AgentSlot, drainMs?: number): Promise<void> {
    const runner = slot.runner
    slot.runner = undefined
    await runner?.stop(drainMs)
  }

  /** Stops the slot's runner (handlers get up to `drainMs`), then releases its lease for another process. */
  async function stopSlot(slot: AgentSlot, drainMs?: number): Promise<void> {
    await slot.stopping
    await stopRunner(slot, drainMs)
    await slot.keeper?.stop()
  }

  const running = (slot: AgentSlot | undefined) => slot?.runner !== undefined && (slot.keeper === undefined || slot.keeper.holds())

  /** Who holds each agent lease of the room, by lease name (nothing with leases off). */
  async function holdersOf(roomId: string): Promise<Map<string, string>> {
    if (leasing === undefined) return new Map()
    return new Map((await leasing.store.listLeases(runnerName(roomId, ''))).map((l) => [l.name, l.holder]))
  }

  async function requireThread(roomId: string, threadId: string): Promise<Thread> {
    requireId(roomId, 'roomId')
    requireId(threadId, 'threadId')
    const thread = await store.getThread(threadId)
    if (!thread || thread.roomId !== roomId) throw new NotFoundError(`thread ${threadId} not found in room ${roomId}`, { roomId, threadId })
    return thread
  }

  function info(r: AgentRegistration, holders: Map<string, string>): AgentInfo {
    const slot = slots.get(key(r.roomId, r.agentId))
    const out: AgentInfo = { agentId: r.agentId, roomId: r.roomId, participantId: r.participantId, trigger: r.trigger, running: running(slot) }
    if (r.name !== undefined) out.name = r.name
    if (r.mentionHandles !== undefined) out.mentionHandles = r.mentionHandles
    if (r.respondToAgents) out.respondToAgents = true
    if (leasing !== undefined) {
      // Ours while we run it; else read from the store (another process, or none between holders).
      out.leaseHolder = slot?.keeper?.holds() ? leasing.holder : holders.get(runnerName(r.roomId, r.agentId)) ?? null
    }
    return out
  }

  /** Assignment changes: `thread.assigned` / `thread.unassigned`, journaled with the change. */
  async function setAssignment(roomId: string, threadId: string, agentId: string | undefined, opts?: CommandOptions) {
    const sc = signalContext(opts)
    const j = journal<UpdateResult<Thread> | null>((r) => {
      if (!r?.changed) return []
      const type = agentId === undefined ? SignalTypes.threadUnassigned : SignalTypes.threadAssigned
      return [ctx.makeSignal(type, roomId, { roomId, threadId, ...(agentId === undefined ? {} : { agentId }), thread: r.record }, sc)]
    })
    const now = nowIso()
    const result = await store.updateThread(threadId, (t) => {
      if (t.assignedAgentId === agentId) return undefined
      const next: Thread = { ...t, updatedAt: now }
      if (agentId === undefined) delete next.assignedAgentId
      else next.assignedAgentId = agentId
      return next
    }, j)
    if (!result) throw new NotFoundError(`thread ${threadId} not found in room ${roomId}`, { roomId, threadId })
    return { thread: result.record, signals: emit(ctx, j) }
  }

  return {
    api: {
      /**
       * Registers an agent in a room (idempotent per agent id; a new spec replaces the running one): the
       * agent joins as an `agent` participant and its runner starts consuming the room's messages from
       * its stored checkpoint (a first registration: from now). Resolves the registration.
       */
      async registerAgent(roomId: string, spec: AgentSpec, opts?: CommandOptions): Promise<AgentInfo> {
        requireId(roomId, 'roomId')
        const s = parse(AgentSpecSchema, spec, 'agent spec') as AgentSpec
        const room = await store.getRoom(roomId)
        if (!room) throw new NotFoundError(`room ${roomId} not found`, { roomId })
        const now = nowIso()
        const candidate: Participant = {
          id: newId('participant'), type: 'agent', identity: s.name === undefined ? {} : { name: s.name, displayName: s.name },
          externalIds: { agent: s.id }, presence: 'online', capabilities: [], metadata: { agentId: s.id }, insertedAt: now,
        }
        const { participant } = await store.getOrCreateParticipantByExternalId('agent', s.id, candidate)
        const sc = signalContext(opts)
        const joined = journal<boolean>((added) => (added ? [ctx.makeSignal(SignalTypes.roomParticipantJoined, roomId, { roomId, participantId: participant.id, participant, agentId: s.id }, sc)] : []))
        await store.addRoomMember({ roomId, participantId: participant.id, joinedAt: now }, joined)
        emit(ctx, joined)
        const existing = await store.getAgentRegistration(roomId, s.id)
        const registration: AgentRegistration = {
          roomId, agentId: s.id, participantId: participant.id, trigger: s.trigger, insertedAt: existing?.insertedAt ?? now, updatedAt: now,
          ...(s.name === undefined ? {} : { name: s.name }),
          ...(s.mentionHandles === undefined ? {} : { mentionHandles: s.mentionHandles.map((h) => h.replace(/^@/, '')) }),
          ...(s.respondToAgents ? { respondToAgents: true } : {}),
        }
        const saved = await store.putAgentRegistration(registration)
        const previous = slots.get(key(roomId, s.id))
        if (previous) await stopSlot(previous)
        const slot: AgentSlot = { registration: saved, spec: s, runner: undefined, keeper: undefined, stopping: undefined }
        if (started) await startSlot(slot)
        else slots.set(key(roomId, s.id), slot)
        return info(saved, await holdersOf(roomId))
      },

      /** Stops the agent's runner, forgets its registration and checkpoint, and removes it from the room. Resolves whether it was registered. */
      async unregisterAgent(roomId: string, agentId: string, opts?: CommandOptions): Promise<boolean> {
        requireId(roomId, 'roomId')
        requireId(agentId, 'agentId')
        const k = key(roomId, agentId)
        const slot = slots.get(k)
        slots.delete(k)
        if (slot) await stopSlot(slot)
        const registration = await store.getAgentRegistration(roomId, agentId)
        const deleted = await store.deleteAgentRegistration(roomId, agentId)
        await store.deleteSubscriptionCheckpoint(runnerName(roomId, agentId))
        if (registration) {
          const sc = signalContext(opts)
          const left = journal<boolean>((removed) => (removed ? [ctx.makeSignal(SignalTypes.roomParticipantLeft, roomId, { roomId, participantId: registration.participantId, agentId }, sc)] : []))
          await store.removeRoomMember(roomId, registration.participantId, left)
          emit(ctx, left)
        }
        return deleted
      },

      /**
       * The room's registered agents (from the store, so also those registered by other processes), by
       * agent id; `running` says whether this process runs it now, `leaseHolder` which process does.
       */
      async listAgents(roomId: string): Promise<AgentInfo[]> {
        requireId(roomId, 'roomId')
        const [registrations, holders] = await Promise.all([store.listAgentRegistrations(roomId), holdersOf(roomId)])
        return registrations.map((r) => info(r, holders))
      },

      /** Assigns a thread of the room to an agent registered there (`thread.assigned`); NOT_FOUND otherwise. */
      async assignThread(roomId: string, threadId: string, agentId: string, opts?: CommandOptions) {
        requireId(agentId, 'agentId')
        await requireThread(roomId, threadId)
        if (!(await store.getAgentRegistration(roomId, agentId))) throw new NotFoundError(`agent ${agentId} is not registered in room ${roomId}`, { roomId, agentId })
        const { signals } = await setAssignment(roomId, threadId, agentId, opts)
        return { roomId, threadId, agentId, signals }
      },

      /** Clears a thread's assignment (`thread.unassigned` when there was one). */
      async unassignThread(roomId: string, threadId: string, opts?: CommandOptions) {
        await requireThread(roomId, threadId)
        const { signals } = await setAssignment(roomId, threadId, undefined, opts)
        return { roomId, threadId, signals }
      },

      /** `{roomId, threadId, agentId}`, or null when the thread is not assigned. NOT_FOUND for an unknown thread. */
      async getThreadAssignment(roomId: string, threadId: string): Promise<{ roomId: string; threadId: string; agentId: string } | null> {
        const thread = await requireThread(roomId, threadId)
        return thread.assignedAgentId === undefined ? null : { roomId, threadId, agentId: thread.assignedAgentId }
      },
    },

    /** Starts the runners of agents registered before `start()`. */
    async start(): Promise<void> {
      started = true
      for (const slot of [...slots.values()]) {
        await startSlot(slot).catch((error: unknown) => onError(error, `agent ${slot.registration.agentId} could not start`))
      }
    },

    /** Stops every runner (handlers get up to `drainMs` to finish), storing checkpoints, then releases their leases. */
    async stop(drainMs?: number): Promise<void> {
      started = false
      const all = [...slots.values()]
      slots.clear()
      await Promise.allSettled(all.map((slot) => stopSlot(slot, drainMs)))
    },
  }
}

