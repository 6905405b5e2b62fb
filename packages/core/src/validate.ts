import type { z } from 'zod'
import { ValidationError } from './errors.js'

/** Parses `input` with `schema`, or throws a `ValidationError` listing every issue (nothing is stored). */
export function parse<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input)
  if (result.success) return result.data
  const issues = result.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }))
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ')
  throw new ValidationError(`invalid ${what}: ${summary}`, issues)
}

/** Checks a required id-like string argument. */
export function requireId(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 255) {
    throw new ValidationError(`${name} must be a non-empty string`, [{ path: name, message: 'expected a non-empty string' }])
  }
  return value
}
