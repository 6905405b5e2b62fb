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
/** Releases waiting for the thread to have closed its connection to a file. */
const waiting = new Map<string, Array<() => void>>()

function spawn(): Worker {
  const spawned = new Worker(URL_)
  spawned.unref()
  // A thread that dies (it should not) takes only the background checkpoints with it; the writers'
  // autocheckpoint still bounds the WAL.
  spawned.on('error', () => undefined)
  spawned.on('message', (message: { type?: string; filename?: string }) => {
    if (message.type !== 'removed' || message.filename === undefined) return
    const done = waiting.get(message.filename) ?? []
    waiting.delete(message.filename)
    for (const resolve of done) resolve()
    if (users.size === 0 && worker === spawned && waiting.size === 0) {
      worker = undefined
      void spawned.terminate().catch(() => undefined)
    }
  })
  spawned.on('exit', () => {
    if (worker === spawned) worker = undefined
    // Nothing holds the files any more.
    for (const [file, done] of [...waiting]) {
      waiting.delete(file)
      for (const resolve of done) resolve()
    }
  })
  return spawned
}

/**
 * Checkpoints a WAL database file on a background thread while at least one store has it open: writers
 * then commit without copying the WAL into the file inside their commit (what SQLite's autocheckpoint
 * does, on the committing thread). One thread serves the process; it never keeps the process alive.
 * Returns the function that unregisters this use; its promise resolves once the thread no longer holds
 * the file (so a store's stop() can promise that nothing of it touches the file afterwards).
 */
export function backgroundCheckpoints(filename: string, intervalMs: number): () => Promise<void> {
  const key = resolve(filename)
  const count = users.get(key) ?? 0
  users.set(key, count + 1)
  if (count === 0) {
    worker ??= spawn()
    worker.postMessage({ type: 'add', filename: key, intervalMs } satisfies CheckpointCommand)
  }
  let released: Promise<void> | undefined
  return () => {
    if (released !== undefined) return released
    const left = (users.get(key) ?? 1) - 1
    if (left > 0) {
      users.set(key, left)
      return (released = Promise.resolve())
    }
    users.delete(key)
    const current = worker
    if (current === undefined) return (released = Promise.resolve())
    released = new Promise<void>((done) => {
      const list = waiting.get(key) ?? []
      list.push(done)
      waiting.set(key, list)
      // Never wait long: a thread that cannot answer is terminated with the process anyway.
      setTimeout(done, 2000).unref()
    })
    current.postMessage({ type: 'remove', filename: key } satisfies CheckpointCommand)
    return released
  }
}
