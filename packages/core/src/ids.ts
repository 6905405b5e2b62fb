import { randomFillSync } from 'node:crypto'

/** Id prefixes by record type. */
export const IdPrefixes = {
  room: 'room',
  participant: 'ptc',
  message: 'msg',
  thread: 'thr',
  binding: 'bnd',
  signal: 'sig',
  correlation: 'cor',
  subscription: 'sub',
  delivery: 'dlv',
  deadLetter: 'dl',
  onboarding: 'onb',
  ingress: 'ing',
} as const

export type IdKind = keyof typeof IdPrefixes

// Crockford base32, as ULIDs use: ids sort lexicographically in creation order.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const pool = Buffer.alloc(4096)
let poolPos = pool.length
let lastTime = -1
const lastRandom = new Uint8Array(16)

function encodeTime(ms: number): string {
  let out = ''
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32]! + out
    ms = Math.floor(ms / 32)
  }
  return out
}

/** The text of lastRandom[0..14]; an increment mostly changes only the last digit. */
let randomHead = ''

function encodeRandomHead(): string {
  let out = ''
  for (let i = 0; i < 15; i++) out += ALPHABET[lastRandom[i]!]
  return out
}

/** 16 base32 digits after the timestamp: fresh randomness each millisecond, incremented within one. */
function nextRandom(time: number): string {
  if (time === lastTime) {
    let i = 15
    while (i >= 0 && lastRandom[i] === 31) lastRandom[i--] = 0
    if (i < 0) throw new Error('[core] id space of this millisecond exhausted')
    lastRandom[i]!++
    if (i < 15) randomHead = encodeRandomHead()
  } else {
    if (poolPos + 16 > pool.length) {
      randomFillSync(pool)
      poolPos = 0
    }
    for (let i = 0; i < 16; i++) lastRandom[i] = pool[poolPos++]! & 31
    // leave headroom so increments within one millisecond never overflow
    lastRandom[0] = lastRandom[0]! & 15
    lastTime = time
    randomHead = encodeRandomHead()
  }
  return randomHead + ALPHABET[lastRandom[15]!]
}

let lastMs = 0

/** Milliseconds that never go backwards within this process. */
export function monotonicNow(): number {
  const now = Date.now()
  lastMs = now > lastMs ? now : lastMs
  return lastMs
}

/**
 * A new id such as `msg_01JD...`: a ULID (48-bit time, 80 random bits, Crockford base32), so ids sort
 * by creation time, and monotonic: within one process a later id sorts after an earlier one even
 * inside the same millisecond.
 */
export function newId(kind: IdKind): string {
  return newIdAt(kind, monotonicNow())
}

/** `newId` for a time read by `monotonicNow` (one clock read for an id and its record's time). */
export function newIdAt(kind: IdKind, time: number): string {
  if (time !== encodedMs) {
    encodedMs = time
    encodedTime = encodeTime(time)
  }
  return `${IdPrefixes[kind]}_${encodedTime}${nextRandom(time)}`
}

// Both caches hold the last millisecond's text: a busy process asks for it many times per millisecond.
let encodedMs = -1
let encodedTime = ''
let isoMs = -1
let isoText = ''

/**
 * Current time as an ISO-8601 UTC string with milliseconds. Never goes backwards within a process, so
 * (insertedAt, id) order agrees with id order even if the wall clock steps back.
 */
export function nowIso(): string {
  return isoAt(monotonicNow())
}

/** `nowIso` for a time read by `monotonicNow`. */
export function isoAt(ms: number): string {
  if (ms !== isoMs) {
    isoMs = ms
    isoText = new Date(ms).toISOString()
  }
  return isoText
}
