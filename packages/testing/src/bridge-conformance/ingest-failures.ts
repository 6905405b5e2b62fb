import {
  ConflictError,
  createMessaging,
  NotFoundError,
  type CommitMessageInput,
  type Messaging,
  type MessagingOptions,
  type MessagingStore,
  type RuntimeStore,
  type Signal,
} from '@jido-messaging/core'
import { afterEach, describe, expect, it } from 'vitest'
import { signedWebhookRequest } from '../fakes/webhook-signing.js'
import { event, INBOUND_SECRET, type BridgeConformanceOptions } from './harness.js'

// A store that fails while a webhook is being ingested must not lose the message: the request is
// answered 5xx (never 2xx before the commit, never a 4xx the platform would take as final), and the
// platform's retry after recovery stores it exactly once. Driven through routeWebhookRequest over the
// REAL store, wrapped so that commitMessage fails before, during or after the real commit.

type Stage = 'before' | 'during' | 'after'
interface Fault {
  stage: Stage
  error: () => Error
}

/** The real store, whose commitMessage takes one scripted fault per commit (null: commit normally). */
export function faultyStore<S extends MessagingStore>(real: S): { store: S; failNext(...faults: Array<Fault | null>): void } {
  const queue: Array<Fault | null> = []
  const runtime = real as unknown as RuntimeStore
  async function commitMessage(input: CommitMessageInput) {
    const fault = queue.shift() ?? null
    if (fault?.stage === 'before') throw fault.error()
    if (fault?.stage === 'during') {
      // The journal is written inside the commit's transaction: failing it rolls the whole commit back
      // (dedupe claim, message, member, outbox rows) as any failure in the middle of the write would.
      return runtime.commitMessage({ ...input, journal: { signals: () => { throw fault.error() } } })
    }
    const result = await runtime.commitMessage(input)
    if (fault?.stage === 'after') throw fault.error()
    return result
  }
  const store = new Proxy(real, {
    get(target, key) {
      if (key === 'commitMessage') return commitMessage
      const value = Reflect.get(target, key, target) as unknown
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
    },
  })
  return { store, failNext: (...faults) => void queue.push(...faults) }
}

export interface IngestClient {
  messaging: Messaging
  signals: Signal[]
  /** POSTs a signed adapter-webhook body to bridge `wh` through routeWebhookRequest. */
  inbound(payload: unknown): ReturnType<Messaging['routeWebhookRequest']>
  /** Stored messages of room `chat-1` with this external id. */
  stored(externalId: string): Promise<number>
  /** `message.received` signals seen for this external id. */
  received(externalId: string): number
  /**
   * Ingests a fresh event and waits until its `message.received` arrives: every signal committed
   * before it has been seen by then (the journal is one order), with no clock involved.
   */
  settle(): Promise<void>
}

/** A started Messaging over `store` with a webhook bridge `wh`, and a catch-all subscriber. */
export async function ingestClient(options: Pick<BridgeConformanceOptions, 'createWebhookAdapter'>, store: MessagingStore, extra: Partial<MessagingOptions> = {}): Promise<IngestClient> {
  const messaging = createMessaging({ store, instanceId: 'ingest-failures', adapters: [options.createWebhookAdapter({ timeoutMs: 2000 })], delivery: { pollMs: 20 }, ...extra })
  await messaging.start()
  const signals: Signal[] = []
  messaging.subscribe('jido.messaging.**', (s) => void signals.push(s))
  // A bridge created only if absent: a second instance over the same store shares it.
  if (!(await messaging.getBridgeConfig('wh'))) {
    await messaging.putBridgeConfig({ id: 'wh', adapter: 'webhook', credentials: { secret: INBOUND_SECRET }, options: { outboundUrl: 'http://127.0.0.1:9/unused' } })
  }
  const received = (externalId: string) => signals.filter((s) => s.type === 'jido.messaging.message.received'
    && (s.data?.['message'] as { externalId?: string } | undefined)?.externalId === externalId).length
  const client: IngestClient = {
    messaging,
    signals,
    inbound(payload) {
      const req = signedWebhookRequest(INBOUND_SECRET, payload, { path: '/webhooks/wh' })
      return messaging.routeWebhookRequest('wh', { method: req.method, path: req.path, headers: { ...req.headers }, rawBody: req.rawBody })
    },
    async stored(externalId) {
      const room = await messaging.getRoomByExternalBinding('webhook', 'wh', 'chat-1')
      if (!room) return 0
      const { messages } = await messaging.listMessages(room.id, { limit: 1000 })
      return messages.filter((m) => m.externalId === externalId).length
    },
    received,
    async settle() {
      const sentinel = event({ text: 'sentinel' })
      expect((await client.inbound(sentinel)).response.status).toBe(200)
      await until(() => received(sentinel.id) === 1, `message.received of sentinel ${sentinel.id}`)
    },
  }
  return client
}

export async function until(predicate: () => boolean | Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** The answer to a request the platform must retry: 5xx with `{error: {code, message}}`, outcome `error`. */
export function expectRetryable(result: Awaited<ReturnType<Messaging['routeWebhookRequest']>>): void {
  expect(result.response.status, JSON.stringify(result.response.body)).toBeGreaterThanOrEqual(500)
  expect(result.response.status).toBeLessThan(600)
  expect(result.response.body).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } })
  expect(result.outcome?.status).toBe('error')
}

const KINDS: Array<[string, () => Error]> = [
  ['CONFLICT', () => new ConflictError('[conformance] injected: a unique key is taken')],
  ['NOT_FOUND', () => new NotFoundError('[conformance] injected: a referenced record does not exist')],
  ['a plain Error', () => new Error('[conformance] injected: disk I/O error')],
]

export function ingestFailureCases(options: BridgeConformanceOptions): void {
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  async function setup() {
    const real = await options.create()
    const faulty = faultyStore(real)
    const client = await ingestClient(options, faulty.store)
    cleanups.push(async () => {
      await client.messaging.stop()
      await options.destroy?.(real)
    })
    return { ...client, failNext: faulty.failNext }
  }

  describe('ingest when the store fails at commit', () => {
    for (const stage of ['before', 'during', 'after'] as const) {
      it(`a commit failing ${stage} the write answers 5xx whatever the error's code; the retry stores the message exactly once`, async () => {
        const h = await setup()
        for (const [kind, error] of KINDS) {
          const e = event({ text: `${stage} ${kind}` })
          h.failNext({ stage, error })
          const failed = await h.inbound(e)
          expectRetryable(failed)
          // Before and during: nothing was committed. After: the commit stands, but it was not acknowledged.
          expect(await h.stored(e.id), `${kind}: stored after a failure ${stage} the commit`).toBe(stage === 'after' ? 1 : 0)

          const retry = await h.inbound(e)
          expect(retry.response.status, `${kind}: the platform's retry`).toBe(200)
          expect(retry.outcome!.status).toBe(stage === 'after' ? 'duplicate' : 'message')
          const again = await h.inbound(e)
          expect(again.response.status).toBe(200)
          expect(again.outcome!.status).toBe('duplicate')
          expect(await h.stored(e.id), kind).toBe(1)
          await h.settle()
          expect(h.received(e.id), `${kind}: message.received`).toBe(1)
        }
      }, 60_000)
    }

    it('a batch whose second commit fails answers 5xx; its retry stores each event once', async () => {
      const h = await setup()
      const [a, b] = [event({ text: 'batch a' }), event({ text: 'batch b' })]
      h.failNext(null, { stage: 'during', error: KINDS[0]![1] })
      expectRetryable(await h.inbound({ events: [a, b] }))
      expect([await h.stored(a.id), await h.stored(b.id)]).toEqual([1, 0])
      const retry = await h.inbound({ events: [a, b] })
      expect(retry.response.status).toBe(200)
      expect(retry.outcomes.map((o) => o.status)).toEqual(['duplicate', 'message'])
      expect([await h.stored(a.id), await h.stored(b.id)]).toEqual([1, 1])
      await h.settle()
      expect([h.received(a.id), h.received(b.id)]).toEqual([1, 1])
    }, 60_000)

    it('copies arriving while the first commit fails: that one answers 5xx, the others 200 only with the message committed', async () => {
      const h = await setup()
      const e = event({ text: 'concurrent copies' })
      h.failNext({ stage: 'before', error: KINDS[0]![1] })
      const results = await Promise.all(Array.from({ length: 10 }, () => h.inbound(e)))
      const statuses = results.map((r) => r.response.status)
      expect(statuses.filter((s) => s >= 500)).toHaveLength(1)
      expect(statuses.filter((s) => s === 200)).toHaveLength(9)
      expect(results.filter((r) => r.outcome!.status === 'message')).toHaveLength(1)
      expect(await h.stored(e.id)).toBe(1)
      await h.settle()
      expect(h.received(e.id)).toBe(1)
    }, 60_000)
  })
}

export interface StoreFault {
  /** Names the failure in the test title, e.g. "a unique index that every new message violates". */
  name: string
  /** Breaks the store's commits for real (e.g. DDL through another connection); resolves a function that heals it. */
  inject(store: MessagingStore): Promise<() => Promise<void>>
}

export interface StoreFaultOptions extends BridgeConformanceOptions {
  faults: StoreFault[]
}

/**
 * Store-specific real failures (no wrapper): while a fault is in place every webhook answers 5xx and
 * stores nothing; after healing, the platform's retry stores the message exactly once.
 */
export function storeFaultCases(options: StoreFaultOptions): void {
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  describe(`ingest over ${options.name} when the store really fails`, () => {
    for (const fault of options.faults) {
      it(`${fault.name}: 5xx while it lasts, then the retry stores the message once`, async () => {
        const store = await options.create()
        const h = await ingestClient(options, store)
        let heal: (() => Promise<void>) | undefined
        cleanups.push(async () => {
          await heal?.().catch(() => undefined)
          await h.messaging.stop()
          await options.destroy?.(store)
        })
        const warm = event({ text: 'before the fault' })
        expect((await h.inbound(warm)).response.status).toBe(200)

        heal = await fault.inject(store)
        const e = event({ text: `during: ${fault.name}` })
        for (let attempt = 0; attempt < 2; attempt++) expectRetryable(await h.inbound(e))
        const healing = heal
        heal = undefined
        await healing()

        const retry = await h.inbound(e)
        expect(retry.response.status, JSON.stringify(retry.response.body)).toBe(200)
        expect(retry.outcome!.status).toBe('message')
        expect((await h.inbound(e)).outcome!.status).toBe('duplicate')
        expect(await h.stored(e.id)).toBe(1)
        expect(await h.stored(warm.id)).toBe(1)
        await h.settle()
        expect(h.received(e.id)).toBe(1)
      }, 60_000)
    }
  })
}
