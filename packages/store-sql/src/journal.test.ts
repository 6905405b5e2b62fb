import { describe, expect, it } from 'vitest'
import { prefixRange } from './journal.js'

/** Code point order: how SQLite (BINARY) and Postgres ("C", UTF-8) compare text. */
function compare(a: string, b: string): number {
  const x = [...a].map((c) => c.codePointAt(0)!)
  const y = [...b].map((c) => c.codePointAt(0)!)
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!
  return x.length - y.length
}

const inRange = (s: string, [from, below]: [string, string | undefined]) =>
  compare(s, from) >= 0 && (below === undefined || compare(s, below) < 0)

describe('prefixRange: a type prefix as an exact range of code point order', () => {
  it('increments the last code point, skipping surrogates and dropping trailing U+10FFFF', () => {
    expect(prefixRange('jido.messaging.room.')).toEqual(['jido.messaging.room.', 'jido.messaging.room/'])
    expect(prefixRange('a_')).toEqual(['a_', 'a`'])
    expect(prefixRange('a\uD7FF')).toEqual(['a\uD7FF', 'a\uE000'])
    expect(prefixRange('a\u{10FFFF}')).toEqual(['a\u{10FFFF}', 'b'])
    expect(prefixRange('\u{10FFFF}\u{10FFFF}')).toEqual(['\u{10FFFF}\u{10FFFF}', undefined])
    expect(prefixRange('x\u{1F44B}')).toEqual(['x\u{1F44B}', 'x\u{1F44C}'])
  })

  it('holds exactly the strings that start with the prefix', () => {
    const alphabet = ['a', 'b', '_', '%', '.', '\u007F', '\u0080', '\uD7FF', '\uE000', '\uFFFF', '\u{10000}', '\u{1F44B}', '\u{10FFFF}']
    const strings: string[] = ['']
    for (let len = 1; len <= 3; len++) {
      for (const base of strings.filter((s) => [...s].length === len - 1)) for (const c of alphabet) strings.push(base + c)
    }
    // One assertion over every (prefix, string) pair: an expect() per pair is 400k calls, too slow under load.
    const wrong: string[] = []
    for (const prefix of strings.filter((s) => s !== '' && [...s].length <= 2)) {
      const range = prefixRange(prefix)
      for (const s of strings) if (inRange(s, range) !== s.startsWith(prefix)) wrong.push(`${JSON.stringify(s)} vs prefix ${JSON.stringify(prefix)}`)
    }
    expect(wrong).toEqual([])
  }, 60_000)
})
