import { describe, expect, it } from 'vitest'
import { ConfigError, parseConfigText } from './load.js'

const problemsOf = (text: string, env: Record<string, string> = {}) => {
  try {
    parseConfigText(text, { file: 'gw.yaml', env })
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('config loading', () => {
  it('applies defaults to an empty file: SQLite in data/, port 8787, no bridges', () => {
    const { config } = parseConfigText('', { env: {} })
    expect(config.store).toEqual({ kind: 'sqlite', filename: 'data/gateway.db' })
    expect(config.listen).toMatchObject({ host: '127.0.0.1', port: 8787 })
    expect(config.bridges).toEqual([])
  })

  it('reports every problem with its path and line', () => {
    const text = [
      'listen:',
      '  port: "eighty"', // line 2
      'bridges:',
      '  - id: tg',
      '    adapter: telegramm', // line 5
      'rooms:',
      '  - id: r1',
      '    colour: blue', // line 8: unknown key
    ].join('\n')
    const problems = problemsOf(text)
    expect(problems).toEqual(expect.arrayContaining([
      expect.objectContaining({ path: 'listen.port', line: 2 }),
      expect.objectContaining({ path: 'bridges[0].adapter', line: 5 }),
      expect.objectContaining({ path: 'rooms[0]', line: 7 }),
    ]))
    expect(problems.find((p) => p.path === 'rooms[0]')?.message).toMatch(/colour/)
    const error = (() => { try { parseConfigText(text, { file: 'gw.yaml', env: {} }) } catch (e) { return e as Error } })()
    expect(error?.message).toContain('gw.yaml:5:')
  })

  it('reports YAML syntax errors with their line', () => {
    const problems = problemsOf('listen:\n  port: 1\n   host: [oops\n')
    expect(problems[0]?.line).toBeGreaterThanOrEqual(2)
  })

  it('resolves env: references and names the variable that is missing', () => {
    const text = 'store:\n  kind: postgres\n  connectionString: env:PG_URL\napiKeys:\n  - { id: a, key: env:ADMIN_KEY, scope: admin }\n'
    const problems = problemsOf(text, { PG_URL: 'postgres://x@127.0.0.1/db' })
    expect(problems).toEqual([expect.objectContaining({ path: 'apiKeys[0].key', line: 5, message: 'environment variable ADMIN_KEY is not set' })])
    const { config } = parseConfigText(text, { env: { PG_URL: 'postgres://x@127.0.0.1/db', ADMIN_KEY: 'k'.repeat(20) } })
    expect(config.store).toMatchObject({ connectionString: 'postgres://x@127.0.0.1/db' })
    expect(config.apiKeys[0]?.key).toBe('k'.repeat(20))
  })

  it('keeps credential references unresolved (they are resolved at use) but checks they are set', () => {
    const text = 'bridges:\n  - id: tg\n    adapter: telegram\n    credentials: { botToken: env:TG_TOKEN }\n'
    expect(problemsOf(text)).toEqual([expect.objectContaining({ path: 'bridges[0].credentials.botToken', message: 'environment variable TG_TOKEN is not set' })])
    const { config } = parseConfigText(text, { env: { TG_TOKEN: '123:abc' } })
    expect(config.bridges[0]?.credentials).toEqual({ botToken: 'env:TG_TOKEN' })
  })

  it('skips a bridge whose requiresEnv is unset, with its bindings, and says so', () => {
    const text = [
      'bridges:',
      '  - { id: tg, adapter: telegram, requiresEnv: [TG_TOKEN], credentials: { botToken: env:TG_TOKEN } }',
      'rooms:',
      '  - id: demo',
      '    bindings: [{ bridge: tg, externalRoomId: "42" }]',
    ].join('\n')
    const off = parseConfigText(text, { env: {} })
    expect(off.config.bridges).toEqual([])
    expect(off.config.rooms[0]?.bindings).toEqual([])
    expect(off.skipped.join('\n')).toMatch(/bridge tg \(set TG_TOKEN/)
    const on = parseConfigText(text, { env: { TG_TOKEN: '123:abc' } })
    expect(on.config.bridges.map((b) => b.id)).toEqual(['tg'])
    expect(on.config.rooms[0]?.bindings).toHaveLength(1)
  })

  it('refuses duplicate ids, bindings to unknown bridges and short API keys', () => {
    const text = [
      'apiKeys:',
      '  - { id: a, key: short, scope: admin }',
      'bridges:',
      '  - { id: w, adapter: webhook }',
      '  - { id: w, adapter: webhook }',
      'rooms:',
      '  - { id: r, bindings: [{ bridge: nope, externalRoomId: x }] }',
      '  - { id: r }',
    ].join('\n')
    const paths = problemsOf(text).map((p) => p.path)
    expect(paths).toEqual(expect.arrayContaining(['apiKeys[0].key', 'bridges[1].id', 'rooms[0].bindings[0].bridge', 'rooms[1].id']))
  })
})
