import { z } from 'zod'
import { NotFoundError } from '../errors.js'
import { newId, nowIso } from '../ids.js'
import {
  ThreadInputSchema,
  ThreadRecordSchema,
  ThreadStatuses,
  type Thread,
  type ThreadInput,
} from '../model.js'
import { parse, requireId } from '../validate.js'
import type { Context } from './context.js'

const ListThreadsOptionsSchema = z.strictObject({
  limit: z.number().int().min(1).max(1000).default(50),
  cursor: z.string().min(1).optional(),
  status: z.enum(ThreadStatuses).optional(),
})
export type ListThreadsOptions = z.input<typeof ListThreadsOptionsSchema>

function makeThread(input: z.output<typeof ThreadInputSchema>): Thread {
  const now = nowIso()
  const { id, insertedAt, updatedAt, ...rest } = input
  return { ...rest, id: id ?? newId('thread'), insertedAt: insertedAt ?? now, updatedAt: updatedAt ?? insertedAt ?? now }
}

export function threadsApi(ctx: Context) {
  const { store } = ctx

  async function checkRefs(thread: Thread): Promise<void> {
    if (!(await store.getRoom(thread.roomId))) throw new NotFoundError(`room ${thread.roomId} not found`, { roomId: thread.roomId })
    if (thread.rootMessageId !== undefined) {
      const root = await store.getMessage(thread.rootMessageId)
      if (!root || root.roomId !== thread.roomId) {
        throw new NotFoundError(`root message ${thread.rootMessageId} not found in room ${thread.roomId}`, { rootMessageId: thread.rootMessageId })
      }
    }
  }

  return {
    /** Creates a thread (low-level: no signal). CONFLICT when the room has a thread with that external id or root. */
    async saveThread(attrs: ThreadInput): Promise<Thread> {
      const thread = makeThread(parse(ThreadInputSchema, attrs, 'thread'))
      await checkRefs(thread)
      return store.insertThread(thread)
    },

    /** Saves a whole thread record (insert or replace by id). */
    async saveThreadRecord(record: ThreadInput & { id: string }): Promise<Thread> {
      const input = parse(ThreadRecordSchema, record, 'thread record')
      const thread = makeThread({ ...input, updatedAt: nowIso() })
      await checkRefs(thread)
      return store.saveThread(thread)
    },

    getThread(id: string): Promise<Thread | null> {
      return store.getThread(requireId(id, 'id'))
    },

    getThreadByExternalId(roomId: string, externalThreadId: string): Promise<Thread | null> {
      return store.getThreadByExternalId(requireId(roomId, 'roomId'), requireId(externalThreadId, 'externalThreadId'))
    },

    getThreadByRootMessageId(roomId: string, rootMessageId: string): Promise<Thread | null> {
      return store.getThreadByRootMessageId(requireId(roomId, 'roomId'), requireId(rootMessageId, 'rootMessageId'))
    },

    /** A room's threads in creation order, a page at a time, optionally by status. */
    async listThreads(roomId: string, options: ListThreadsOptions = {}): Promise<{ threads: Thread[]; nextCursor?: string }> {
      requireId(roomId, 'roomId')
      const opts = parse(ListThreadsOptionsSchema, options, 'listThreads options')
      const page = await store.listThreads(roomId, {
        limit: opts.limit,
        ...(opts.cursor === undefined ? {} : { cursor: opts.cursor }),
        ...(opts.status === undefined ? {} : { status: opts.status }),
      })
      return { threads: page.items, ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) }
    },
  }
}
