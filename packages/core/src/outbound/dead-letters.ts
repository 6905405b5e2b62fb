import { z } from 'zod'
import type { DeadLetter, OutboxDelivery, RuntimeStore } from '../contracts/runtime-store.js'
import { DeadLetterStatuses } from '../contracts/runtime-store.js'
import { MessagingError, NotFoundError } from '../errors.js'
import { nowIso } from '../ids.js'
import { parse, requireId } from '../validate.js'

const ListSchema = z.strictObject({
  status: z.enum(DeadLetterStatuses).optional(),
  limit: z.number().int().min(1).max(1000).default(100),
  cursor: z.string().min(1).optional(),
})
const PurgeSchema = z.strictObject({
  status: z.enum(DeadLetterStatuses).optional(),
  olderThanMs: z.number().int().min(0).optional(),
})

export function deadLettersApi(store: RuntimeStore, kick: () => void) {
  return {
    /** Dead letters, newest first, a page at a time: pass `nextCursor` back as `cursor` (absent on the last page). */
    async listDeadLetters(options: z.input<typeof ListSchema> = {}): Promise<{ deadLetters: DeadLetter[]; nextCursor?: string }> {
      const o = parse(ListSchema, options, 'listDeadLetters options')
      const page = await store.listDeadLetters({ limit: o.limit, ...(o.status ? { status: o.status } : {}), ...(o.cursor ? { cursor: o.cursor } : {}) })
      return { deadLetters: page.items, ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) }
    },

    getDeadLetter(id: string): Promise<DeadLetter | null> {
      return store.getDeadLetter(requireId(id, 'id'))
    },

    /** Sends a dead letter's delivery again with the same delivery id (so the platform side can deduplicate). */
    async replayDeadLetter(id: string): Promise<{ deadLetter: DeadLetter; delivery: OutboxDelivery }> {
      requireId(id, 'id')
      const current = await store.getDeadLetter(id)
      if (!current) throw new NotFoundError(`dead letter ${id} not found`, { deadLetterId: id })
      if (current.status !== 'active') {
        throw new MessagingError(`dead letter ${id} is ${current.status}; only active dead letters can be replayed`, { code: 'INVALID_TRANSITION', details: { status: current.status } })
      }
      const result = await store.replayDeadLetter(id, nowIso())
      if (!result) throw new NotFoundError(`dead letter ${id} not found`, { deadLetterId: id })
      kick()
      return result
    },

    /** Keeps a dead letter for the record but out of the active list. */
    async archiveDeadLetter(id: string): Promise<DeadLetter> {
      requireId(id, 'id')
      const current = await store.getDeadLetter(id)
      if (!current) throw new NotFoundError(`dead letter ${id} not found`, { deadLetterId: id })
      if (current.status === 'archived') return current
      return store.saveDeadLetter({ ...current, status: 'archived', updatedAt: nowIso() })
    },

    /** Deletes dead letters (optionally of one status, older than `olderThanMs`); resolves how many. */
    async purgeDeadLetters(options: z.input<typeof PurgeSchema> = {}): Promise<number> {
      const o = parse(PurgeSchema, options, 'purgeDeadLetters options')
      return store.purgeDeadLetters({
        ...(o.status ? { status: o.status } : {}),
        ...(o.olderThanMs === undefined ? {} : { insertedBefore: new Date(Date.now() - o.olderThanMs).toISOString() }),
      })
    },
  }
}
