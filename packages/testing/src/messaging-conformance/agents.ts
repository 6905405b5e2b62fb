import { createMessaging, SignalTypes, type Messaging, type MessagingOptions, type MessagingStore, type Message, type Signal } from '@jido-messaging/core'
import { afterEach, describe, expect, it } from 'vitest'
import { text, type MessagingConformanceOptions } from './harness.js'
import { until } from './journal.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const textOf = (m: Message) => m.content.map((b) => (b.type === 'text' ? b.text : '')).join('')

/** Agents in rooms through the public API: triggers, threads, loop bound, failures, restart without loss. */
export function agentCases(options: MessagingConformanceOptions): void {
  const opened: Array<{ messaging: Messaging; store: MessagingStore; destroy: boolean }> = []

  async function open(store?: MessagingStore, extra: Partial<MessagingOptions> = {}) {
    const s = store ?? (await options.create())
    const messaging = createMessaging({ store: s, instanceId: 'agents', onError: () => undefined, ...extra })
    opened.push({ messaging, store: s, destroy: store === undefined })
    await messaging.start()
    const signals: Signal[] = []
    messaging.subscribe('jido.messaging.**', (sig) => void signals.push(sig))
    return { messaging, store: s, signals }
  }

  afterEach(async () => {
    for (const o of opened.splice(0).reverse()) {
      await o.messaging.stop({ drainMs: 100 })
      if (o.destroy) await options.destroy?.(o.store)
    }
  })

  /** Messages of the room sent by the agent's participant. */
  async function repliesOf(messaging: Messaging, roomId: string, participantId: string): Promise<Message[]> {
    return (await messaging.listMessages(roomId, { limit: 1000 })).messages.filter((m) => m.senderId === participantId)
  }

  describe('agents', { timeout: 60_000 }, () => {
    it('an echo agent answers each message once, as a reply, and never answers itself', async () => {
      const { messaging, signals } = await open()
      const room = await messaging.createRoom({ name: 'echo' })
      const agent = await messaging.registerAgent(room.id, { id: 'echo', name: 'Echo', trigger: 'all', handler: (m) => `echo: ${textOf(m)}` })
      expect(agent).toMatchObject({ agentId: 'echo', roomId: room.id, trigger: 'all', running: true })
      const first = await messaging.postMessage({ roomId: room.id, senderId: 'u1', role: 'user', content: text('hi') })
      await until(async () => (await repliesOf(messaging, room.id, agent.participantId)).length === 1, 'the echo')
      await sleep(100)
      const replies = await repliesOf(messaging, room.id, agent.participantId)
      expect(replies).toHaveLength(1)
      expect(replies[0]).toMatchObject({ role: 'assistant', replyToId: first.message.id, content: [{ type: 'text', text: 'echo: hi' }], metadata: { agentId: 'echo' } })
      const participant = await messaging.getParticipant(agent.participantId)
      expect(participant).toMatchObject({ type: 'agent', identity: { name: 'Echo' } })
      await until(() => signals.some((s) => s.type === SignalTypes.agentCompleted), 'agent.completed')
      const types = signals.map((s) => s.type)
      for (const t of [SignalTypes.agentTriggered, SignalTypes.agentStarted, SignalTypes.agentCompleted]) expect(types).toContain(t)
      expect(types.indexOf(SignalTypes.agentTriggered)).toBeLessThan(types.indexOf(SignalTypes.agentCompleted))
      expect(signals.find((s) => s.type === SignalTypes.agentCompleted)!.data).toMatchObject({ agentId: 'echo', messageId: first.message.id, replied: true })
      expect(await messaging.listAgents(room.id)).toEqual([expect.objectContaining({ agentId: 'echo', participantId: agent.participantId })])
    })

    it('answers in the thread of the message; a mention agent only when @-mentioned', async () => {
      const { messaging } = await open()
      const room = await messaging.createRoom()
      const helper = await messaging.registerAgent(room.id, { id: 'helper', trigger: 'mention', mentionHandles: ['helper'], handler: () => 'at your service' })
      const root = await messaging.saveMessage({ roomId: room.id, senderId: 'u1', role: 'user', content: text('root') })
      const thread = await messaging.saveThread({ roomId: room.id, rootMessageId: root.id })
      await messaging.postMessage({ roomId: room.id, senderId: 'u1', role: 'user', content: text('no mention here'), threadId: thread.id })
      await messaging.postMessage({ roomId: room.id, senderId: 'u1', role: 'user', content: text('an email@helper.com is not a mention') })
      const asked = await messaging.postMessage({ roomId: room.id, senderId: 'u1', role: 'user', content: text('hey @Helper, help'), threadId: thread.id })
      await until(async () => (await repliesOf(messaging, room.id, helper.participantId)).length === 1, 'the mention answer')
      await sleep(100)
      const replies = await repliesOf(messaging, room.id, helper.participantId)
      expect(replies).toHaveLength(1)
      expect(replies[0]).toMatchObject({ threadId: thread.id, replyToId: asked.message.id })
    })

    it('thread assignment: persisted, signalled, routes the thread to its agent; NOT_FOUND for strangers', async () => {
      const { messaging, store, signals } = await open()
      const room = await messaging.createRoom()
      const a = await messaging.registerAgent(room.id, { id: 'a', trigger: 'thread', handler: () => 'a here' })
      const b = await messaging.registerAgent(room.id, { id: 'b', trigger: 'all', handler: () => 'b here' })
      const root = await messaging.saveMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('root') })
      const thread = await messaging.saveThread({ roomId: room.id, rootMessageId: root.id })
      expect(await messaging.getThreadAssignment(room.id, thread.id)).toBeNull()
      const assigned = await messaging.assignThread(room.id, thread.id, 'a')
      expect(assigned.signals.map((s) => s.type)).toEqual([SignalTypes.threadAssigned])
      expect(await messaging.getThreadAssignment(room.id, thread.id)).toEqual({ roomId: room.id, threadId: thread.id, agentId: 'a' })
      expect((await messaging.assignThread(room.id, thread.id, 'a')).signals).toEqual([])
      await expect(messaging.assignThread(room.id, thread.id, 'nobody')).rejects.toMatchObject({ code: 'NOT_FOUND' })
      await expect(messaging.assignThread(room.id, 'thr_nope', 'a')).rejects.toMatchObject({ code: 'NOT_FOUND' })
      const other = await messaging.createRoom()
      await expect(messaging.getThreadAssignment(other.id, thread.id)).rejects.toMatchObject({ code: 'NOT_FOUND' })

      await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('in the thread'), threadId: thread.id })
      await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('top level') })
      await until(async () => (await repliesOf(messaging, room.id, a.participantId)).length === 1
        && (await repliesOf(messaging, room.id, b.participantId)).length === 1, 'one answer each')
      await sleep(100)
      expect((await repliesOf(messaging, room.id, a.participantId))[0]).toMatchObject({ threadId: thread.id })
      expect((await repliesOf(messaging, room.id, b.participantId))[0]!.threadId).toBeUndefined()
      // The assignment is stored on the thread: another instance over the same store sees it.
      const again = createMessaging({ store, instanceId: 'other' })
      opened.push({ messaging: again, store, destroy: false })
      await again.start()
      expect(await again.getThreadAssignment(room.id, thread.id)).toEqual({ roomId: room.id, threadId: thread.id, agentId: 'a' })
      const un = await messaging.unassignThread(room.id, thread.id)
      expect(un.signals.map((s) => s.type)).toEqual([SignalTypes.threadUnassigned])
      expect(await messaging.getThreadAssignment(room.id, thread.id)).toBeNull()
      expect(signals.some((s) => s.type === SignalTypes.threadAssigned && s.data!['agentId'] === 'a')).toBe(true)
    })

    it('two agents that answer everything, agents included, stop at the turn bound', async () => {
      const { messaging } = await open(undefined, { agents: { maxAgentTurns: 3 } })
      const room = await messaging.createRoom()
      const ping = await messaging.registerAgent(room.id, { id: 'ping', trigger: 'all', respondToAgents: true, handler: () => 'ping' })
      const pong = await messaging.registerAgent(room.id, { id: 'pong', trigger: 'all', respondToAgents: true, handler: () => 'pong' })
      await messaging.postMessage({ roomId: room.id, senderId: 'human', role: 'user', content: text('start') })
      const byEither = async () => (await messaging.listMessages(room.id, { limit: 1000 })).messages
        .filter((m) => m.senderId === ping.participantId || m.senderId === pong.participantId).length
      // The exchange has started (a slow machine may take longer than the quiet window to answer) ...
      await until(async () => (await byEither()) >= 2, 'the agents to answer')
      let count = -1
      // ... and is quiet for 400 ms: it has ended.
      await until(async () => {
        const n = (await messaging.listMessages(room.id, { limit: 1000 })).messages.length
        if (n === count) return true
        count = n
        await sleep(400)
        return false
      }, 'the agents to fall silent')
      const all = (await messaging.listMessages(room.id, { limit: 1000 })).messages
      const byAgents = all.filter((m) => m.senderId === ping.participantId || m.senderId === pong.participantId)
      expect(byAgents.length).toBeGreaterThanOrEqual(2)
      expect(byAgents.length).toBeLessThanOrEqual(8)
    })

    it('a handler that throws or times out emits agent.failed; the room and the other agents keep working', async () => {
      const { messaging, signals } = await open()
      const room = await messaging.createRoom()
      await messaging.registerAgent(room.id, { id: 'broken', trigger: 'all', handler: () => { throw new Error('handler bug') } })
      await messaging.registerAgent(room.id, { id: 'slow', trigger: 'all', timeoutMs: 50, handler: (_m, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve('too late'))) })
      const fine = await messaging.registerAgent(room.id, { id: 'fine', trigger: 'all', handler: () => 'fine' })
      await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('one') })
      await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('two') })
      await until(() => signals.filter((s) => s.type === SignalTypes.agentFailed).length === 4, 'four failures')
      await until(async () => (await repliesOf(messaging, room.id, fine.participantId)).length === 2, 'the other agent to answer both')
      const failures = signals.filter((s) => s.type === SignalTypes.agentFailed).map((s) => s.data!)
      expect(failures.filter((f) => f['agentId'] === 'broken')).toEqual([expect.objectContaining({ error: 'handler bug', reason: 'error' }), expect.objectContaining({ reason: 'error' })])
      expect(failures.filter((f) => f['agentId'] === 'slow').map((f) => f['reason'])).toEqual(['timeout', 'timeout'])
      await sleep(100)
      expect((await messaging.listMessages(room.id, { limit: 100 })).messages.some((m) => textOf(m) === 'too late')).toBe(false)
    })

    it('queue: bursts in 10 threads are all handled, in order per thread, none twice', async () => {
      const { messaging } = await open()
      const room = await messaging.createRoom()
      const handled: Array<{ thread: string; text: string }> = []
      let running = 0
      let overlapped = false
      const threads = []
      for (let t = 0; t < 10; t++) {
        const root = await messaging.saveMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text(`root ${t}`) })
        threads.push(await messaging.saveThread({ roomId: room.id, rootMessageId: root.id }))
      }
      const perThread = new Map<string, number>()
      await messaging.registerAgent(room.id, { id: 'worker', trigger: 'all', handler: async (m) => {
        const n = (perThread.get(m.threadId!) ?? 0) + 1
        perThread.set(m.threadId!, n)
        if (n > 1) overlapped = true
        running++
        await sleep(10)
        running--
        perThread.set(m.threadId!, n - 1)
        handled.push({ thread: m.threadId!, text: textOf(m) })
        return null
      } })
      await Promise.all(threads.map(async (thread, t) => {
        for (let i = 0; i < 8; i++) await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text(`${t}:${i}`), threadId: thread.id })
      }))
      await until(() => handled.length === 80, 'all 80 handled')
      await sleep(100)
      expect(handled).toHaveLength(80)
      expect(overlapped).toBe(false)
      for (const [t, thread] of threads.entries()) {
        expect(handled.filter((h) => h.thread === thread.id).map((h) => h.text)).toEqual(Array.from({ length: 8 }, (_, i) => `${t}:${i}`))
      }
      void running
    })

    // Skipped only for a store that keeps nothing across a restart (no `reopen`); SQLite and Postgres run it.
    it.skipIf(!options.reopen)('a restart resumes the backlog without loss and without answering twice', async () => {
      const { messaging, store } = await open()
      const room = await messaging.createRoom()
      let release!: () => void
      const gate = new Promise<void>((r) => (release = r))
      const spec = (label: string, block: boolean) => ({
        id: 'resumer', trigger: 'all' as const,
        handler: async (m: Message) => {
          if (block && textOf(m) === 'm2') await gate
          return `${label} saw ${textOf(m)}`
        },
      })
      const agent = await messaging.registerAgent(room.id, spec('first', true))
      for (let i = 0; i < 5; i++) await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text(`m${i}`) })
      await until(async () => (await repliesOf(messaging, room.id, agent.participantId)).length === 2, 'the first two answers')
      await messaging.stop({ drainMs: 50 })
      release()
      const { messaging: again } = await open(await options.reopen!(store))
      opened.at(-1)!.destroy = false
      await again.registerAgent(room.id, spec('second', false))
      await until(async () => (await repliesOf(again, room.id, agent.participantId)).length === 5, 'five answers in all')
      await sleep(200)
      const answers = (await repliesOf(again, room.id, agent.participantId)).map(textOf)
      expect(answers).toEqual(['first saw m0', 'first saw m1', 'second saw m2', 'second saw m3', 'second saw m4'])
    }, 60_000)

    it('backlog older than catchUp.maxAgeMs is skipped with an agent.skipped signal', async () => {
      const { messaging, signals } = await open()
      const room = await messaging.createRoom()
      const agent = await messaging.registerAgent(room.id, { id: 'late', trigger: 'all', catchUp: { maxAgeMs: 60_000 }, handler: (m) => `re ${textOf(m)}` })
      const old = new Date(Date.now() - 3_600_000).toISOString()
      for (let i = 0; i < 3; i++) await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text(`old ${i}`), insertedAt: old })
      await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('fresh') })
      await until(async () => (await repliesOf(messaging, room.id, agent.participantId)).length === 1, 'the fresh answer')
      await until(() => signals.some((s) => s.type === SignalTypes.agentSkipped), 'the skip signal')
      expect(signals.find((s) => s.type === SignalTypes.agentSkipped)!.data).toMatchObject({ agentId: 'late', reason: 'catch_up_max_age', count: 3 })
      expect((await repliesOf(messaging, room.id, agent.participantId)).map(textOf)).toEqual(['re fresh'])
    })

    it('debounce handles the last message of a quiet period with the earlier ones in ctx.skipped; concurrent overlaps', async () => {
      const { messaging } = await open()
      const room = await messaging.createRoom()
      const calls: Array<{ text: string; skipped: string[] }> = []
      await messaging.registerAgent(room.id, { id: 'settle', trigger: 'all', concurrency: 'debounce', debounceMs: 2000, handler: (m, ctx) => {
        calls.push({ text: textOf(m), skipped: ctx.skipped.map(textOf) })
        return null
      } })
      // A 2 s quiet period (not 150 ms): the three posts land within it even on a loaded machine.
      for (const t of ['one', 'two', 'three']) await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text(t) })
      await until(() => calls.length === 1, 'the debounced call')
      await sleep(300)
      expect(calls).toEqual([{ text: 'three', skipped: ['one', 'two'] }])

      const other = await messaging.createRoom()
      let running = 0
      let peak = 0
      await messaging.registerAgent(other.id, { id: 'parallel', trigger: 'all', concurrency: 'concurrent', handler: async () => {
        peak = Math.max(peak, ++running)
        // Runs until another one overlaps it (a fixed sleep could end before a loaded machine starts the next).
        await until(() => peak >= 2, 'an overlapping run', 30_000).catch(() => undefined)
        running--
        return null
      } })
      await Promise.all(['a', 'b', 'c'].map((t) => messaging.postMessage({ roomId: other.id, senderId: 'u', role: 'user', content: text(t) })))
      await until(() => peak >= 2 && running === 0, 'overlapping runs')
    })

    it('drop skips messages while busy; unregisterAgent stops it and removes it from the room', async () => {
      const { messaging, signals } = await open()
      const room = await messaging.createRoom()
      let release!: () => void
      const gate = new Promise<void>((r) => (release = r))
      const seen: string[] = []
      const agent = await messaging.registerAgent(room.id, { id: 'dropper', trigger: 'all', concurrency: 'drop', handler: async (m) => {
        seen.push(textOf(m))
        await gate
        return null
      } })
      await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('a') })
      await until(() => seen.length === 1, 'the first')
      await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('b') })
      await until(() => signals.some((s) => s.type === SignalTypes.agentSkipped && s.data!['reason'] === 'busy'), 'the drop')
      release()
      await until(() => signals.some((s) => s.type === SignalTypes.agentCompleted), 'completion')
      expect(seen).toEqual(['a'])
      expect(await messaging.unregisterAgent(room.id, 'dropper')).toBe(true)
      expect(await messaging.unregisterAgent(room.id, 'dropper')).toBe(false)
      expect(await messaging.listAgents(room.id)).toEqual([])
      await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('c') })
      await sleep(150)
      expect(seen).toEqual(['a'])
      expect(signals.some((s) => s.type === SignalTypes.roomParticipantLeft && s.data!['participantId'] === agent.participantId)).toBe(true)
      await expect(messaging.registerAgent('room_nope', { id: 'x', trigger: 'all', handler: () => null })).rejects.toMatchObject({ code: 'NOT_FOUND' })
      await expect(messaging.registerAgent(room.id, { id: 'x', trigger: 'sometimes' as never, handler: () => null })).rejects.toMatchObject({ code: 'VALIDATION' })
      await expect(messaging.registerAgent(room.id, { id: 'x', trigger: 'all' } as never)).rejects.toMatchObject({ code: 'VALIDATION' })
    })
  })
}
