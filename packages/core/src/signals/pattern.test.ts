import { describe, expect, it } from 'vitest'
import { compilePattern } from './pattern.js'

describe('compilePattern', () => {
  const cases: Array<[string, string, boolean]> = [
    ['jido.messaging.**', 'jido.messaging.room.message_added', true],
    ['jido.messaging.**', 'jido.messaging', true],
    ['jido.messaging.**', 'other.messaging.room.created', false],
    ['jido.messaging.room.*', 'jido.messaging.room.message_added', true],
    ['jido.messaging.room.*', 'jido.messaging.room.custom.deep', false],
    ['jido.messaging.*.message_added', 'jido.messaging.room.message_added', true],
    ['**.message_added', 'jido.messaging.room.message_added', true],
    ['**.message_added', 'jido.messaging.room.message_removed', false],
    ['jido.**.reaction_added', 'jido.messaging.message.reaction_added', true],
    ['jido.messaging.room.message_added', 'jido.messaging.room.message_added', true],
    ['jido.messaging.room.message_added', 'jido.messaging.room.message_added.x', false],
    ['**', 'anything.at.all', true],
  ]
  it.each(cases)('%s ~ %s -> %s', (pattern, type, expected) => {
    expect(compilePattern(pattern)(type)).toBe(expected)
  })

  it('rejects malformed patterns with VALIDATION', () => {
    for (const bad of ['', 'a..b', 'a.b*', 'a.***', 'a b']) {
      expect(() => compilePattern(bad), bad).toThrowError(expect.objectContaining({ code: 'VALIDATION' }))
    }
  })
})
