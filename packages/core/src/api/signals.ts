import { z } from 'zod'
import type { Signal } from '../contracts/signal-bus.js'
import { nowIso } from '../ids.js'
import { literalPrefix } from '../signals/feed.js'
import { compilePattern } from '../signals/pattern.js'
import { parse } from '../validate.js'
import type { Context } from './context.js'

const ReadSignalsSchema = z.strictObject({
  after: z.number().int().min(0).optional(),
  limit: z.number().int().min(1).max(1000).default(100),
  pattern: z.string().min(1).max(500).default('jido.messaging.**'),
  roomId: z.string().min(1).optional(),
})
export type ReadSignalsOptions = z.input<typeof ReadSignalsSchema>

export interface ReadSignalsResult {
  /** Matching journaled signals after `after`, in position order, each carrying its `position`. */
  signals: Signal[]
  /** Pass as `after` to read on: the last returned position, or the last one examined. */
  nextPosition: number
  /** Whether entries after `nextPosition` existed when this page was read. */
  hasMore: boolean
}

/** Journal entries a read examines at most before it returns a short page (a pattern that rarely matches). */
const SCAN_BUDGET = 10_000

export function signalsApi(ctx: Context, retentionMs: number) {
  const { store } = ctx
  return {
    /**
     * Reads the signal journal: up to `limit` signals after position `after` (default: the oldest
     * retained), filtered by pattern and room. `CURSOR_EXPIRED` when `after` was pruned.
     */
    async readSignals(options: ReadSignalsOptions = {}): Promise<ReadSignalsResult> {
      const opts = parse(ReadSignalsSchema, options, 'readSignals options')
      const matches = compilePattern(opts.pattern)
      const typePrefix = literalPrefix(opts.pattern)
      let cursor = opts.after ?? (await store.journalHead()).prunedThrough
      const signals: Signal[] = []
      let scanned = 0
      const page = Math.max(opts.limit, 100)
      for (;;) {
        const entries = await store.readJournal({
          after: cursor,
          limit: page,
          ...(opts.roomId === undefined ? {} : { roomId: opts.roomId }),
          ...(typePrefix === '' ? {} : { typePrefix }),
        })
        for (const entry of entries) {
          cursor = entry.position
          if (!matches(entry.signal.type)) continue
          signals.push(entry.signal)
          if (signals.length === opts.limit) {
            const rest = entries.at(-1)!.position > cursor || entries.length === page
            return { signals, nextPosition: cursor, hasMore: rest || (await store.readJournal({ after: cursor, limit: 1, ...(opts.roomId === undefined ? {} : { roomId: opts.roomId }) })).length > 0 }
          }
        }
        scanned += entries.length
        if (entries.length < page) return { signals, nextPosition: cursor, hasMore: false }
        if (scanned >= SCAN_BUDGET) return { signals, nextPosition: cursor, hasMore: true }
      }
    },

    /** Prunes journal entries older than the retention (or `olderThanMs`); resolves how many. The runtime also does this hourly. */
    async pruneSignals(options: { olderThanMs?: number } = {}): Promise<number> {
      const age = parse(z.number().int().min(0).default(retentionMs), options.olderThanMs, 'olderThanMs')
      return store.pruneJournal({ before: new Date(Date.parse(nowIso()) - age).toISOString() })
    },
  }
}
