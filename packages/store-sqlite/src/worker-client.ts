import { signalToJson, StoreUnavailableError, ValidationError, type JournalWrite, type Signal } from '@jido-messaging/core'
import type { SqlStore } from '@jido-messaging/store-sql'
import { Worker } from 'node:worker_threads'
import { createInThreadStore, type InThreadOptions } from './open.js'
import {
  fromWire, isJournalWrite, swapJournals, toWire, UPDATER_METHODS, type Call, type FromWorker, type JournalRef, type ToWorker, type WireError,
} from './protocol.js'

interface PendingCall {
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
  /** The caller's updater of an `update*` call, run here when the worker asks. */
  updater?: (current: unknown) => unknown
  /** The caller's journals, by the number their {@link JournalRef} carries; their `signals` run here. */
  journals?: Array<JournalWrite<unknown>>
  /** What the updater or the last `signals` call threw: the call rejects with this very error. */
  callerError?: unknown
}

/**
 * The worker thread shared by this process's worker-mode stores, and the calls in flight to it. Calls
 * made in one event-loop turn travel in one message, so concurrent writes still meet in one group
 * commit on the worker. Idle, the worker does not keep the process alive; with calls in flight it does.
 */
class WorkerChannel {
  #worker: Worker | undefined
  /** Bumped whenever a worker is started: stores opened on an earlier one must open again. */
  generation = 0
  #nextId = 0
  readonly #pending = new Map<number, PendingCall>()
  #queue: Call[] = []
  #scheduled = false

  constructor(private readonly url: URL) {}

  /** The live worker, if any (for tests: {@link WORKER_HANDLE}). */
  get worker(): Worker | undefined {
    return this.#worker
  }

  /** The generation of the live worker (started now if there is none). */
  live(): number {
    this.#worker ??= this.#spawn()
    return this.generation
  }

  send(storeId: number, method: string, args: unknown[]): Promise<unknown> {
    this.live()
    const worker = this.#worker!
    return new Promise((resolve, reject) => {
      const id = this.#nextId++
      const entry: PendingCall = { resolve, reject }
      if (UPDATER_METHODS.has(method) && typeof args[1] === 'function') {
        entry.updater = args[1] as (current: unknown) => unknown
        args = [args[0], { updater: id }, ...args.slice(2)]
      }
      args = swapJournals(args, isJournalWrite, (journal): JournalRef => {
        const journals = (entry.journals ??= [])
        journals.push(journal as JournalWrite<unknown>)
        const { fence } = journal as JournalWrite<unknown>
        return fence === undefined ? { $journal: journals.length - 1 } : { $journal: journals.length - 1, fence: { name: fence.name, generation: fence.generation } }
      })
      this.#pending.set(id, entry)
      if (this.#pending.size === 1) worker.ref()
      this.#queue.push([id, storeId, method, args])
      if (!this.#scheduled) {
        this.#scheduled = true
        // A turn later, not a microtask: callers about to write in this turn join the same message.
        setImmediate(() => this.#flush())
      }
    })
  }

  #spawn(): Worker {
    const worker = new Worker(this.url)
    this.generation++
    worker.unref()
    worker.on('message', (message: FromWorker) => this.#onMessage(worker, message))
    worker.on('error', (error) => this.#lost(worker, error))
    worker.on('exit', (code) => this.#lost(worker, new Error(`exit code ${code}`)))
    return worker
  }

  /** The worker died: its calls fail with STORE_UNAVAILABLE; the next call starts a new worker. */
  #lost(worker: Worker, error: Error): void {
    if (this.#worker !== worker) return
    this.#worker = undefined
    this.#queue = []
    const failure = new StoreUnavailableError(`[store-sqlite] the store's worker thread stopped (${error.message})`, error)
    const pending = [...this.#pending.values()]
    this.#pending.clear()
    for (const p of pending) p.reject(failure)
  }

  #flush(): void {
    this.#scheduled = false
    const calls = this.#queue
    this.#queue = []
    const worker = this.#worker
    if (worker === undefined || calls.length === 0) return
    try {
      worker.postMessage({ type: 'calls', calls } satisfies ToWorker)
    } catch {
      // Something in the batch cannot be copied to the worker: send the calls one by one, so only the
      // offending call fails.
      for (const call of calls) {
        try {
          worker.postMessage({ type: 'calls', calls: [call] } satisfies ToWorker)
        } catch (error) {
          this.#settle(call[0], false, new ValidationError(`[store-sqlite] ${call[2]}: an argument cannot be stored (${error instanceof Error ? error.message : String(error)})`,
            [{ path: call[2], message: 'not serializable' }]))
        }
      }
    }
  }

  #settle(id: number, ok: boolean, value: unknown, positions?: Array<number | null>): void {
    const p = this.#pending.get(id)
    if (p === undefined) return
    this.#pending.delete(id)
    if (this.#pending.size === 0) this.#worker?.unref()
    // The caller's journals learn where their signals landed before the call resolves.
    if (positions !== undefined) {
      p.journals?.forEach((journal, i) => {
        const position = positions[i]
        if (typeof position === 'number') journal.firstPosition = position
        else delete journal.firstPosition
      })
    }
    if (ok) p.resolve(value)
    else p.reject(p.callerError ?? value)
  }

  #onMessage(worker: Worker, message: FromWorker): void {
    if (message.type === 'results') {
      for (const [id, ok, value, positions] of message.results) this.#settle(id, ok, ok ? value : fromWire(value as WireError), positions)
      return
    }
    const p = this.#pending.get(message.call)
    if (message.type === 'signals') {
      void this.#signals(worker, p, message.journal, message.request, message.result)
      return
    }
    try {
      if (p?.updater === undefined) throw new Error('[store-sqlite] no updater for this call')
      worker.postMessage({ type: 'updated', request: message.request, ok: true, value: p.updater(message.current) } satisfies ToWorker)
    } catch (error) {
      if (p !== undefined) p.callerError = error
      worker.postMessage({ type: 'updated', request: message.request, ok: false, value: toWire(error) } satisfies ToWorker)
    }
  }

  /** Runs a caller's `journal.signals(result)` here and sends the signals back as plain JSON objects. */
  async #signals(worker: Worker, p: PendingCall | undefined, journal: number, request: number, result: unknown): Promise<void> {
    let answer: ToWorker
    try {
      const own = p?.journals?.[journal]
      if (own === undefined) throw new Error('[store-sqlite] no journal for this call')
      const signals = await own.signals(result)
      if (!Array.isArray(signals)) throw new ValidationError('[store-sqlite] journal.signals() must return an array of signals', [{ path: 'signals', message: 'expected an array' }])
      answer = { type: 'updated', request, ok: true, value: (signals as Signal[]).map(signalToJson) }
      if (p !== undefined) delete p.callerError
    } catch (error) {
      if (p !== undefined) p.callerError = error
      answer = { type: 'updated', request, ok: false, value: toWire(error) }
    }
    try {
      worker.postMessage(answer)
    } catch (error) {
      // A signal that cannot be copied to the worker fails the write (its transaction rolls back).
      if (p !== undefined) p.callerError = error
      worker.postMessage({ type: 'updated', request, ok: false, value: toWire(error) } satisfies ToWorker)
    }
  }
}

const channels = new Map<string, WorkerChannel>()

let methodNames: string[] | undefined
/** The store's method names, read once from a store that is never started (creating one opens nothing). */
function storeMethodNames(): string[] {
  if (methodNames === undefined) {
    const template = createInThreadStore({ filename: ':memory:' }) as unknown as Record<string, unknown>
    const lifecycle = new Set(['name', 'start', 'stop', 'migrate'])
    methodNames = Object.keys(template).filter((k) => !lifecycle.has(k) && typeof template[k] === 'function')
  }
  return methodNames
}

/** A worker-mode store's hidden handle to its worker thread, so tests can end it as a crash would. */
export const WORKER_HANDLE = Symbol.for('@jido-messaging/store-sqlite/worker')
let nextStoreId = 0

/**
 * A store whose SQLite connection lives on a worker thread (shared by this process's worker-mode
 * stores): every method is sent to the worker, which runs store-sql's implementation there. Updaters
 * (`updateMessage`, ...) run on this thread, optimistically: the worker writes only if the record is unchanged
 * since the updater saw it, and asks again otherwise (no write lock is held across threads).
 */
export function createWorkerStore(options: InThreadOptions, workerUrl: URL): SqlStore {
  const channel = channels.get(workerUrl.href) ?? new WorkerChannel(workerUrl)
  channels.set(workerUrl.href, channel)
  const storeId = nextStoreId++
  /** The worker generation this store is open on (-1: not open). */
  let openOn = -1
  let stopped = false

  const send = (method: string, args: unknown[]): Promise<unknown> => {
    // Calls travel in order, so `$open` is in place before the call that follows it.
    const generation = channel.live()
    if (openOn !== generation) {
      channel.send(storeId, '$open', [options]).catch(() => undefined)
      openOn = generation
    }
    return channel.send(storeId, method, args)
  }
  const call = (method: string) => (...args: unknown[]): Promise<unknown> =>
    stopped ? Promise.reject(new StoreUnavailableError('[store-sqlite] the store is stopped')) : send(method, args)

  const store = {
    ...Object.fromEntries(storeMethodNames().map((name) => [name, call(name)])),
    name: 'store-sqlite',
    start: async () => {
      stopped = false
      await send('start', [])
    },
    migrate: () => call('migrate')(),
    /** Waits for queued writes, then closes the file. */
    stop: async () => {
      stopped = true
      if (openOn === -1) return
      try {
        await send('stop', [])
      } finally {
        await channel.send(storeId, '$close', []).catch(() => undefined)
        openOn = -1
      }
    },
  }
  Object.defineProperty(store, WORKER_HANDLE, { value: () => channel.worker, enumerable: false })
  return store as unknown as SqlStore
}
