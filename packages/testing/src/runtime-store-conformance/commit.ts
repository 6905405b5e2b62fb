import { describe, expect, it } from 'vitest'
import { isoAt, makeDelivery, makeMessage, makeParticipant, uniqueSuffix } from '../factories.js'
import { byKey, concurrently, expectCode, idsOf, seedRoom } from '../store-conformance/context.js'
import type { RuntimeSuiteContext } from './context.js'

const window = (now: number, ttl = 60_000) => ({ now: isoAt(now), expiresAt: isoAt(now + ttl) })

export function commitCases(ctx: RuntimeSuiteContext): void {
  describe('commitMessage', () => {
    it('creates the message, the member and the deliveries together; memberAdded is true only the first time', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const sender = await store.createParticipant(makeParticipant())
      const member = { roomId: room.id, participantId: sender.id, joinedAt: isoAt(0) }
      const message = makeMessage(room.id, { insertedAt: isoAt(10), senderId: sender.id })
      const deliveries = [
        makeDelivery(room.id, message.id, { insertedAt: isoAt(12) }),
        makeDelivery(room.id, message.id, { insertedAt: isoAt(11) }),
      ]
      const result = await store.commitMessage({ message, deliveries, member, dedupe: { key: `k_${uniqueSuffix()}`, ...window(0) } })
      expect(result).toEqual({ status: 'created', message, memberAdded: true })
      expect(await store.getMessage(message.id)).toEqual(message)
      expect(await store.listRoomMembers(room.id)).toEqual([member])
      expect(await store.listDeliveries(message.id)).toEqual([...deliveries].sort(byKey))

      const second = makeMessage(room.id, { insertedAt: isoAt(20), senderId: sender.id })
      const again = await store.commitMessage({ message: second, member: { ...member, joinedAt: isoAt(20) } })
      expect(again).toEqual({ status: 'created', message: second, memberAdded: false })
      expect(await store.listRoomMembers(room.id)).toEqual([member])
      expect(await store.countMessages(room.id)).toBe(2)
      expect(await store.listDeliveries(second.id)).toEqual([])
    })

    it('without a member, memberAdded is false', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const message = makeMessage(room.id)
      expect(await store.commitMessage({ message })).toEqual({ status: 'created', message, memberAdded: false })
    })

    it('a claimed key resolves duplicate with the first message id and writes nothing', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const key = `k_${uniqueSuffix()}`
      const first = makeMessage(room.id)
      await store.commitMessage({ message: first, dedupe: { key, ...window(0) } })

      const sender = await store.createParticipant(makeParticipant())
      const second = makeMessage(room.id)
      const delivery = makeDelivery(room.id, second.id)
      const result = await store.commitMessage({
        message: second,
        deliveries: [delivery],
        member: { roomId: room.id, participantId: sender.id, joinedAt: isoAt(1) },
        dedupe: { key, ...window(59_999) },
      })
      expect(result).toEqual({ status: 'duplicate', messageId: first.id })
      expect(await store.getMessage(second.id)).toBeNull()
      expect(await store.getDelivery(delivery.id)).toBeNull()
      expect(await store.listRoomMembers(room.id)).toEqual([])
      expect(await store.countMessages(room.id)).toBe(1)
    })

    it('a key claimed by claimDedupeKey is a duplicate with messageId null, and a committed key blocks claimDedupeKey', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const claimed = `k_${uniqueSuffix()}`
      expect(await store.claimDedupeKey(claimed, window(0))).toBe(true)
      const message = makeMessage(room.id)
      expect(await store.commitMessage({ message, dedupe: { key: claimed, ...window(10) } })).toEqual({
        status: 'duplicate',
        messageId: null,
      })
      expect(await store.getMessage(message.id)).toBeNull()

      const committed = `k_${uniqueSuffix()}`
      await store.commitMessage({ message, dedupe: { key: committed, ...window(0) } })
      expect(await store.claimDedupeKey(committed, window(10))).toBe(false)
    })

    it('50 concurrent commits with one dedupe key: exactly one is created, all others are duplicates of it', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const key = `k_${uniqueSuffix()}`
      const messages = Array.from({ length: 50 }, () => makeMessage(room.id))
      const results = await concurrently(50, (i) =>
        store.commitMessage({
          message: messages[i]!,
          deliveries: [makeDelivery(room.id, messages[i]!.id)],
          dedupe: { key, ...window(0) },
        }))
      const created = results.filter((r) => r.status === 'created')
      expect(created).toHaveLength(1)
      const winner = created[0]!.message.id
      for (const r of results) if (r.status === 'duplicate') expect(r.messageId).toBe(winner)
      expect(await store.countMessages(room.id)).toBe(1)
      const losers = messages.filter((m) => m.id !== winner)
      for (const m of losers) expect(await store.listDeliveries(m.id)).toEqual([])
      expect(await store.listDeliveries(winner)).toHaveLength(1)
    }, 60_000)

    it('many concurrent commits (distinct keys, some repeated, shared senders) end as if run one by one', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const senders = await Promise.all([0, 1, 2].map(() => store.createParticipant(makeParticipant())))
      const suffix = uniqueSuffix()
      // 60 commits over 40 keys (keys 0..19 twice), by three senders, each with one delivery.
      const plan = Array.from({ length: 60 }, (_, i) => ({ key: `k_${suffix}_${i % 40}`, sender: senders[i % 3]!, message: makeMessage(room.id) }))
      const held = `k_${suffix}_held`
      const before = makeMessage(room.id)
      await store.commitMessage({ message: before, dedupe: { key: held, ...window(0) } })
      plan.push({ key: held, sender: senders[0]!, message: makeMessage(room.id) })
      const results = await concurrently(plan.length, (i) => store.commitMessage({
        message: plan[i]!.message,
        deliveries: [makeDelivery(room.id, plan[i]!.message.id)],
        member: { roomId: room.id, participantId: plan[i]!.sender.id, joinedAt: isoAt(i) },
        dedupe: { key: plan[i]!.key, ...window(1) },
      }))
      const winnerOf = new Map<string, string>()
      results.forEach((r, i) => {
        if (r.status === 'created') {
          expect(winnerOf.has(plan[i]!.key)).toBe(false)
          winnerOf.set(plan[i]!.key, r.message.id)
        }
      })
      expect(winnerOf.size).toBe(40)
      results.forEach((r, i) => {
        if (r.status === 'duplicate') expect(r.messageId).toBe(plan[i]!.key === held ? before.id : winnerOf.get(plan[i]!.key))
      })
      expect(results.at(-1)).toEqual({ status: 'duplicate', messageId: before.id })
      // Each sender joined once: exactly one created commit per sender reports memberAdded.
      for (const sender of senders) {
        const added = results.filter((r, i) => r.status === 'created' && r.memberAdded && plan[i]!.sender.id === sender.id)
        expect(added).toHaveLength(1)
      }
      expect((await store.listRoomMembers(room.id)).map((m) => m.participantId).sort()).toEqual(senders.map((s) => s.id).sort())
      expect(await store.countMessages(room.id)).toBe(41)
      for (const [i, r] of results.entries()) {
        expect(await store.listDeliveries(plan[i]!.message.id)).toHaveLength(r.status === 'created' ? 1 : 0)
      }
    }, 60_000)

    it('among concurrent commits, one that fails rejects alone; the others commit', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const existing = await store.insertMessage(makeMessage(room.id))
      const suffix = uniqueSuffix()
      const messages = Array.from({ length: 20 }, (_, i) => (i === 7 ? makeMessage(room.id, { id: existing.id }) : makeMessage(room.id)))
      const settled = await Promise.allSettled(messages.map((message, i) =>
        store.commitMessage({ message, deliveries: [makeDelivery(room.id, message.id)], dedupe: { key: `k_${suffix}_${i}`, ...window(0) } })))
      settled.forEach((s, i) => expect(s.status).toBe(i === 7 ? 'rejected' : 'fulfilled'))
      await expectCode(Promise.reject((settled[7] as PromiseRejectedResult).reason), 'CONFLICT')
      expect(await store.countMessages(room.id)).toBe(20)
      // The failed commit kept no claim: its key is free for a retry.
      const retry = makeMessage(room.id)
      expect(await store.commitMessage({ message: retry, dedupe: { key: `k_${suffix}_7`, ...window(1) } })).toEqual({ status: 'created', message: retry, memberAdded: false })
    }, 60_000)

    it('a commit whose message id is taken writes nothing: no claim, no member, no delivery', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const existing = await store.insertMessage(makeMessage(room.id))
      const sender = await store.createParticipant(makeParticipant())
      const member = { roomId: room.id, participantId: sender.id, joinedAt: isoAt(0) }
      const key = `k_${uniqueSuffix()}`
      const delivery = makeDelivery(room.id, existing.id)
      await expectCode(
        store.commitMessage({ message: makeMessage(room.id, { id: existing.id }), deliveries: [delivery], member, dedupe: { key, ...window(0) } }),
        'CONFLICT',
      )
      expect(await store.getDelivery(delivery.id)).toBeNull()
      expect(await store.listRoomMembers(room.id)).toEqual([])
      expect(await store.getMessage(existing.id)).toEqual(existing)

      // The key was not kept: a retry with the same key succeeds.
      const retry = makeMessage(room.id)
      const result = await store.commitMessage({ message: retry, deliveries: [delivery], member, dedupe: { key, ...window(1) } })
      expect(result).toEqual({ status: 'created', message: retry, memberAdded: true })
      expect(await store.getDelivery(delivery.id)).toEqual(delivery)
    })

    it('a commit into a room that does not exist rejects NOT_FOUND and keeps no claim', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const key = `k_${uniqueSuffix()}`
      const ghost = `room_missing_${uniqueSuffix()}`
      const orphan = makeMessage(ghost)
      const delivery = makeDelivery(ghost, orphan.id)
      await expectCode(store.commitMessage({ message: orphan, deliveries: [delivery], dedupe: { key, ...window(0) } }), 'NOT_FOUND')
      expect(await store.getMessage(orphan.id)).toBeNull()
      expect(await store.getDelivery(delivery.id)).toBeNull()
      const retry = makeMessage(room.id)
      expect((await store.commitMessage({ message: retry, dedupe: { key, ...window(1) } })).status).toBe('created')
    })

    it('a commit whose delivery id is taken writes nothing: no message, no claim, no member', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const first = makeMessage(room.id)
      const taken = makeDelivery(room.id, first.id)
      await store.commitMessage({ message: first, deliveries: [taken] })

      const sender = await store.createParticipant(makeParticipant())
      const member = { roomId: room.id, participantId: sender.id, joinedAt: isoAt(0) }
      const key = `k_${uniqueSuffix()}`
      const message = makeMessage(room.id)
      const fresh = makeDelivery(room.id, message.id)
      await expectCode(
        store.commitMessage({
          message,
          deliveries: [fresh, makeDelivery(room.id, message.id, { id: taken.id })],
          member,
          dedupe: { key, ...window(0) },
        }),
        'CONFLICT',
      )
      expect(await store.getMessage(message.id)).toBeNull()
      expect(await store.getDelivery(fresh.id)).toBeNull()
      expect(await store.getDelivery(taken.id)).toEqual(taken)
      expect(await store.listRoomMembers(room.id)).toEqual([])
      expect(await store.commitMessage({ message, deliveries: [fresh], member, dedupe: { key, ...window(1) } })).toEqual({
        status: 'created',
        message,
        memberAdded: true,
      })
      expect(idsOf(await store.listDeliveries(message.id))).toEqual([fresh.id])
    })

    it('an expired claim (expiresAt <= now) is free again; the new commit then holds it', async () => {
      const store = ctx.store()
      const room = await seedRoom(store)
      const key = `k_${uniqueSuffix()}`
      const first = makeMessage(room.id)
      await store.commitMessage({ message: first, dedupe: { key, now: isoAt(0), expiresAt: isoAt(1000) } })
      const blocked = makeMessage(room.id)
      expect(await store.commitMessage({ message: blocked, dedupe: { key, now: isoAt(999), expiresAt: isoAt(2000) } })).toEqual({
        status: 'duplicate',
        messageId: first.id,
      })
      const second = makeMessage(room.id)
      expect((await store.commitMessage({ message: second, dedupe: { key, now: isoAt(1000), expiresAt: isoAt(5000) } })).status).toBe(
        'created',
      )
      const third = makeMessage(room.id)
      expect(await store.commitMessage({ message: third, dedupe: { key, now: isoAt(1500), expiresAt: isoAt(9000) } })).toEqual({
        status: 'duplicate',
        messageId: second.id,
      })
      expect(await store.countMessages(room.id)).toBe(2)
    })
  })
}
