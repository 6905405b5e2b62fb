import { describe, expect, it } from 'vitest'
import { escapeSlack, fromSlackReactionName, fromSlackText, toSlackReactionName, toSlackText, visibleLength } from './format.js'

describe('mrkdwn escaping', () => {
  it('escapes &, < and > in plain text', () => {
    expect(toSlackText('a < b && c > d')).toBe('a &lt; b &amp;&amp; c &gt; d')
    expect(toSlackText('<script>alert(1)</script>')).toBe('&lt;script&gt;alert(1)&lt;/script&gt;')
    // An entity typed by a person is text, not markup: it must arrive as typed.
    expect(toSlackText('&amp; &lt;')).toBe('&amp;amp; &amp;lt;')
  })

  it('keeps whole, well-formed Slack control sequences', () => {
    for (const sequence of ['<@U0123ABC>', '<@W0123|ada>', '<#C0GENERAL>', '<#C0GENERAL|general>', '<!here>', '<!channel>', '<!everyone>',
      '<!subteam^S0123>', '<!date^1714566600^{date_short}|May 1>', '<https://example.com/a?b=1&c=2>', '<https://example.com|a link>', '<mailto:ada@example.com|Ada>']) {
      expect(toSlackText(`x ${sequence} y & z`), sequence).toBe(`x ${sequence} y &amp; z`)
    }
  })

  it('escapes sequences that only look like control sequences', () => {
    expect(toSlackText('<@nope>')).toBe('&lt;@nope&gt;')
    expect(toSlackText('<javascript:alert(1)|click>')).toBe('&lt;javascript:alert(1)|click&gt;')
    expect(toSlackText('<!channel')).toBe('&lt;!channel')
    // core neutralizes mass mentions with a zero-width space; the result must not notify anyone
    expect(toSlackText('<\u200b!channel> hi')).toBe('&lt;\u200b!channel&gt; hi')
    expect(toSlackText('<https://a.example <@U1>>')).toBe('&lt;https://a.example <@U1>&gt;')
  })

  it('decodes inbound entities and leaves control sequences for the reader', () => {
    expect(fromSlackText('a &lt;b&gt; &amp;amp; <@U1>')).toBe('a <b> &amp; <@U1>')
    const text = 'plain < & > text with <@U0123> and <https://x.example|x>'
    expect(fromSlackText(toSlackText(text))).toBe(text)
  })

  it('counts characters as Slack shows them', () => {
    expect(visibleLength('&amp;&lt;&gt;')).toBe(3)
    expect(visibleLength('<https://example.com/very/long/path|docs>')).toBe(4)
    expect(visibleLength('<https://example.com>')).toBe('https://example.com'.length)
    expect(escapeSlack('&'.repeat(4000)).length).toBe(20_000)
    expect(visibleLength(escapeSlack('&'.repeat(4000)))).toBe(4000)
  })

  it('never makes text longer than the characters it was given (so core\'s chunks stay within 4000)', () => {
    const alphabet = ['a', ' ', '&', '<', '>', '|', '@', '!', '#', 'U', '1', '\n', 'é', '👍', '<@U1>', '<!here>', '<https://x.io|x>', '&amp;']
    let seed = 42
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31)
    for (let i = 0; i < 500; i++) {
      const text = Array.from({ length: next() % 60 }, () => alphabet[next() % alphabet.length]).join('')
      expect(visibleLength(toSlackText(text)), JSON.stringify(text)).toBeLessThanOrEqual(text.length)
      expect(fromSlackText(toSlackText(text)), JSON.stringify(text)).toBe(text)
    }
  })
})

describe('reaction names', () => {
  it('sends Slack names, never emoji characters', () => {
    expect(toSlackReactionName('👍')).toBe('thumbsup')
    expect(toSlackReactionName('❤️')).toBe('heart')
    expect(toSlackReactionName('❤')).toBe('heart')
    expect(toSlackReactionName(':tada:')).toBe('tada')
    expect(toSlackReactionName('partyparrot')).toBe('partyparrot')
    expect(toSlackReactionName(':thumbsup::skin-tone-2:')).toBe('thumbsup::skin-tone-2')
  })

  it('reads common names as the emoji, the rest as :name:', () => {
    expect(fromSlackReactionName('thumbsup')).toBe('👍')
    expect(fromSlackReactionName('+1')).toBe('👍')
    expect(fromSlackReactionName('partyparrot')).toBe(':partyparrot:')
    expect(fromSlackReactionName('thumbsup::skin-tone-2')).toBe(':thumbsup::skin-tone-2:')
    expect(toSlackReactionName(fromSlackReactionName('partyparrot'))).toBe('partyparrot')
  })
})
