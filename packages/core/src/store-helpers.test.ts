import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { compositeKey } from './store-helpers.js'

describe('compositeKey', () => {
  it('is exactly JSON.stringify of its parts (the persisted format)', () => {
    for (const parts of [[], [''], ['ingest', 'webhook', 'wh', 'room-1', 'ext-1'], ['a"b', 'c\\d'], ['\u0000', '\u001f', '\u007f'],
      ['😀', 'a\ud800', '\udc00b', 'é ü'], ['line\nbreak', 'tab\t'], ['\u2028\u2029']]) {
      expect(compositeKey(...parts)).toBe(JSON.stringify(parts))
    }
    fc.assert(fc.property(fc.array(fc.string({ unit: 'binary' })), (parts) => compositeKey(...parts) === JSON.stringify(parts)))
    fc.assert(fc.property(fc.array(fc.string({ unit: 'grapheme' })), (parts) => compositeKey(...parts) === JSON.stringify(parts)))
  }, 60_000)
})
