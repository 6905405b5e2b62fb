import {
  createMessaging, StoreUnavailableError, type AgentSpec, type Message, type Messaging, type MessagingOptions, type MessagingStore,
} from '@jido-messaging/core'
import { afterEach, describe, expect, it } from 'vitest'
import { overlapping, queuePlatform, type QueuePlatform } from './queue-adapter.js'

export { overlapping, queuePlatform, type ListenerTerm, type QueuePlatform } from './queue-adapter.js'
export { runLeaseChild, type LeaseChild } from './kill.js'

export interface LeaseFailoverOptions {
  name: string
  create: () => MessagingStore | Promise<MessagingStore>
  /** A second handle on the same database (file, schema) as `store`, as another process would open it. */
  connectPeer: (store: MessagingStore) => MessagingStore | Promise<MessagingStore>
  /** Disposes of the database once both instances stopped. */
  destroy?: (store: MessagingStore) => Promise<void> | void
}

/** Short leases: renewals every 667 ms, a holder that cannot renew stops after 1.6 s, another takes over after 2 s. */
export const TEST_TTL_MS = 2000
const BRIDGE = 'leased'
const AGENT = 'solo'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const text = (t: string) => [{ type: 'text' as const, text: t }]
const textOf = (m: Message) => m.content.map((b) => (b.type === 'text' ? b.text : '')).join('')

export async function until(predicate: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

/**
 * The real store, with switches a test flips to play a holder in trouble: `leasesDown` fails its lease
 * calls (take, renew, release) as an unreachable database would; `pauseWrites()` holds its message
 * writes (commitMessage, insertMessage) until the returned function is called, as a process paused
 * mid-write would, and records how each held write ended.
 */
export function troubledStore<S extends MessagingStore>(real: S) {
  const control = {
    leasesDown: false,
    held: 0,
    outcomes: [] as Array<{ method: string; ok: boolean; code: string | undefined }>,
    gate: undefined as Promise<void> | undefined,
    pauseWrites(): () => void {
      let open!: () => void
      control.gate = new Promise((r) => (open = r))
      return () => {
        control.gate = undefined
        open()
      }
    },
  }
  const down = () => Promise.reject(new StoreUnavailableError(`[testing] ${real.name} is unreachable (leasesDown)`))
  const store = new Proxy(real, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown
      if (typeof value !== 'function') return value
      const fn = (value as (...a: unknown[]) => Promise<unknown>).bind(target)
      if (key === 'acquireLease' || key === 'renewLease' || key === 'releaseLease') return (...args: unknown[]) => (control.leasesDown ? down() : fn(...args))
      if (key === 'commitMessage' || key === 'insertMessage') {
        return async (...args: unknown[]) => {
          const gate = control.gate
          if (gate === undefined) return fn(...args)
          control.held++
          await gate
          try {
            const result = await fn(...args)
            control.outcomes.push({ method: key, ok: true, code: undefined })
            return result
          } catch (error) {
            control.outcomes.push({ method: key, ok: false, code: (error as { code?: string }).code })
            throw error
          }
        }
      }
      return fn
    },
  })
  return { store, control }
}

/** Two Messaging instances (two processes, as far as the store can tell) over one database, with leases. */
export function leaseFailoverCases(options: LeaseFailoverOptions): void {
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  interface Instance {
    messaging: Messaging
    errors: string[]
  }

  async function open(holderId: string, store: MessagingStore, platform: QueuePlatform, extra: Partial<MessagingOptions> = {}): Promise<Instance> {
    const errors: string[] = []
    const messaging = createMessaging({
      store,
      instanceId: holderId,
      adapters: [platform.adapter(holderId)],
      leases: { ttlMs: TEST_TTL_MS, holderId },
      journal: { pollMs: 50 },
      bridgeWorkers: { reconcileMs: 200, restartBaseMs: 50 },
      onError: (error, where) => void errors.push(`${where}: ${error instanceof Error ? error.message : String(error)}`),
      ...extra,
    })
    await messaging.start()
    return { messaging, errors }
  }

  /** A started database with instance `proc-a` running the bridge and the agent, and `proc-b` on standby. */
  async function pair(specOf: (instance: string) => AgentSpec, troubled = false) {
    const store = await options.create()
    const peer = await options.connectPeer(store)
    const troubles = troubledStore(store)
    const platform = queuePlatform()
    const opened: Instance[] = []
    cleanups.push(async () => {
      troubles.control.leasesDown = false
      troubles.control.gate = undefined
      for (const o of opened.reverse()) await o.messaging.stop({ drainMs: 100 })
      await options.destroy?.(store)
    })
    const a = await open('proc-a', troubled ? troubles.store : store, platform)
    opened.push(a)
    await a.messaging.putBridgeConfig({ id: BRIDGE, adapter: 'queue' })
    const room = await a.messaging.createRoom({ name: 'leased agent' })
    const agent = await a.messaging.registerAgent(room.id, specOf('proc-a'))
    await until(async () => (await a.messaging.bridgeStatus(BRIDGE))?.state === 'running', 'proc-a running the listener')
    const b = await open('proc-b', peer, platform)
    opened.push(b)
    await b.messaging.registerAgent(room.id, specOf('proc-b'))
    await until(async () => (await b.messaging.bridgeStatus(BRIDGE))?.state === 'standby', 'proc-b on standby')
    const replies = async () => (await b.messaging.listMessages(room.id, { limit: 1000 })).messages.filter((m) => m.senderId === agent.participantId).map(textOf)
    return { a: a.messaging, b: b.messaging, aErrors: a.errors, room, platform, control: troubles.control, replies }
  }

  const answering = (instance: string): AgentSpec => ({ id: AGENT, trigger: 'all', handler: (m) => `${instance} saw ${textOf(m)}` })

  describe(`leases across two instances on one ${options.name} database`, { timeout: 120_000 }, () => {
    it('one instance runs the listener and the agent; statuses name the holder; stop() hands both to the other within the ttl', async () => {
      const handled: Array<{ instance: string; text: string }> = []
      const { a, b, room, platform, replies } = await pair((instance) => ({ id: AGENT, trigger: 'all', handler: (m) => {
        handled.push({ instance, text: textOf(m) })
        return `${instance} saw ${textOf(m)}`
      } }))

      expect(await a.bridgeStatus(BRIDGE)).toMatchObject({ state: 'running', listenerCount: 1, leaseHolder: 'proc-a' })
      expect(await b.bridgeStatus(BRIDGE)).toMatchObject({ state: 'standby', listenerCount: 0, leaseHolder: 'proc-a' })
      expect((await a.listRunningBridgeWorkers()).map((s) => s.bridgeId)).toEqual([BRIDGE])
      expect(await b.listRunningBridgeWorkers()).toEqual([])
      expect(await a.listAgents(room.id)).toEqual([expect.objectContaining({ agentId: AGENT, running: true, leaseHolder: 'proc-a' })])
      expect(await b.listAgents(room.id)).toEqual([expect.objectContaining({ agentId: AGENT, running: false, leaseHolder: 'proc-a' })])

      const first = [platform.push('one'), platform.push('two')]
      await until(() => platform.pending.length === 0, 'the first events ingested')
      for (const t of ['m1', 'm2']) await b.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text(t) })
      await until(async () => (await replies()).length === 2, 'two answers')
      expect(platform.ingested).toEqual(first.map((id) => ({ instance: 'proc-a', externalMessageId: id })))
      expect(handled).toEqual([{ instance: 'proc-a', text: 'm1' }, { instance: 'proc-a', text: 'm2' }])

      // The holder stops: it releases both leases, and the other takes them at its next attempt.
      const stopping = performance.now()
      await a.stop()
      await until(async () => (await b.bridgeStatus(BRIDGE))?.state === 'running', 'proc-b running the listener')
      await until(async () => (await b.listAgents(room.id))[0]?.running === true, 'proc-b running the agent')
      const listenerMoved = platform.terms.find((t) => t.instance === 'proc-b')!.start - stopping
      expect(listenerMoved).toBeLessThan(TEST_TTL_MS)
      expect(await b.bridgeStatus(BRIDGE)).toMatchObject({ state: 'running', leaseHolder: 'proc-b' })
      expect(await b.listAgents(room.id)).toEqual([expect.objectContaining({ running: true, leaseHolder: 'proc-b' })])

      const later = platform.push('three')
      await b.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('m3') })
      await until(() => platform.pending.length === 0, 'the later event ingested')
      await until(async () => (await replies()).length === 3, 'the third answer')
      expect(platform.ingested.at(-1)).toEqual({ instance: 'proc-b', externalMessageId: later })
      // Each message answered once, in order; the checkpoint moved with the lease.
      expect(handled.map((h) => `${h.instance}:${h.text}`)).toEqual(['proc-a:m1', 'proc-a:m2', 'proc-b:m3'])
      expect(await replies()).toEqual(['proc-a saw m1', 'proc-a saw m2', 'proc-b saw m3'])
      expect(overlapping(platform.terms)).toEqual([])
    })

    it('a holder that can no longer renew stops its listener and aborts its agent before the other starts them', async () => {
      const log: Array<{ instance: string; what: 'start' | 'abort'; text: string; at: number }> = []
      const { a, b, room, platform, control, replies } = await pair((instance) => ({ id: AGENT, trigger: 'all', handler: async (m, ctx) => {
        log.push({ instance, what: 'start', text: textOf(m), at: performance.now() })
        if (instance === 'proc-a' && textOf(m) === 'block') {
          // Runs until the runner aborts it.
          await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }))
          log.push({ instance, what: 'abort', text: textOf(m), at: performance.now() })
          throw new Error('aborted')
        }
        return `${instance} saw ${textOf(m)}`
      } }), true)

      await b.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('block') })
      await until(() => log.some((l) => l.instance === 'proc-a' && l.what === 'start'), 'proc-a handling the message')
      const before = platform.push('before')
      await until(() => platform.pending.length === 0, 'proc-a ingesting')

      // proc-a can no longer reach the database for its leases (its other writes still work).
      control.leasesDown = true
      await until(async () => (await b.bridgeStatus(BRIDGE))?.state === 'running', 'proc-b taking over the listener')
      const during = platform.push('during')
      await until(async () => (await replies()).includes('proc-b saw block'), 'proc-b answering the message proc-a was handling')
      await until(() => platform.pending.length === 0, 'proc-b ingesting')

      const aborted = log.find((l) => l.instance === 'proc-a' && l.what === 'abort')
      const restarted = log.find((l) => l.instance === 'proc-b' && l.text === 'block')
      expect(aborted).toBeDefined()
      expect(restarted).toBeDefined()
      // No overlap: proc-a's handler was aborted before proc-b's started; its listener stopped before proc-b's started.
      expect(aborted!.at).toBeLessThan(restarted!.at)
      const aTerm = platform.terms.find((t) => t.instance === 'proc-a')!
      const bTerm = platform.terms.find((t) => t.instance === 'proc-b')!
      expect(aTerm.stop).toBeDefined()
      expect(aTerm.stop!).toBeLessThan(bTerm.start)
      expect(overlapping(platform.terms)).toEqual([])
      expect(platform.ingested).toEqual([{ instance: 'proc-a', externalMessageId: before }, { instance: 'proc-b', externalMessageId: during }])
      expect(await replies()).toEqual(['proc-b saw block'])

      expect(await a.bridgeStatus(BRIDGE)).toMatchObject({ state: 'standby', listenerCount: 0, leaseHolder: 'proc-b' })
      expect(await a.listAgents(room.id)).toEqual([expect.objectContaining({ running: false, leaseHolder: 'proc-b' })])
    })

    it("a stale holder's writes in flight at the takeover are refused: its ingest (left unacknowledged) and its agent reply", async () => {
      const { a, b, room, platform, control, replies } = await pair(answering, true)
      // proc-a pauses mid-write (and so cannot renew either); its writes land only after proc-b took over.
      const resume = control.pauseWrites()
      control.leasesDown = true
      const event = platform.push('in flight')
      await b.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('late') })
      await until(() => control.held >= 2, "proc-a's ingest and reply both held")
      await until(async () => (await b.bridgeStatus(BRIDGE))?.state === 'running', 'proc-b taking over the listener')
      await until(async () => (await replies()).includes('proc-b saw late'), 'proc-b answering the message')
      await until(() => platform.ingested.some((i) => i.externalMessageId === event), 'proc-b ingesting the unacknowledged event')

      resume()
      await until(() => control.outcomes.length >= 2, "proc-a's held writes settled")
      // both held writes (the ingest and the agent's reply, which commits with its dedupe key) are refused
      expect(control.outcomes.filter((o) => o.method === 'commitMessage' && !o.ok && o.code === 'CONFLICT')).toHaveLength(2)
      expect(platform.refused).toEqual([{ instance: 'proc-a', externalMessageId: event, code: 'CONFLICT' }])
      expect(platform.ingested).toEqual([{ instance: 'proc-b', externalMessageId: event }])
      expect(await a.getMessageByExternalId('queue', BRIDGE, event)).not.toBeNull()
      await sleep(200)
      expect(await replies()).toEqual(['proc-b saw late'])
    })
  })
}
