import { describe, expect, it } from 'vitest'
import { newId, nowIso } from './ids.js'

describe('ids', () => {
  it('are prefixed by type and strictly increasing within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => newId('message'))
    expect(ids.every((id) => id.startsWith('msg_'))).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(ids)
  })

  it('nowIso is ISO-8601 UTC with milliseconds and never goes backwards', () => {
    const times = Array.from({ length: 1000 }, () => nowIso())
    expect(times[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect([...times].sort()).toEqual(times)
  })
})

describe('id format', () => {
  it('is a 26-character Crockford base32 ULID whose time part decodes to now', () => {
    const before = Date.now()
    const id = newId('room').slice(5)
    const after = Date.now()
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/)
    const ms = [...id.slice(0, 10)].reduce((acc, c) => acc * 32 + '0123456789ABCDEFGHJKMNPQRSTVWXYZ'.indexOf(c), 0)
    expect(ms).toBeGreaterThanOrEqual(before)
    expect(ms).toBeLessThanOrEqual(after)
  })
})

describe('id randomness', () => {
  it('counts up by one within a millisecond, carries included', () => {
    const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
    const decode = (text: string) => [...text].reduce((acc, c) => acc * 32n + BigInt(alphabet.indexOf(c)), 0n)
    const ids = Array.from({ length: 5000 }, () => newId('signal').slice(4))
    let sameMs = 0
    for (let i = 1; i < ids.length; i++) {
      if (ids[i]!.slice(0, 10) !== ids[i - 1]!.slice(0, 10)) continue
      sameMs++
      expect(decode(ids[i]!.slice(10)) - decode(ids[i - 1]!.slice(10))).toBe(1n)
    }
    expect(sameMs).toBeGreaterThan(100)
  })
})

