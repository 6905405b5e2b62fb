import { decodeKeyCursor, encodeKeyCursor, type Page, type StoreListOptions } from '@jido-messaging/core'
import type { SortedKeys } from './sorted-keys.js'

/**
 * One keyset page over `order`: the first `limit` records after the cursor that pass `accept`.
 * `lookup` resolves a key's id to the (already copied) record to return.
 */
export function keysetPage<T extends { insertedAt: string; id: string }>(
  order: SortedKeys | undefined,
  options: StoreListOptions,
  lookup: (id: string) => T | undefined,
  accept: (record: T) => boolean = () => true,
): Page<T> {
  const after = options.cursor === undefined ? undefined : decodeKeyCursor(options.cursor)
  const items: T[] = []
  if (order === undefined) return { items }
  const keys = order.keys
  for (let i = after === undefined ? 0 : order.upperBound(after); i < keys.length; i++) {
    const record = lookup(keys[i]!.id)
    if (record === undefined || !accept(record)) continue
    if (items.length === options.limit) {
      const last = items[items.length - 1]!
      return { items, nextCursor: encodeKeyCursor({ insertedAt: last.insertedAt, id: last.id }) }
    }
    items.push(record)
  }
  return { items }
}
