import { resolve } from 'node:path'
import { Worker } from 'node:worker_threads'

/** A message to the checkpoint thread. */
export type CheckpointCommand =
  | { type: 'add'; filename: string; intervalMs: number }
  | { type: 'remove'; filename: string }

// From the sources (this package's own tests) the thread runs the built file: a worker cannot load TypeScript.
const URL_ = import.meta.url.endsWith('.ts') ? new URL('../dist/checkpoint-worker.js', import.meta.url) : new URL('./checkpoint-worker.js', import.meta.url)

let worker: Worker | undefined
/** Registered files and how many open stores use each. */
const users = new Map<string, number>()

/**
 * Checkpoints a WAL database file on a background thread while at least one store has it open: writers
 * then commit without copying the WAL into the file inside their commit (what SQLite's autocheckpoint
 * does, on the committing thread). One thread serves the process; it never keeps the process alive.
 * Returns the function that unregisters this use.
 */
export function backgroundCheckpoints(filename: string, intervalMs: number): () => void {
  const key = resolve(filename)
  const count = users.get(key) ?? 0
  users.set(key, count + 1)
  if (count === 0) {
    if (worker === undefined) {
      const spawned = new Worker(URL_)
      spawned.unref()
      // A thread that dies (it should not) takes only the background checkpoints with it; the writers'
      // autocheckpoint still bounds the WAL.
      spawned.on('error', () => undefined)
      spawned.on('exit', () => {
        if (worker === spawned) worker = undefined
      })
      worker = spawned
    }
    worker.postMessage({ type: 'add', filename: key, intervalMs } satisfies CheckpointCommand)
  }
  let released = false
  return () => {
    if (released) return
    released = true
    const left = (users.get(key) ?? 1) - 1
    if (left > 0) {
      users.set(key, left)
      return
    }
    users.delete(key)
    worker?.postMessage({ type: 'remove', filename: key } satisfies CheckpointCommand)
    if (users.size === 0 && worker !== undefined) {
      const done = worker
      worker = undefined
      // Let it close its connections first; terminate regardless after a moment.
      const stop = () => void done.terminate().catch(() => undefined)
      done.once('message', stop)
      setTimeout(stop, 1000).unref()
    }
  }
}
