import { z } from 'zod'
import type { DirectoryQuery, DirectoryStore, DirectoryTarget } from '../contracts/directory.js'
import type { MessagingStore } from '../contracts/store.js'
import { decodeDirectoryCursor } from '../directory.js'
import { AmbiguousError, NotFoundError, UnsupportedError } from '../errors.js'
import type { Page, Participant, Room } from '../model.js'
import { parse } from '../validate.js'
import type { Context } from './context.js'

// The directory (SPEC 9): find participants and rooms by id, name or platform identity.

/** How many matches an AMBIGUOUS error lists in `details.matches`. */
export const AMBIGUOUS_MATCHES_MAX = 20

const id = z.string().min(1).max(255)
const name = z.string().min(1).max(1000)
const channel = z.string().min(1).max(255)

const TargetSchema = z.enum(['participant', 'room'])

const needsAKey = (q: DirectoryQuery) => q.id !== undefined || q.name !== undefined || q.channel !== undefined ||
  q.bridgeId !== undefined || q.externalId !== undefined

const ParticipantQuerySchema = z.strictObject({
  id: id.optional(),
  name: name.optional(),
  channel: channel.optional(),
  externalId: z.string().min(1).max(255).optional(),
})
  .refine(needsAKey, { message: 'give at least one of id, name, or channel with externalId' })
  .refine((q) => (q.channel === undefined) === (q.externalId === undefined), {
    message: 'channel and externalId go together', path: ['externalId'],
  })

const RoomQuerySchema = z.strictObject({
  id: id.optional(),
  name: name.optional(),
  channel: channel.optional(),
  bridgeId: z.string().min(1).max(255).optional(),
  externalId: z.string().min(1).max(1000).optional(),
})
  .refine(needsAKey, { message: 'give at least one of id, name, or channel with bridgeId and externalId' })
  .refine((q) => [q.channel, q.bridgeId, q.externalId].every((v) => v === undefined) ||
    [q.channel, q.bridgeId, q.externalId].every((v) => v !== undefined), {
    message: 'channel, bridgeId and externalId go together', path: ['externalId'],
  })

const SearchOptionsSchema = z.strictObject({
  limit: z.number().int().min(1).max(1000).default(50),
  cursor: z.string().min(1).max(2000).optional(),
})

export type DirectorySearchOptionsInput = z.input<typeof SearchOptionsSchema>

/** A page of directory results, ordered by id; pass `nextCursor` as `cursor` for the next one. */
export interface DirectorySearchResult<T> {
  items: T[]
  /** Absent on the last page. A page may hold fewer than `limit` items and still have a next one. */
  nextCursor?: string
}

type Entry<T extends DirectoryTarget> = T extends 'participant' ? Participant : Room

export interface DirectoryApi {
  /**
   * The one participant or room matching `query`: `NOT_FOUND` when none does, `AMBIGUOUS` (with
   * `details.matches`, the first 20 by id, and `details.truncated`) when several do.
   */
  directoryLookup<T extends DirectoryTarget>(target: T, query: DirectoryQuery): Promise<Entry<T>>
  /** Participants or rooms matching `query`, by id, a page at a time (`limit` default 50, at most 1000). */
  directorySearch<T extends DirectoryTarget>(target: T, query: DirectoryQuery, options?: DirectorySearchOptionsInput): Promise<DirectorySearchResult<Entry<T>>>
}

export function directoryApi(ctx: Context): DirectoryApi {
  const store = ctx.store as MessagingStore & Partial<DirectoryStore>

  const checked = (target: unknown, query: unknown): { target: DirectoryTarget; query: DirectoryQuery } => {
    const t = parse(TargetSchema, target, 'directory target')
    const q = parse(t === 'participant' ? ParticipantQuerySchema : RoomQuerySchema, query, `${t} directory query`)
    return { target: t, query: stripUndefined(q) }
  }

  const search = (target: DirectoryTarget, query: DirectoryQuery, limit: number, cursor: string | undefined): Promise<Page<Participant | Room>> => {
    if (typeof store.searchParticipants !== 'function' || typeof store.searchRooms !== 'function') {
      return Promise.reject(new UnsupportedError(`[core] ${store.name} has no directory (searchParticipants, searchRooms)`))
    }
    const options = cursor === undefined ? { limit } : { limit, cursor }
    return target === 'participant' ? store.searchParticipants(query, options) : store.searchRooms(query, options)
  }

  return {
    async directoryLookup(target, query) {
      const q = checked(target, query)
      const matches: Array<Participant | Room> = []
      let cursor: string | undefined
      // A store may return short pages (it bounds the work of one call): follow the cursor until the
      // answer is certain, that is the end or one more match than the error lists.
      do {
        const page = await search(q.target, q.query, AMBIGUOUS_MATCHES_MAX + 1 - matches.length, cursor)
        matches.push(...page.items)
        cursor = page.nextCursor
      } while (cursor !== undefined && matches.length <= AMBIGUOUS_MATCHES_MAX)
      if (matches.length === 0) {
        throw new NotFoundError(`no ${q.target} matches ${JSON.stringify(q.query)}`, { target: q.target, query: q.query })
      }
      if (matches.length > 1) {
        const truncated = matches.length > AMBIGUOUS_MATCHES_MAX || cursor !== undefined
        throw new AmbiguousError(`${truncated ? 'more than ' : ''}${Math.min(matches.length, AMBIGUOUS_MATCHES_MAX)} ${q.target}s match ${JSON.stringify(q.query)}`, {
          target: q.target, query: q.query, matches: matches.slice(0, AMBIGUOUS_MATCHES_MAX), truncated,
        })
      }
      return matches[0]! as never
    },

    async directorySearch(target, query, options = {}) {
      const q = checked(target, query)
      const { limit, cursor } = parse(SearchOptionsSchema, options, 'directorySearch options')
      // Checked here too, so a foreign or mangled cursor is INVALID_CURSOR whatever the store does with it.
      if (cursor !== undefined) decodeDirectoryCursor(q.target, cursor)
      const page = await search(q.target, q.query, limit, cursor)
      return (page.nextCursor === undefined ? { items: page.items } : { items: page.items, nextCursor: page.nextCursor }) as never
    },
  }
}

function stripUndefined(query: DirectoryQuery): DirectoryQuery {
  const out: DirectoryQuery = {}
  for (const key of ['id', 'name', 'channel', 'bridgeId', 'externalId'] as const) {
    if (query[key] !== undefined) out[key] = query[key]
  }
  return out
}
