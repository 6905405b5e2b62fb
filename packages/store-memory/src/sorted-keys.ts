import { compareKeys, type MessageKey } from '@jido-messaging/core'

/**
 * A sorted array of (insertedAt, id) keys. Lookups are binary searches, so seeking a page costs
 * O(log n); inserts and removals splice, which is a memmove and stays cheap at 100k keys.
 */
export class SortedKeys {
  readonly keys: MessageKey[] = []

  get size(): number {
    return this.keys.length
  }

  /** Index of the first key >= `key`. */
  lowerBound(key: MessageKey): number {
    let lo = 0
    let hi = this.keys.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compareKeys(this.keys[mid]!, key) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Index of the first key > `key`. */
  upperBound(key: MessageKey): number {
    let lo = 0
    let hi = this.keys.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compareKeys(this.keys[mid]!, key) <= 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  insert(key: MessageKey): void {
    const copy = { insertedAt: key.insertedAt, id: key.id }
    const last = this.keys[this.keys.length - 1]
    // Appending is the common case (keys arrive in order), so skip the search for it.
    if (last === undefined || compareKeys(last, copy) < 0) this.keys.push(copy)
    else this.keys.splice(this.lowerBound(copy), 0, copy)
  }

  remove(key: MessageKey): boolean {
    const at = this.lowerBound(key)
    const found = this.keys[at]
    if (found === undefined || compareKeys(found, key) !== 0) return false
    this.keys.splice(at, 1)
    return true
  }
}
