import { ValidationError } from '../errors.js'

const SEGMENT = /^(\*\*|\*|[A-Za-z0-9_-]+)$/

/**
 * Compiles a signal type pattern: segments split on `.`, `*` matches exactly one segment, `**` any
 * number (including none). `jido.messaging.**` matches every signal.
 */
export function compilePattern(pattern: string): (type: string) => boolean {
  const segments = pattern.split('.')
  if (pattern.length === 0 || !segments.every((s) => SEGMENT.test(s))) {
    throw new ValidationError(`invalid signal pattern ${JSON.stringify(pattern)}`, [
      { path: 'pattern', message: 'segments are names, `*` or `**`, separated by dots' },
    ])
  }
  if (!pattern.includes('*')) return (type) => type === pattern
  return (type) => matchSegments(segments, type.split('.'), 0, 0)
}

function matchSegments(p: string[], t: string[], i: number, j: number): boolean {
  if (i === p.length) return j === t.length
  const seg = p[i]
  if (seg === '**') {
    for (let k = j; k <= t.length; k++) if (matchSegments(p, t, i + 1, k)) return true
    return false
  }
  if (j === t.length) return false
  return (seg === '*' || seg === t[j]) && matchSegments(p, t, i + 1, j + 1)
}
