import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto'

// The signature scheme of SPEC 6.1, used in both directions: a receiver verifies what we POST with the
// same functions the adapter uses to verify what arrives.

export const TIMESTAMP_HEADER = 'x-jido-timestamp'
export const SIGNATURE_HEADER = 'x-jido-signature'
/** How far (in seconds, either way) a signed timestamp may be from the verifier's clock. */
export const SIGNATURE_TOLERANCE_SECONDS = 300

const SIGNATURE_PATTERN = /^v1=[0-9a-f]{64}$/
const SIGNATURE_LENGTH = 67
const expectedBytes = Buffer.alloc(SIGNATURE_LENGTH)
const actualBytes = Buffer.alloc(SIGNATURE_LENGTH)
const TIMESTAMP_PATTERN = /^[0-9]{1,15}$/

// A type alias, not an interface, so it is assignable to header records (implicit index signature).
export type SignedHeaders = {
  'x-jido-timestamp': string
  'x-jido-signature': string
}

/** Header values as `WebhookRequest`, node's `IncomingHttpHeaders` or a fetch `Headers` carry them. */
export type HeaderSource = Headers | Readonly<Record<string, string | readonly string[] | undefined>>

export interface VerifyOptions {
  /** The verifier's clock in milliseconds (default `Date.now()`). */
  now?: number
  /** Accepted clock skew in seconds (default 300). */
  toleranceSeconds?: number
}

/** `v1=<hex HMAC-SHA256(secret, "<timestamp>.<rawBody>")>`. */
export function computeSignature(secret: string, timestampSeconds: number | string, rawBody: string): string {
  return `v1=${createHmac('sha256', secretKey(secret)).update(`${timestampSeconds}.${rawBody}`, 'utf8').digest('hex')}`
}

// createHmac with a string key converts and imports the key on every call; a KeyObject made once per
// secret skips that. Bounded: a process signs with a handful of secrets, and starts over past that.
const MAX_KEYS = 64
const keys = new Map<string, KeyObject>()

function secretKey(secret: string): KeyObject {
  let key = keys.get(secret)
  if (key === undefined) {
    if (keys.size >= MAX_KEYS) keys.clear()
    key = createSecretKey(Buffer.from(secret, 'utf8'))
    keys.set(secret, key)
  }
  return key
}

/** Signs `rawBody` (the exact bytes that will be sent) and returns the two headers to send with it. */
export function signWebhookBody(secret: string, rawBody: string, timestampSeconds?: number): SignedHeaders {
  if (!secret) throw new TypeError('[adapter-webhook] signWebhookBody needs a non-empty secret')
  const timestamp = timestampSeconds ?? Math.floor(Date.now() / 1000)
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new TypeError('[adapter-webhook] timestampSeconds must be a non-negative integer')
  }
  return { [TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: computeSignature(secret, timestamp, rawBody) }
}

/**
 * True when `headers` carry a `v1` signature of `rawBody` under `secret` and a timestamp within the
 * tolerance of `options.now`. A missing secret, header or malformed value is false, never a throw.
 */
export function verifyWebhookSignature(secret: string, rawBody: string, headers: HeaderSource, options: VerifyOptions = {}): boolean {
  if (!secret) return false
  const timestamp = readHeader(headers, TIMESTAMP_HEADER)
  const signature = readHeader(headers, SIGNATURE_HEADER)
  if (timestamp === undefined || signature === undefined) return false
  if (!TIMESTAMP_PATTERN.test(timestamp) || !SIGNATURE_PATTERN.test(signature)) return false
  const nowSeconds = Math.floor((options.now ?? Date.now()) / 1000)
  const tolerance = options.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS
  if (Math.abs(nowSeconds - Number(timestamp)) > tolerance) return false
  const expected = computeSignature(secret, timestamp, rawBody)
  // Both are `v1=` + 64 hex characters here, so the lengths match and the comparison is constant-time.
  // As ASCII they are written into two reused buffers rather than two new ones per request.
  if (expected.length !== SIGNATURE_LENGTH || signature.length !== SIGNATURE_LENGTH) return false
  expectedBytes.write(expected, 0, 'latin1')
  actualBytes.write(signature, 0, 'latin1')
  return timingSafeEqual(expectedBytes, actualBytes)
}

function readHeader(headers: HeaderSource, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>
  let value = record[name]
  if (value === undefined) {
    const key = Object.keys(record).find((k) => k.toLowerCase() === name)
    value = key === undefined ? undefined : record[key]
  }
  // A repeated header is ambiguous; only a single value is trusted.
  if (Array.isArray(value)) return value.length === 1 ? value[0] : undefined
  return typeof value === 'string' ? value.trim() : undefined
}
