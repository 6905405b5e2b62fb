import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { chunkText, neutralizeMassMentions } from './chunker.js'

const fenceCount = (s: string) => (s.match(/^(```|~~~)/gm) ?? []).length

describe('chunkText', () => {
  it('returns short text unchanged', () => {
    expect(chunkText('hello', 100)).toEqual(['hello'])
  })

  it('prefers paragraph, then line, then sentence, then word boundaries', () => {
    const para = `${'a'.repeat(30)}\n\n${'b'.repeat(30)}`
    expect(chunkText(para, 40)).toEqual([`${'a'.repeat(30)}\n\n`, 'b'.repeat(30)])
    const lines = `${'a'.repeat(20)}\n${'b'.repeat(20)}\n${'c'.repeat(20)}`
    expect(chunkText(lines, 45)).toEqual([`${'a'.repeat(20)}\n${'b'.repeat(20)}\n`, 'c'.repeat(20)])
    const sentences = 'One sentence here. Another one follows. And a third one.'
    expect(chunkText(sentences, 40)).toEqual(['One sentence here. Another one follows. ', 'And a third one.'])
    const words = 'alpha beta gamma delta epsilon zeta eta theta'
    expect(chunkText(words, 20)).toEqual(['alpha beta gamma ', 'delta epsilon zeta ', 'eta theta'])
  })

  it('never cuts inside a fenced code block that fits', () => {
    const text = `intro line\n\n\`\`\`ts\nconst a = 1\nconst b = 2\n\`\`\`\nafter the fence`
    const chunks = chunkText(text, 40)
    expect(chunks.join('')).toBe(text)
    for (const c of chunks) expect(fenceCount(c) % 2).toBe(0)
  })

  it('splits an oversized code block into closed and reopened fences', () => {
    const body = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n')
    const text = `\`\`\`js\n${body}\n\`\`\`\n`
    const chunks = chunkText(text, 60)
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(60)
      expect(fenceCount(c) % 2).toBe(0)
      expect(c.startsWith('```js\n')).toBe(true)
    }
    expect(chunks.map((c) => c.replace(/^```js\n/, '').replace(/```\n$/, '')).join('')).toBe(`${body}\n`)
  })

  it('does not split a surrogate pair on a hard cut', () => {
    const text = '😀'.repeat(30)
    const chunks = chunkText(text, 17)
    expect(chunks.join('')).toBe(text)
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(17)
    for (const c of chunks) expect(c).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/)
  })

  it('property: chunks re-join to the original, none over the limit, fences balanced', () => {
    const word = fc.stringMatching(/^[a-z]{1,12}$/)
    const sentence = fc.array(word, { minLength: 1, maxLength: 12 }).map((w) => `${w.join(' ')}.`)
    const paragraph = fc.array(sentence, { minLength: 1, maxLength: 5 }).map((s) => s.join(' '))
    const code = fc.array(fc.stringMatching(/^[a-z =;()]{0,20}$/), { minLength: 1, maxLength: 4 })
      .map((lines) => `\`\`\`\n${lines.join('\n')}\n\`\`\``)
    const block = fc.oneof({ weight: 4, arbitrary: paragraph }, { weight: 1, arbitrary: code })
    const doc = fc.array(block, { minLength: 1, maxLength: 12 }).chain((blocks) =>
      fc.array(fc.constantFrom('\n', '\n\n'), { minLength: blocks.length, maxLength: blocks.length })
        .map((seps) => blocks.map((b, i) => b + seps[i]).join('')))
    fc.assert(
      fc.property(doc, fc.integer({ min: 120, max: 400 }), (text, limit) => {
        const chunks = chunkText(text, limit)
        expect(chunks.join('')).toBe(text)
        for (const c of chunks) {
          expect(c.length).toBeLessThanOrEqual(limit)
          expect(c.length).toBeGreaterThan(0)
          expect(fenceCount(c) % 2).toBe(0)
        }
      }),
      { numRuns: 300 },
    )
  })
})

describe('neutralizeMassMentions', () => {
  it('makes @everyone, @here and Slack broadcasts inert but visible', () => {
    const out = neutralizeMassMentions('hey @everyone and @here and <!channel> and @channel, mail a@here.com')
    expect(out).not.toMatch(/@everyone|@here|<!channel>|@channel/)
    expect(out.replace(/\u200b/g, '')).toBe('hey @everyone and @here and <!channel> and @channel, mail a@here.com')
  })
})
