import {
  createMessaging, positionOf, SignalTypes, type Messaging, type MessagingOptions, type MessagingStore, type Signal, type SignalBus,
  type SignalHandler,
} from '@jido-messaging/core'
import { afterEach, describe, expect, it } from 'vitest'
import { text, type MessagingConformanceOptions } from './harness.js'

const ADDED = SignalTypes.roomMessageAdded

/** Polls `check` until it holds; fails after `timeoutMs` (generous: a loaded CI machine is slow). */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Positions strictly increase and each message id appears once. */
function expectJournalOrder(seen: Signal[]): void {
  const positions = seen.map((s) => positionOf(s)!)
  for (let i = 1; i < positions.length; i++) expect(positions[i]!).toBeGreaterThan(positions[i - 1]!)
  const ids = seen.map((s) => s.data!['messageId'])
  expect(new Set(ids).size).toBe(ids.length)
}

/** The signal journal through the public API: nothing dropped, resumable, replayable, pruned with a typed error. */
export function journalCases(options: MessagingConformanceOptions): void {
  const opened: Array<{ messaging: Messaging; store: MessagingStore; destroy: boolean }> = []

  async function open(store?: MessagingStore, extra: Partial<MessagingOptions> = {}): Promise<{ messaging: Messaging; store: MessagingStore }> {
    const s = store ?? (await options.create())
    const messaging = createMessaging({ store: s, instanceId: 'journal', ...extra })
    opened.push({ messaging, store: s, destroy: store === undefined })
    await messaging.start()
    return { messaging, store: s }
  }

  afterEach(async () => {
    for (const o of opened.splice(0).reverse()) {
      await o.messaging.stop()
      if (o.destroy) await options.destroy?.(o.store)
    }
  })

  describe('signal journal', { timeout: 60_000 }, () => {
    it('32 concurrent posters, 5,000 messages: a no-op and a 1 ms subscriber both get every signal, in journal order', async () => {
      const { messaging } = await open()
      const room = await messaging.createRoom()
      const fast: Signal[] = []
      const slow: Signal[] = []
      const a = messaging.subscribe(ADDED, (s) => void fast.push(s))
      const b = messaging.subscribe(ADDED, async (s) => {
        await sleep(1)
        slow.push(s)
      })
      const total = 5000
      let next = 0
      const posted: string[] = []
      await Promise.all(Array.from({ length: 32 }, async () => {
        while (next < total) {
          const i = next++
          const { message } = await messaging.postMessage({ roomId: room.id, senderId: `u${i % 7}`, role: 'user', content: text(`m${i}`) })
          posted.push(message.id)
        }
      }))
      await until(() => fast.length >= total && slow.length >= total, `both subscribers to reach ${total} (fast ${fast.length}, slow ${slow.length})`, 240_000)
      for (const seen of [fast, slow]) {
        expect(seen).toHaveLength(total)
        expectJournalOrder(seen)
        expect(new Set(seen.map((s) => s.data!['messageId']))).toEqual(new Set(posted))
      }
      expect(slow.map((s) => s.id)).toEqual(fast.map((s) => s.id))
      expect(a.stats()).toMatchObject({ delivered: total, dropped: 0, failed: 0 })
      expect(b.stats()).toMatchObject({ delivered: total, dropped: 0, failed: 0 })
    }, 300_000)

    it('every journaled signal a command returns carries its position; the same signals reach subscribers', async () => {
      const { messaging } = await open()
      const seen: Signal[] = []
      messaging.subscribe((s) => void seen.push(s))
      const room = await messaging.createRoom()
      const p = await messaging.createParticipant()
      const joined = await messaging.participantJoined(room.id, p.id)
      const posted = await messaging.postMessage({ roomId: room.id, senderId: p.id, role: 'user', content: text('hi') })
      const reacted = await messaging.addReaction(posted.message.id, p.id, '👍')
      const custom = await messaging.dispatchRoomEvent(room.id, 'poll.opened', { question: 'why' })
      const typing = await messaging.participantTyping(room.id, p.id, { isTyping: true })
      const journaled = [...joined.signals, ...posted.signals, ...reacted.signals, ...custom.signals]
      for (const s of journaled) expect(positionOf(s)).toEqual(expect.any(Number))
      expect(positionOf(typing.signals[0]!)).toBeUndefined()
      await until(() => seen.length >= journaled.length + 1, 'subscriber to see every signal')
      expect(seen.filter((s) => positionOf(s) !== undefined).map((s) => s.id)).toEqual(journaled.map((s) => s.id))
      // Typing is live-only: delivered, never journaled.
      expect(seen.some((s) => s.type === SignalTypes.participantTyping)).toBe(true)
      const read = await messaging.readSignals({ after: 0, limit: 100 })
      expect(read.signals.map((s) => s.id)).toEqual(journaled.map((s) => s.id))
      expect(read.signals.map((s) => positionOf(s))).toEqual(journaled.map((s) => positionOf(s)))
      expect(read.signals[1]).toMatchObject({ type: ADDED, subject: room.id, data: { messageId: posted.message.id, message: posted.message } })
    })

    it('a throwing handler keeps receiving, and so do the others; each failure is reported', async () => {
      const errors: unknown[] = []
      const { messaging } = await open(undefined, { onError: (error) => void errors.push(error) })
      const room = await messaging.createRoom()
      const reached: string[] = []
      const good: string[] = []
      const failing = messaging.subscribe(ADDED, (s) => {
        reached.push(s.data!['messageId'] as string)
        throw new Error('handler bug')
      })
      messaging.subscribe(ADDED, (s) => void good.push(s.data!['messageId'] as string))
      for (let i = 0; i < 20; i++) await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text(String(i)) })
      await until(() => reached.length === 20 && good.length === 20, 'both subscribers to see 20')
      expect(reached).toEqual(good)
      expect(failing.stats()).toMatchObject({ delivered: 0, failed: 20 })
      expect(errors).toHaveLength(20)
      expect(errors[0]).toMatchObject({ message: 'handler bug' })
    })

    it("from: 'start' replays the whole journal, from: <position> what follows it, filtered by room", async () => {
      const { messaging } = await open()
      const [r1, r2] = [await messaging.createRoom(), await messaging.createRoom()]
      const ids: string[] = []
      for (let i = 0; i < 10; i++) {
        const { message } = await messaging.postMessage({ roomId: i % 2 === 0 ? r1.id : r2.id, senderId: 'u', role: 'user', content: text(String(i)) })
        ids.push(message.id)
      }
      const all: Signal[] = []
      const sub = messaging.subscribe(ADDED, (s) => void all.push(s), { from: 'start' })
      await sub.ready
      await until(() => all.length === 10, 'a replay from the start')
      expect(all.map((s) => s.data!['messageId'])).toEqual(ids)
      const fifth = positionOf(all[4]!)!
      const rest: Signal[] = []
      messaging.subscribe(ADDED, (s) => void rest.push(s), { from: fifth, roomId: r1.id })
      await until(() => rest.length === 2, 'a replay after a position')
      expect(rest.map((s) => s.data!['messageId'])).toEqual([ids[6], ids[8]])
    })

    it('readSignals pages through the journal by pattern and room without gaps; nextPosition continues', async () => {
      const { messaging } = await open()
      const room = await messaging.createRoom()
      const other = await messaging.createRoom()
      const p = await messaging.createParticipant()
      const expected: string[] = []
      for (let i = 0; i < 25; i++) {
        const { message, signals } = await messaging.postMessage({ roomId: i % 3 === 0 ? other.id : room.id, senderId: p.id, role: 'user', content: text(String(i)) })
        if (message.roomId === room.id) expected.push(signals[0]!.id)
        await messaging.participantJoined(room.id, p.id)
      }
      const got: string[] = []
      let after = 0
      for (let pages = 0; pages < 50; pages++) {
        const page = await messaging.readSignals({ after, limit: 4, pattern: 'jido.messaging.room.*', roomId: room.id })
        got.push(...page.signals.filter((s) => s.type === ADDED).map((s) => s.id))
        expect(page.nextPosition).toBeGreaterThanOrEqual(after)
        after = page.nextPosition
        if (!page.hasMore) break
      }
      expect(got).toEqual(expected)
      const exact = await messaging.readSignals({ pattern: ADDED, roomId: other.id, limit: 1000 })
      expect(exact.signals).toHaveLength(9)
      expect(exact.hasMore).toBe(false)
      await expect(messaging.readSignals({ after: -1 })).rejects.toMatchObject({ code: 'VALIDATION' })
      await expect(messaging.readSignals({ pattern: 'jido..x' })).rejects.toMatchObject({ code: 'VALIDATION' })
    })

    it('signals() is an async iterator over the same journal; leaving the loop unsubscribes', async () => {
      const { messaging } = await open()
      const room = await messaging.createRoom()
      const iterator = messaging.signals(ADDED)
      for (let i = 0; i < 50; i++) await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text(String(i)) })
      const texts: string[] = []
      for await (const s of iterator) {
        texts.push(((s.data!['message'] as { content: Array<{ text: string }> }).content[0]!.text))
        await sleep(1)
        if (texts.length === 50) break
      }
      expect(texts).toEqual(Array.from({ length: 50 }, (_, i) => String(i)))
    })

    it('pruned positions: readSignals is CURSOR_EXPIRED, a subscription gets one journal.gap signal naming the range, then goes on', async () => {
      const { messaging } = await open()
      const room = await messaging.createRoom()
      const first = await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('old') })
      await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('old too') })
      await sleep(5)
      expect(await messaging.pruneSignals({ olderThanMs: 0 })).toBe(2)
      const fresh = await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text('new') })
      const err = await messaging.readSignals({ after: 0 }).catch((e: unknown) => e)
      expect(err).toMatchObject({ code: 'CURSOR_EXPIRED', details: { requestedAfter: 0, prunedThrough: positionOf(first.signals[0]!)! + 1 } })
      const retained = await messaging.readSignals()
      expect(retained.signals.map((s) => s.id)).toEqual([fresh.signals[0]!.id])
      const seen: Signal[] = []
      const sub = messaging.subscribe(ADDED, (s) => void seen.push(s), { from: 0 })
      await until(() => seen.length === 2, 'the gap signal and the retained signal')
      expect(seen[0]).toMatchObject({ type: SignalTypes.journalGap, data: { code: 'CURSOR_EXPIRED', fromPosition: 1, toPosition: positionOf(first.signals[0]!)! + 1 } })
      expect(seen[1]!.id).toBe(fresh.signals[0]!.id)
      expect(sub.stats().gaps).toBe(1)
    })

    it('a custom bus that loses everything changes nothing; one shared by two instances carries signals across', async () => {
      const lossy: SignalBus = { publish: async () => undefined, subscribe: (pattern) => ({ id: 'none', pattern, stats: () => ({ delivered: 0, failed: 0, dropped: 0, queued: 0 }) }), unsubscribe: () => true }
      const { messaging, store } = await open(undefined, { bus: lossy })
      const room = await messaging.createRoom()
      const seen: Signal[] = []
      messaging.subscribe(ADDED, (s) => void seen.push(s))
      await Promise.all(Array.from({ length: 40 }, (_, i) => messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text(String(i)) })))
      await until(() => seen.length === 40, 'every signal despite the lossy bus')
      expectJournalOrder(seen)

      // Two instances on one store, with a bus that delivers to both (and a long poll, so the bus is what wakes them).
      const handlers = new Set<SignalHandler>()
      const shared: SignalBus = {
        publish: async (signals) => { for (const h of handlers) for (const s of signals) void h(s) },
        subscribe: (pattern, handler) => { handlers.add(handler); return { id: `b${handlers.size}`, pattern, stats: () => ({ delivered: 0, failed: 0, dropped: 0, queued: 0 }) } },
        unsubscribe: () => true,
      }
      const one = createMessaging({ store, instanceId: 'one', bus: shared, journal: { pollMs: 0 } })
      const two = createMessaging({ store, instanceId: 'two', bus: shared, journal: { pollMs: 0 } })
      opened.push({ messaging: two, store, destroy: false }, { messaging: one, store, destroy: false })
      await one.start()
      await two.start()
      const onTwo: Signal[] = []
      two.subscribe(ADDED, (s) => void onTwo.push(s))
      const posted = await Promise.all(Array.from({ length: 20 }, (_, i) => one.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text(`x${i}`) })))
      await until(() => onTwo.length === 20, 'the other instance to see every signal')
      expectJournalOrder(onTwo)
      expect(new Set(onTwo.map((s) => s.id))).toEqual(new Set(posted.map((p) => p.signals[0]!.id)))
    })

    it('without a bus, another instance on the same store sees the commits by polling the journal', async () => {
      const { messaging, store } = await open()
      const room = await messaging.createRoom()
      const other = createMessaging({ store, instanceId: 'poller', journal: { pollMs: 20 } })
      opened.push({ messaging: other, store, destroy: false })
      await other.start()
      const seen: Signal[] = []
      other.subscribe(ADDED, (s) => void seen.push(s))
      for (let i = 0; i < 10; i++) await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text(String(i)) })
      await until(() => seen.length === 10, 'the polling instance to see 10 signals')
      expectJournalOrder(seen)
    })

    it('a durable subscription stores its checkpoint and resumes after it on a new instance', async () => {
      const { messaging, store } = await open()
      const room = await messaging.createRoom()
      const firstRun: string[] = []
      let lastPosition = 0
      const sub = messaging.subscribe(ADDED, (s) => {
        firstRun.push(s.data!['messageId'] as string)
        lastPosition = positionOf(s)!
      }, { name: 'audit', from: 'start' })
      await sub.ready
      const ids: string[] = []
      for (let i = 0; i < 10; i++) ids.push((await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text(String(i)) })).message.id)
      await until(() => firstRun.length === 10, 'ten signals to the durable subscription')
      expect(() => messaging.subscribe(ADDED, () => undefined, { name: 'audit' })).toThrow(expect.objectContaining({ code: 'CONFLICT' }))
      expect(messaging.unsubscribe(sub.id)).toBe(true)
      for (let i = 10; i < 15; i++) ids.push((await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text(String(i)) })).message.id)
      // The same store, a new instance: the subscription resumes after what its handler finished.
      await until(async () => ((await store.getSubscriptionCheckpoint('audit')) ?? 0) >= lastPosition, 'the final checkpoint to be stored')
      const other = createMessaging({ store, instanceId: 'resumed' })
      opened.push({ messaging: other, store, destroy: false })
      await other.start()
      const secondRun: string[] = []
      const resumed = other.subscribe(ADDED, (s) => void secondRun.push(s.data!['messageId'] as string), { name: 'audit', from: 'start' })
      await resumed.ready
      await until(() => secondRun.length === 5, 'the five signals after the checkpoint')
      await sleep(50)
      expect(secondRun).toEqual(ids.slice(10))
      expect(firstRun).toEqual(ids.slice(0, 10))
    })

    it.skipIf(!options.reopen)('a durable subscription resumes after stop() on a new instance over the same data, no gap, no reordering', async () => {
      const { messaging, store } = await open()
      const room = await messaging.createRoom()
      const seen: string[] = []
      let slowFrom = Infinity
      let release!: () => void
      const blocked = new Promise<void>((r) => (release = r))
      messaging.subscribe(ADDED, async (s) => {
        if (seen.length >= slowFrom) await blocked
        seen.push(s.data!['messageId'] as string)
      }, { name: 'resumer', from: 'now' })
      const ids: string[] = []
      for (let i = 0; i < 20; i++) ids.push((await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text(String(i)) })).message.id)
      await until(() => seen.length === 20, 'the first 20')
      slowFrom = 20
      for (let i = 20; i < 40; i++) ids.push((await messaging.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text(String(i)) })).message.id)
      // Stop while the handler is stuck on #20: stop() gives up waiting after its drain time and stores
      // the checkpoint of what the handler finished.
      await messaging.stop({ drainMs: 50 })
      release()
      const reopened = await options.reopen!(store)
      const { messaging: again } = await open(reopened)
      opened.at(-1)!.destroy = false
      const after: string[] = []
      const resumed = again.subscribe(ADDED, (s) => void after.push(s.data!['messageId'] as string), { name: 'resumer' })
      await resumed.ready
      for (let i = 40; i < 45; i++) ids.push((await again.postMessage({ roomId: room.id, senderId: 'u', role: 'user', content: text(String(i)) })).message.id)
      await until(() => after.includes(ids[44]!), 'the resumed subscription to reach the newest message')
      // At least once: the run may repeat what it finished last, never skip or reorder.
      const combined = [...seen, ...after.filter((id) => !seen.includes(id))]
      expect(combined).toEqual(ids)
      expect(after.length).toBeLessThanOrEqual(ids.length - seen.length + 1)
    }, 60_000)
  })
}
