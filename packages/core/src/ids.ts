import { monotonicFactory } from 'ulid'

const ulid = monotonicFactory()

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

/**
 * A new id such as `msg_01JD...`: ULID-based, so ids sort by creation time, and monotonic: within one
 * process a later id sorts after an earlier one even inside the same millisecond.
 */
export function newId(kind: IdKind): string {
  return `${IdPrefixes[kind]}_${ulid()}`
}

let lastMs = 0

/**
 * Current time as an ISO-8601 UTC string with milliseconds. Never goes backwards within a process, so
 * (insertedAt, id) order agrees with id order even if the wall clock steps back.
 */
export function nowIso(): string {
  const now = Date.now()
  lastMs = now > lastMs ? now : lastMs
  return new Date(lastMs).toISOString()
}
