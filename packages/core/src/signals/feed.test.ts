import { describe, expect, it } from 'vitest'
import type { JournalAppended, JournalEntry, JournalReadOptions, JournalStore } from '../contracts/journal.js'
import type { Signal } from '../contracts/signal-bus.js'
import { createSignalFactory, positionOf, sealSignal } from './factory.js'
import { SignalFeed } from './feed.js'

// The feed's use of a store's journal watch (watchJournal), against a journal in memory whose reads the
// test holds and releases: wake-ups trigger reads, bursts coalesce, local commits wait for the writer.

const make = createSignalFactory('test')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
async function until(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(2)
  }
}

/** A journal in memory with a watch; `hold` makes every read wait until `release`. */
function watchedJournal() {
  const entries: JournalEntry[] = []
  let onAppended: ((a: JournalAppended) => void) | undefined
  let gate: Promise<void> | undefined
  let open: (() => void) | undefined
  const calls = { reads: 0, heads: 0, inFlight: 0, maxInFlight: 0, closed: 0 }
  const enter = async () => {
    calls.inFlight++
    calls.maxInFlight = Math.max(calls.maxInFlight, calls.inFlight)
    try {
      await gate
    } finally {
      calls.inFlight--
    }
  }
  const store = {
    // Each answers what was committed when it was asked (a snapshot), however long it is held.
    journalHead: async () => {
      calls.heads++
      const head = { position: entries.length, prunedThrough: 0 }
      await enter()
      return head
    },
    readJournal: async ({ after, limit }: JournalReadOptions) => {
      calls.reads++
      const page = entries.slice(after, after + limit)
      await enter()
      return page
    },
    watchJournal: (fn: (a: JournalAppended) => void) => {
      onAppended = fn
      return { close: async () => void (calls.closed++, onAppended = undefined) }
    },
  } as unknown as JournalStore
  return {
    store,
    calls,
    /** Appends n committed signals (as another process would) and returns them. */
    commit(n: number): Signal[] {
      const made: Signal[] = []
      for (let i = 0; i < n; i++) {
        const position = entries.length + 1
        const signal = sealSignal(make('jido.messaging.room.message_added', 'room_1', {}, { correlationId: 'c' }), position)
        entries.push({ position, signal })
        made.push(signal)
      }
      return made
    },
    wake: (a: JournalAppended) => onAppended?.(a),
    hold: () => void (gate = new Promise<void>((r) => (open = r))),
    release: () => {
      gate = undefined
      open?.()
    },
  }
}

function feedOver(store: JournalStore, options = {}) {
  const errors: unknown[] = []
  const feed = new SignalFeed(store, undefined, 'test', (e) => void errors.push(e), { pollMs: 600_000, ...options })
  const seen: number[] = []
  feed.subscribe('jido.messaging.**', (s) => void seen.push(positionOf(s)!))
  return { feed, seen, errors }
}

describe('SignalFeed over a store that watches its journal', () => {
  it("reads another process's commits as soon as the watch announces them, with no poll", async () => {
    const j = watchedJournal()
    const { feed, seen, errors } = feedOver(j.store)
    await feed.start()
    j.commit(3)
    j.wake({ head: 3, local: false })
    await until('three signals', () => seen.length === 3)
    expect(seen).toEqual([1, 2, 3])
    // An announced head is read directly: no journalHead round trip beyond the start's.
    expect(j.calls.heads).toBe(1)
    // A wake-up for what the feed has already is no read at all.
    const reads = j.calls.reads
    j.wake({ head: 2, local: false })
    await sleep(20)
    expect(j.calls.reads).toBe(reads)
    await feed.stop()
    expect(j.calls.closed).toBe(1)
    expect(errors).toEqual([])
  })

  it('a burst of wake-ups while a read runs costs one more read, not one each', async () => {
    const j = watchedJournal()
    const { feed, seen } = feedOver(j.store)
    await feed.start()
    j.hold()
    j.commit(1)
    j.wake({ head: 1, local: false })
    await until('the first read to start', () => j.calls.inFlight === 1)
    for (let i = 0; i < 50; i++) {
      j.commit(2)
      j.wake({ head: 1 + 2 * (i + 1), local: false })
    }
    // A reconnect's wake-up (head unknown) in the burst makes the queued read ask the store for its head.
    j.wake({})
    expect(j.calls.maxInFlight).toBe(1)
    j.release()
    await until('every signal', () => seen.length === 101)
    expect(seen).toEqual(Array.from({ length: 101 }, (_, i) => i + 1))
    expect(j.calls.maxInFlight).toBe(1)
    // The held read, then one queued read (its head, one page).
    expect(j.calls.reads).toBe(2)
    expect(j.calls.heads).toBe(2)
    await feed.stop()
  })

  it('a local commit is left to its writer, and read from the journal only when the writer never handed it over', async () => {
    const j = watchedJournal()
    const { feed, seen } = feedOver(j.store, { gapMs: 30 })
    await feed.start()
    const [s1] = j.commit(1)
    j.wake({ head: 1, local: true })
    feed.committed([s1!])
    await until('the handed-over signal', () => seen.length === 1)
    await sleep(80)
    expect(j.calls.reads).toBe(0)
    // Committed through the same store by someone else (another instance on it): read after gapMs.
    j.commit(1)
    j.wake({ head: 2, local: true })
    await until('the second signal', () => seen.length === 2)
    expect(j.calls.reads).toBe(1)
    await feed.stop()
  })

  it('watch: false ignores the watch and keeps the one-second poll', async () => {
    const j = watchedJournal()
    const { feed } = feedOver(j.store, { watch: false, pollMs: undefined })
    await feed.start()
    j.commit(1)
    j.wake({ head: 1 })
    await sleep(30)
    expect(j.calls.reads).toBe(0)
    await feed.stop()
    expect(j.calls.closed).toBe(0)
  })
})
