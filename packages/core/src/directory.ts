import { InvalidCursorError } from './errors.js'
import type { DirectoryTarget } from './contracts/directory.js'

// Helpers every store uses for the directory (SPEC 9), so that all stores fold names, cut grams and
// encode cursors the same way and a cursor or a match means the same thing on each of them.

/** Names are matched on their first this many characters (code points); longer names are cut there. */
export const DIRECTORY_NAME_MAX = 1000

/** Grams are this many characters (code points) long: a query shorter than this has no gram. */
export const DIRECTORY_GRAM_LENGTH = 3

/**
 * The searchable form of a name: Unicode NFC, lower-cased (locale-independent), cut to
 * {@link DIRECTORY_NAME_MAX} characters. Both the stored name and the query go through it, so a match
 * is a case-insensitive substring match. Anything but a non-empty string folds to `undefined`.
 */
export function foldDirectoryName(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return undefined
  const folded = name.normalize('NFC').toLowerCase()
  if (folded.length <= DIRECTORY_NAME_MAX) return folded
  // More UTF-16 units than the cap: count code points so a surrogate pair is never split.
  const chars = Array.from(folded)
  return chars.length <= DIRECTORY_NAME_MAX ? folded : chars.slice(0, DIRECTORY_NAME_MAX).join('')
}

/**
 * The distinct trigrams (3 code points) of a folded name, in first-seen order; none for names shorter
 * than 3 characters. A name contains a query of 3 or more characters only if it has every gram of it.
 */
export function directoryGrams(folded: string): string[] {
  const chars = Array.from(folded)
  const grams = new Set<string>()
  for (let i = 0; i + DIRECTORY_GRAM_LENGTH <= chars.length; i++) {
    grams.add(chars[i]! + chars[i + 1]! + chars[i + 2]!)
  }
  return [...grams]
}

/** Whether a stored (unfolded) name matches an already folded query. */
export function directoryNameMatches(name: unknown, foldedQuery: string): boolean {
  const folded = foldDirectoryName(name)
  return folded !== undefined && folded.includes(foldedQuery)
}

/** An opaque directory page cursor: continue after entry `id` of `target`. */
export function encodeDirectoryCursor(target: DirectoryTarget, id: string): string {
  return Buffer.from(JSON.stringify(['dir', target, id]), 'utf8').toString('base64url')
}

/**
 * The id a cursor made by {@link encodeDirectoryCursor} continues after; a cursor of another target, of
 * another listing or not a cursor at all rejects with `INVALID_CURSOR`.
 */
export function decodeDirectoryCursor(target: DirectoryTarget, cursor: string): string {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    if (Array.isArray(value) && value.length === 3 && value[0] === 'dir' && value[1] === target &&
      typeof value[2] === 'string' && value[2].length > 0) {
      return value[2]
    }
  } catch {
    // fall through to the typed error
  }
  throw new InvalidCursorError(`invalid ${target} directory cursor: ${JSON.stringify(cursor)}`, { cursor })
}
