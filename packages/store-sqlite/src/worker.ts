// The worker thread of worker-mode SQLite stores: it owns their better-sqlite3 connections and runs
// store-sql's implementation, so SQLite's synchronous work never blocks the callers' event loop. One
// worker serves every worker-mode store of a process (a worker costs a module load: kysely, core).
import type { JournalWrite, Signal } from '@jido-messaging/core'
import type { SqlStore } from '@jido-messaging/store-sql'
import { parentPort } from 'node:worker_threads'
import { createInThreadStore, type InThreadOptions } from './open.js'
import {
  fromWire, isJournalRef, swapJournals, toWire, UPDATER_METHODS, type Call, type FromWorker, type JournalRef, type Result, type ToWorker,
  type UpdaterRef, type WireError,
} from './protocol.js'

const port = parentPort
if (port === null) throw new Error('[store-sqlite] worker.js runs only as a worker thread')

const stores = new Map<number, SqlStore>()

let outbox: Result[] = []
let flushing = false
function settle(result: Result): void {
  outbox.push(result)
  if (flushing) return
  flushing = true
  // One message per turn: results settled by one group commit travel together.
  setImmediate(() => {
    flushing = false
    const results = outbox
    outbox = []
    port!.postMessage({ type: 'results', results } satisfies FromWorker)
  })
}

const requests = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>()
let nextRequest = 0

/** Sends a request to the caller's thread; resolves its answer. */
function ask(message: (request: number) => FromWorker): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = nextRequest++
    requests.set(request, { resolve, reject })
    port!.postMessage(message(request))
  })
}

/** Runs the caller's updater on the caller's thread. */
const askCaller = (ref: UpdaterRef, current: unknown): Promise<unknown> =>
  ask((request) => ({ type: 'update', call: ref.updater, request, current }))

/**
 * The worker's stand-in for a caller's `JournalWrite`: `signals(result)` runs the caller's on the
 * caller's thread and resolves its signals as `signalToJson` objects, which store-sql journals as they
 * are. The store sets `firstPosition` here; the call's result carries it back to the caller's journal.
 * Unlike an updater, it runs while the write's transaction is open (it needs the write's result, and its
 * signals must commit with the write), so the file's write lock is held across that round trip. The
 * stores of one file on this thread take turns on their write transactions (open.ts), so they wait for
 * it instead of stalling this thread in SQLite's busy handler; a group commit's hooks cross together.
 */
function journalProxy(call: number, ref: JournalRef): JournalWrite<unknown> {
  return {
    signals: async (result) => (await ask((request) => ({ type: 'signals', call, journal: ref.$journal, request, result }))) as Signal[],
    ...(ref.fence === undefined ? {} : { fence: ref.fence }),
  }
}

const READ_FOR_UPDATE: Record<string, string> = {
  updateMessage: 'getMessage', updateParticipant: 'getParticipant', updateThread: 'getThread', updateOnboardingFlow: 'getOnboardingFlow',
}

/** The record changed between the read and the write: read again and ask the updater again. */
class Stale extends Error {}

/**
 * `update*` with the caller's updater, optimistically: read, run the updater on the caller's thread
 * (no transaction is open meanwhile, so no write lock is held across threads), then write only if the
 * record is still what the updater saw, else start over. (The store contract lets updaters run more
 * than once.) Holding the lock while waiting for another thread would stall every other connection to
 * the file, including others on this same thread, which SQLite's busy handler would block outright.
 */
async function updateOptimistically(store: Record<string, (...a: unknown[]) => Promise<unknown>>, method: string, id: unknown, ref: UpdaterRef,
  journal: unknown): Promise<unknown> {
  // The journal (a proxy) goes into the final write, whose transaction appends its signals.
  const rest = journal === undefined ? [] : [journal]
  for (;;) {
    const current = await store[READ_FOR_UPDATE[method]!]!(id)
    if (current === null && journal === undefined) return null
    try {
      // Absent: the write still runs, so the journal sees the `null` result in a transaction, as on the
      // calling thread (a record that appeared meanwhile is stale: start over).
      if (current === null) return await store[method]!(id, () => { throw new Stale() }, ...rest)
      const next = await askCaller(ref, current)
      const seen = JSON.stringify(current)
      return await store[method]!(id, (now: unknown) => {
        if (JSON.stringify(now) !== seen) throw new Stale()
        return next
      }, ...rest)
    } catch (error) {
      if (!(error instanceof Stale)) throw error
    }
  }
}

function invoke(storeId: number, method: string, args: unknown[]): unknown {
  if (method === '$open') {
    stores.set(storeId, createInThreadStore(args[0] as InThreadOptions))
    return undefined
  }
  if (method === '$close') {
    stores.delete(storeId)
    return undefined
  }
  const store = stores.get(storeId) as unknown as Record<string, (...a: unknown[]) => unknown> | undefined
  if (store === undefined) throw new Error(`[store-sqlite] no store ${storeId} on the worker`)
  const fn = store[method]
  if (typeof fn !== 'function') throw new Error(`[store-sqlite] unknown store method ${method}`)
  if (UPDATER_METHODS.has(method)) return updateOptimistically(store as never, method, args[0], args[1] as UpdaterRef, args[2])
  return fn.apply(store, args)
}

function run([id, storeId, method, args]: Call): void {
  const journals: Array<JournalWrite<unknown>> = []
  let pending: Promise<unknown>
  try {
    const withProxies = swapJournals(args, isJournalRef, (ref) => {
      const proxy = journalProxy(id, ref)
      journals[ref.$journal] = proxy
      return proxy
    })
    pending = Promise.resolve(invoke(storeId, method, withProxies))
  } catch (error) {
    pending = Promise.reject(error)
  }
  // A call that carried journals reports where their signals landed (a failed call appended nothing and
  // leaves the caller's journals alone, as on the calling thread).
  pending.then(
    (value) => settle(journals.length === 0 ? [id, true, value] : [id, true, value, Array.from(journals, (j) => j?.firstPosition ?? null)]),
    (error: unknown) => settle([id, false, toWire(error)]))
}

port.on('message', (message: ToWorker) => {
  if (message.type === 'calls') {
    for (const call of message.calls) run(call)
    return
  }
  const waiter = requests.get(message.request)
  if (waiter === undefined) return
  requests.delete(message.request)
  if (message.ok) waiter.resolve(message.value)
  else waiter.reject(fromWire(message.value as WireError))
})
