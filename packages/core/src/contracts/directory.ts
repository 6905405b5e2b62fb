import type { Page, Participant, Room } from '../model.js'

/** A directory query; the keys given are ANDed. `nameContains` is a case-insensitive substring. */
export interface DirectoryQuery {
  id?: string
  nameContains?: string
  /** Participants: with `externalId`, the owner of `(channel, externalId)`. Rooms: with `bridgeId` and `externalId`, the room bound there. */
  channel?: string
  bridgeId?: string
  externalId?: string
}

/**
 * Directory reads (SPEC 9). Results are ordered by id; `cursor` continues after the last id of the
 * previous page. A name query MUST NOT scan every row of a large store (SQL stores keep an index of
 * name trigrams or equivalent).
 */
export interface DirectoryStore {
  /** Participants whose `identity.name` matches (and the other keys given). */
  searchParticipants(query: DirectoryQuery, options: { limit: number; cursor?: string }): Promise<Page<Participant>>
  /** Rooms whose name matches, or that are bound at `(channel, bridgeId, externalId)`. */
  searchRooms(query: DirectoryQuery, options: { limit: number; cursor?: string }): Promise<Page<Room>>
}
