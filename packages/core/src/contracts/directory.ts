import type { Page, Participant, Room } from '../model.js'

/** What the directory looks up: participants or rooms. */
export type DirectoryTarget = 'participant' | 'room'

/**
 * A directory query (SPEC 9); the keys given are ANDed.
 * - `id`: exact id.
 * - `name`: case-insensitive substring of the participant's `identity.name` or the room's `name`; both
 *   sides go through `foldDirectoryName` (NFC, lower case, first 1000 characters).
 * - participants: `channel` with `externalId`: the owner of that external user id.
 * - rooms: `channel` with `bridgeId` and `externalId`: the room bound at that binding key.
 *
 * Core validates it (at least one key; the external keys only together) before a store sees it.
 */
export interface DirectoryQuery {
  id?: string
  name?: string
  channel?: string
  bridgeId?: string
  externalId?: string
}

export interface DirectorySearchOptions {
  /** 1..1000 */
  limit: number
  /** A `nextCursor` of the previous page (`encodeDirectoryCursor`); another value rejects with `INVALID_CURSOR`. */
  cursor?: string
}

/**
 * Directory reads (SPEC 9). Results are ordered by id (bytewise, as JS compares strings); `cursor`
 * continues after the last id the previous page covered. A name query MUST NOT scan every row of a large
 * store: SQL stores keep an index of name trigrams (queries shorter than 3 characters scan the narrow
 * name table in id order).
 *
 * A store MAY bound the work of one call: it then returns the matches it found with a `nextCursor`, so
 * a page can hold fewer than `limit` items (even none) and still have a next one. Only a page without
 * `nextCursor` is the last.
 */
export interface DirectoryStore {
  /** Participants matching the query, by id. */
  searchParticipants(query: DirectoryQuery, options: DirectorySearchOptions): Promise<Page<Participant>>
  /** Rooms matching the query (the binding key is matched against room bindings), by id. */
  searchRooms(query: DirectoryQuery, options: DirectorySearchOptions): Promise<Page<Room>>
}
