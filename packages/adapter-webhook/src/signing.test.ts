import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { computeSignature, signWebhookBody, verifyWebhookSignature } from './signing.js'

const secret = 'whsec_test'
const rawBody = '{"id":"m-1","room":"r-1","user":"u-1","text":"héllo"}'
const ts = 1_700_000_000
const nowMs = ts * 1000

// Computed here with node:crypto, independently of signing.ts, from the SPEC 6.1 recipe.
const vector = `v1=${createHmac('sha256', secret).update(`${ts}.${rawBody}`, 'utf8').digest('hex')}`

describe('signWebhookBody', () => {
  it('signs "<timestamp>.<raw body>" with HMAC-SHA256 as v1=<hex>', () => {
    expect(signWebhookBody(secret, rawBody, ts)).toEqual({ 'x-jido-timestamp': String(ts), 'x-jido-signature': vector })
    expect(computeSignature(secret, ts, rawBody)).toBe(vector)
  })

  it('matches a pinned vector', () => {
    // HMAC-SHA256(key "key", message "1.{}"), computed once with Python's hmac module and pinned.
    const pinned = 'v1=1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224'
    expect(signWebhookBody('key', '{}', 1)).toEqual({ 'x-jido-timestamp': '1', 'x-jido-signature': pinned })
  })

  it('uses the current time by default', () => {
    const before = Math.floor(Date.now() / 1000)
    const headers = signWebhookBody(secret, rawBody)
    const stamped = Number(headers['x-jido-timestamp'])
    expect(stamped).toBeGreaterThanOrEqual(before)
    expect(stamped).toBeLessThanOrEqual(Math.floor(Date.now() / 1000))
    expect(verifyWebhookSignature(secret, rawBody, headers)).toBe(true)
  })

  it('refuses an empty secret and a bad timestamp', () => {
    expect(() => signWebhookBody('', rawBody, ts)).toThrow(/secret/)
    expect(() => signWebhookBody(secret, rawBody, 1.5)).toThrow(/timestampSeconds/)
    expect(() => signWebhookBody(secret, rawBody, -1)).toThrow(/timestampSeconds/)
  })
})

describe('verifyWebhookSignature', () => {
  const headers = { 'x-jido-timestamp': String(ts), 'x-jido-signature': vector }

  it('accepts a correct signature', () => {
    expect(verifyWebhookSignature(secret, rawBody, headers, { now: nowMs })).toBe(true)
  })

  it('rejects a wrong secret, a changed body and a signature of another timestamp', () => {
    expect(verifyWebhookSignature('other', rawBody, headers, { now: nowMs })).toBe(false)
    expect(verifyWebhookSignature(secret, `${rawBody} `, headers, { now: nowMs })).toBe(false)
    const moved = { ...headers, 'x-jido-timestamp': String(ts + 1) }
    expect(verifyWebhookSignature(secret, rawBody, moved, { now: nowMs })).toBe(false)
  })

  it('rejects missing headers, an empty secret and malformed values', () => {
    expect(verifyWebhookSignature(secret, rawBody, {}, { now: nowMs })).toBe(false)
    expect(verifyWebhookSignature(secret, rawBody, { 'x-jido-signature': vector }, { now: nowMs })).toBe(false)
    expect(verifyWebhookSignature(secret, rawBody, { 'x-jido-timestamp': String(ts) }, { now: nowMs })).toBe(false)
    expect(verifyWebhookSignature('', rawBody, headers, { now: nowMs })).toBe(false)
    const bad = (signature: string, timestamp = String(ts)) =>
      verifyWebhookSignature(secret, rawBody, { 'x-jido-timestamp': timestamp, 'x-jido-signature': signature }, { now: nowMs })
    expect(bad(vector.slice(3))).toBe(false)
    expect(bad(`v2=${vector.slice(3)}`)).toBe(false)
    expect(bad(vector.toUpperCase())).toBe(false)
    expect(bad(vector.slice(0, -2))).toBe(false)
    expect(bad(vector, `${ts}.0`)).toBe(false)
    expect(bad(vector, '')).toBe(false)
  })

  it('accepts timestamps up to 300 s away and rejects 301 s either way', () => {
    const at = (offsetSeconds: number) => verifyWebhookSignature(secret, rawBody, headers, { now: nowMs + offsetSeconds * 1000 })
    expect(at(300)).toBe(true)
    expect(at(-300)).toBe(true)
    expect(at(301)).toBe(false)
    expect(at(-301)).toBe(false)
    expect(verifyWebhookSignature(secret, rawBody, headers, { now: nowMs + 10_000, toleranceSeconds: 5 })).toBe(false)
  })

  it('reads headers case-insensitively, from node header objects and from fetch Headers', () => {
    const upper = { 'X-Jido-Timestamp': String(ts), 'X-Jido-Signature': vector }
    expect(verifyWebhookSignature(secret, rawBody, upper, { now: nowMs })).toBe(true)
    expect(verifyWebhookSignature(secret, rawBody, new Headers(upper), { now: nowMs })).toBe(true)
    expect(verifyWebhookSignature(secret, rawBody, { ...headers, 'x-jido-signature': [vector] }, { now: nowMs })).toBe(true)
    // A repeated signature header is ambiguous and refused.
    expect(verifyWebhookSignature(secret, rawBody, { ...headers, 'x-jido-signature': [vector, vector] }, { now: nowMs })).toBe(false)
  })
})

describe('signing with many secrets', () => {
  it('signs and verifies correctly past the bounded key cache, unicode and empty secrets included', () => {
    const secrets = ['', 'pässwörd😀', ...Array.from({ length: 150 }, (_, i) => `secret-${i}`)]
    for (let round = 0; round < 2; round++) {
      for (const s of secrets) {
        const expected = `v1=${createHmac('sha256', s).update(`${ts}.${rawBody}`, 'utf8').digest('hex')}`
        expect(computeSignature(s, ts, rawBody)).toBe(expected)
        if (s === '') continue
        const signed = signWebhookBody(s, rawBody, ts)
        expect(verifyWebhookSignature(s, rawBody, signed, { now: nowMs })).toBe(true)
        expect(verifyWebhookSignature(`${s}x`, rawBody, signed, { now: nowMs })).toBe(false)
        expect(verifyWebhookSignature(s, `${rawBody} `, signed, { now: nowMs })).toBe(false)
      }
    }
  })
})
