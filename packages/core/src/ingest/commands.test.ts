import { describe, expect, it } from 'vitest'
import { findMentions, parseCommand } from './commands.js'

describe('parseCommand', () => {
  it('reads / and ! commands with arguments', () => {
    expect(parseCommand('/deploy prod now')).toEqual({ prefix: '/', name: 'deploy', args: 'prod now' })
    expect(parseCommand('!ping')).toEqual({ prefix: '!', name: 'ping', args: '' })
    expect(parseCommand('/start@jido_bot hello')).toEqual({ prefix: '/', name: 'start', args: 'hello', target: 'jido_bot' })
  })

  it('strips a leading platform mention first', () => {
    expect(parseCommand('<@U123ABC> /status all')).toEqual({ prefix: '/', name: 'status', args: 'all' })
    expect(parseCommand('@jido_bot !help')).toEqual({ prefix: '!', name: 'help', args: '' })
  })

  it('reads commands after leading whitespace and a leading mention', () => {
    expect(parseCommand('  \n/deploy prod')).toEqual({ prefix: '/', name: 'deploy', args: 'prod' })
    expect(parseCommand(' \u00a0<@U1>, !ping')).toEqual({ prefix: '!', name: 'ping', args: '' })
    expect(parseCommand('\t@bot: /Help me')).toEqual({ prefix: '/', name: 'help', args: 'me' })
  })

  it('ignores what is not a command', () => {
    for (const text of ['hello /deploy', '/ not', '//comment', '/1abc', 'a/b', '!', `/${'x'.repeat(33)}`, '/path/to/file', '', '   ', 'x /a', '<b>/a', '@ /a']) {
      expect(parseCommand(text), text).toBeUndefined()
    }
  })
})

describe('findMentions', () => {
  it('finds @names and <@IDs> once each, not e-mail addresses', () => {
    expect(findMentions('hi @ada and <@U99> and <@!42>, mail me at a@b.com, @ada again.')).toEqual(['ada', 'U99', '42'])
    expect(findMentions('no mentions here <U1>')).toEqual([])
  })
})
