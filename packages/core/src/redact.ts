import { inspect } from 'node:util'

// Credentials never leave in words: error messages, log lines, dead-letter reasons and signals pass
// through here at the runtime's boundaries, and every known credential value in them is replaced.

/** What a credential value is replaced with. */
export const REDACTED = '[redacted]'

/**
 * Shorter values are left alone: they would match ordinary words and ids, and a credential that
 * short protects nothing anyway.
 */
export const MIN_SECRET_LENGTH = 6

/** The forms of one secret to look for: as is, and URL-encoded where that differs (tokens in URLs). */
function formsOf(secret: string): string[] {
  const encoded = encodeURIComponent(secret)
  return encoded === secret ? [secret] : [secret, encoded]
}

/**
 * `text` with every occurrence of every secret (of at least {@link MIN_SECRET_LENGTH} characters, also
 * URL-encoded) replaced by `[redacted]`. Longer secrets go first, so one that contains another is
 * replaced whole.
 */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  const forms: string[] = []
  for (const secret of secrets) {
    if (typeof secret === 'string' && secret.length >= MIN_SECRET_LENGTH) forms.push(...formsOf(secret))
  }
  if (forms.length === 0) return text
  forms.sort((a, b) => b.length - a.length)
  let out = text
  for (const form of forms) if (out.includes(form)) out = out.split(form).join(REDACTED)
  return out
}

/**
 * Scrubs an error in place: its message and stack, and for its own fields (an SDK error's request
 * payload, say) a redacted copy replaces a value that holds a secret, so objects the error merely
 * points at are never changed; then the same for its `cause` chain. A logger printing the whole
 * error prints no secret. Type and code stay as they are; anything but an Error is returned as is.
 */
export function redactError<T>(error: T, secrets: Iterable<string>): T {
  const list = [...secrets].filter((s) => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH)
  const seen = new Set<unknown>()
  for (let e: unknown = error; list.length > 0 && e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e)
    for (const key of ['message', 'stack'] as const) {
      const value = e[key]
      if (typeof value === 'string') define(e, key, redactSecrets(value, list), value, false)
    }
    for (const key of Object.keys(e)) {
      const value = (e as unknown as Record<string, unknown>)[key]
      if (value instanceof Error) continue // its own turn comes as a cause, or it is printed through describeError
      define(e, key, redactedCopy(value, list, 0), value, true)
    }
    if (typeof e.cause === 'string') define(e, 'cause', redactSecrets(e.cause, list), e.cause, false)
  }
  return error
}

/** `value` itself when no secret is in it, else a copy (plain objects and arrays, depth-limited) with every string redacted. */
function redactedCopy(value: unknown, secrets: string[], depth: number): unknown {
  if (typeof value === 'string') return redactSecrets(value, secrets)
  if (typeof value !== 'object' || value === null || depth > 5 || value instanceof Error || ArrayBuffer.isView(value)) return value
  let changed = false
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [] : {}
  for (const key of Object.keys(value)) {
    const before = (value as Record<string, unknown>)[key]
    const after = redactedCopy(before, secrets, depth + 1)
    if (after !== before) changed = true
    ;(copy as Record<string, unknown>)[key] = after
  }
  return changed ? copy : value
}

function define(target: object, key: string, clean: unknown, value: unknown, enumerable: boolean): void {
  if (clean === value) return
  try {
    Object.defineProperty(target, key, { value: clean, writable: true, configurable: true, enumerable })
  } catch {
    // frozen: printing goes through describeError, which redacts the printed text again
  }
}

/** An error as one printable string (stack, cause chain, extra fields), with every secret redacted. */
export function describeError(error: unknown, secrets: Iterable<string>): string {
  const list = [...secrets]
  redactError(error, list)
  return redactSecrets(typeof error === 'string' ? error : inspect(error, { depth: 4, breakLength: Infinity }), list)
}

/**
 * The runtime's error reporter: `onError` (when given) gets the error scrubbed in place; the default
 * prints `[core] <where>: <error>` with every secret redacted, instead of the raw error object.
 */
export function errorReporter(
  onError: ((error: unknown, where: string) => void) | undefined,
  secrets: () => Iterable<string>,
): (error: unknown, where: string) => void {
  if (onError) return (error, where) => onError(redactError(error, secrets()), where)
  return (error, where) => console.warn(`[core] ${where}: ${describeError(error, secrets())}`)
}
