import type { ErrorCode, MessageKey, MessagingStore, Message, Room } from '@jido-messaging/core'
import { afterEach, beforeEach, expect } from 'vitest'
import { makeRoom } from '../factories.js'

export interface StoreCapabilities {
  /** The store keeps its guarantees across connections and processes (SQL stores). Needs `connectPeer`. */
  crossProcess?: boolean
}

/** Options of a store suite over stores of type `S` (the store suite uses MessagingStore, the runtime suite more). */
export interface StoreSuiteOptions<S extends MessagingStore = MessagingStore> {
  /** Names the suite, e.g. `store-sqlite`. */
  name: string
  /** A fresh, empty store for one test. The suite calls `start()` (when present) before using it. */
  create: () => S | Promise<S>
  /** Disposes of a store after its test; defaults to `store.stop()`. */
  destroy?: (store: S) => Promise<void> | void
  capabilities?: StoreCapabilities
  /**
   * A second handle on the same data as `store` (another connection, as another process would open).
   * With `capabilities.crossProcess` the race cases also run across the two handles. The suite stops the
   * peer after the test.
   */
  connectPeer?: (store: S) => S | Promise<S>
}

export type StoreConformanceOptions = StoreSuiteOptions<MessagingStore>

export interface SuiteContext<S extends MessagingStore = MessagingStore> {
  readonly options: StoreSuiteOptions<S>
  readonly caps: Required<StoreCapabilities>
  /** The store of the running test. */
  store(): S
}

/** Registers the per-test lifecycle: a fresh started store before each test, disposed of after it. */
export function useStore<S extends MessagingStore>(options: StoreSuiteOptions<S>): SuiteContext<S> {
  let current: S | undefined
  beforeEach(async () => {
    current = await options.create()
    await current.start?.()
  })
  afterEach(async () => {
    const store = current
    current = undefined
    if (store === undefined) return
    if (options.destroy) await options.destroy(store)
    else await store.stop?.()
  })
  return {
    options,
    caps: { crossProcess: options.capabilities?.crossProcess ?? false },
    store() {
      if (current === undefined) throw new Error('[testing] the store is only available inside a test')
      return current
    },
  }
}

/** Runs `body` with a second handle on the test store's data, stopping the peer afterwards. */
export async function withPeer<S extends MessagingStore>(ctx: SuiteContext<S>, body: (a: S, b: S) => Promise<void>): Promise<void> {
  const store = ctx.store()
  const peer = await ctx.options.connectPeer!(store)
  try {
    await peer.start?.()
    await body(store, peer)
  } finally {
    await peer.stop?.()
  }
}

/** Awaits a promise that must reject and returns what it rejected with. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected the promise to reject, but it resolved')
}

/** Asserts that `promise` rejects with a MessagingError of `code`. */
export async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  const error = await rejectionOf(promise)
  expect(error).toBeInstanceOf(Error)
  expect((error as { code?: unknown }).code).toBe(code)
}

/** Creates and returns a room with no bindings. */
export async function seedRoom(store: MessagingStore, overrides: Partial<Room> = {}): Promise<Room> {
  return store.createRoom(makeRoom(overrides), [])
}

/** Inserts messages one after another, in the given order. */
export async function insertAll(store: MessagingStore, messages: readonly Message[]): Promise<void> {
  for (const message of messages) await store.insertMessage(message)
}

export function keyOf(record: { insertedAt: string; id: string }): MessageKey {
  return { insertedAt: record.insertedAt, id: record.id }
}

/** The reference order of messages and other keyed records: by insertedAt, then id. */
export function byKey(a: { insertedAt: string; id: string }, b: { insertedAt: string; id: string }): number {
  if (a.insertedAt !== b.insertedAt) return a.insertedAt < b.insertedAt ? -1 : 1
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

export const idsOf = (records: ReadonlyArray<{ id: string }>): string[] => records.map((r) => r.id)

/** Runs `task` `n` times concurrently. */
export function concurrently<T>(n: number, task: (i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => task(i)))
}

/** Deterministic shuffle (a fixed LCG), so a failing order can be reproduced. */
export function shuffled<T>(items: readonly T[], seed = 42): T[] {
  const out = [...items]
  let s = seed >>> 0
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    const j = s % (i + 1)
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}
