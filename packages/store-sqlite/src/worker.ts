// The worker thread of worker-mode SQLite stores: it owns their better-sqlite3 connections and runs
// store-sql's implementation, so SQLite's synchronous work never blocks the callers' event loop. One
// worker serves every worker-mode store of a process (a worker costs a module load: kysely, core).
import type { SqlStore } from '@jido-messaging/store-sql'
import { parentPort } from 'node:worker_threads'
import { createInThreadStore, type InThreadOptions } from './open.js'
import { fromWire, toWire, UPDATER_METHODS, type Call, type FromWorker, type Result, type ToWorker, type UpdaterRef, type WireError } from './protocol.js'

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

/** Runs the caller's updater on the caller's thread. */
function askCaller(ref: UpdaterRef, current: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = nextRequest++
    requests.set(request, { resolve, reject })
    port!.postMessage({ type: 'update', call: ref.updater, request, current } satisfies FromWorker)
  })
}

const READ_FOR_UPDATE: Record<string, string> = { updateMessage: 'getMessage', updateParticipant: 'getParticipant', updateThread: 'getThread' }

/** The record changed between the read and the write: read again and ask the updater again. */
class Stale extends Error {}

/**
 * `update*` with the caller's updater, optimistically: read, run the updater on the caller's thread
 * (no transaction is open meanwhile, so no write lock is held across threads), then write only if the
 * record is still what the updater saw, else start over. (The store contract lets updaters run more
 * than once.) Holding the lock while waiting for another thread would stall every other connection to
 * the file, including others on this same thread, which SQLite's busy handler would block outright.
 */
async function updateOptimistically(store: Record<string, (...a: unknown[]) => Promise<unknown>>, method: string, id: unknown, ref: UpdaterRef): Promise<unknown> {
  for (;;) {
    const current = await store[READ_FOR_UPDATE[method]!]!(id)
    if (current === null) return null
    const next = await askCaller(ref, current)
    const seen = JSON.stringify(current)
    try {
      return await store[method]!(id, (now: unknown) => {
        if (JSON.stringify(now) !== seen) throw new Stale()
        return next
      })
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
  if (UPDATER_METHODS.has(method)) return updateOptimistically(store as never, method, args[0], args[1] as UpdaterRef)
  return fn.apply(store, args)
}

function run([id, storeId, method, args]: Call): void {
  let pending: Promise<unknown>
  try {
    pending = Promise.resolve(invoke(storeId, method, args))
  } catch (error) {
    pending = Promise.reject(error)
  }
  pending.then((value) => settle([id, true, value]), (error: unknown) => settle([id, false, toWire(error)]))
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
