// The jido-gateway CLI, run from this package's sources (through tsx) as an operator would run the bin.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { signWebhookBody } from '@jido-messaging/adapter-webhook'
import { createSqliteStore } from '@jido-messaging/store-sqlite'
import { afterAll, describe, expect, it } from 'vitest'

const packageRoot = fileURLToPath(new URL('..', import.meta.url))
const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: packageRoot, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 })

const SECRET = 'cli-test-webhook-secret-0001'
const dirs: string[] = []
function configDir(extra = '') {
  const dir = mkdtempSync(join(tmpdir(), 'jido-cli-'))
  dirs.push(dir)
  writeFileSync(join(dir, 'gateway.yaml'), [
    'logLevel: warn',
    'shutdown: { drainMs: 5000 }',
    'apiKeys: [{ id: admin, key: cli-test-admin-key-0123456789, scope: admin }]',
    'bridges:',
    `  - { id: hook, adapter: webhook, credentials: { secret: ${SECRET} }, options: { outboundUrl: "http://127.0.0.1:9/" } }`,
    'rooms:',
    '  - { id: lobby, bindings: [{ bridge: hook, externalRoomId: ext-lobby, direction: inbound }] }',
    extra,
  ].join('\n'))
  return dir
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('jido-gateway CLI', () => {
  it('prints help and exits 0 with --help, 2 without a command', () => {
    const help = cli(['--help'])
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/jido-gateway start \[--config FILE\]/)
    expect(help.stdout).toMatch(/check-config/)
    expect(cli([]).status).toBe(2)
  })

  it('check-config accepts a good file and lists every problem of a bad one with its line', () => {
    const dir = configDir()
    const ok = cli(['check-config', '--config', join(dir, 'gateway.yaml')])
    expect(ok.stdout + ok.stderr).toMatch(/ok \(1 bridge\(s\), 1 room\(s\), store sqlite\)/)
    expect(ok.status).toBe(0)
    writeFileSync(join(dir, 'bad.yaml'), 'listen:\n  port: 99999\nstore:\n  kind: mysql\n')
    const bad = cli(['check-config', '--config', join(dir, 'bad.yaml')])
    expect(bad.status).toBe(1)
    expect(bad.stderr).toMatch(/bad\.yaml:2:\d+ listen\.port/)
    expect(bad.stderr).toMatch(/bad\.yaml:4:\d+ store\.kind/)
  })

  it('migrate creates the SQLite store and exits', () => {
    const dir = configDir()
    const res = cli(['migrate', '--config', join(dir, 'gateway.yaml')])
    expect(res.stdout).toMatch(/sqlite store migrated/)
    expect(res.status).toBe(0)
    expect(existsSync(join(dir, 'data', 'gateway.db'))).toBe(true)
  })

  it('stops on SIGTERM under webhook load, exits 0, and every acknowledged message is stored', async () => {
    const dir = configDir()
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'start', '--config', join(dir, 'gateway.yaml'), '--port', '0'], { cwd: packageRoot, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    const deadline = Date.now() + 60_000
    while (!/listening on (http:\/\/\S+)/.test(out)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`gateway did not start:\n${out}`)
      await new Promise((r) => setTimeout(r, 50))
    }
    const url = /listening on (http:\/\/\S+)/.exec(out)![1]!

    const acked: string[] = []
    let sent = 0
    let stopped = false
    const worker = async (w: number) => {
      for (let i = 0; !stopped; i++) {
        const id = `m-${w}-${i}`
        const body = JSON.stringify({ id, room: 'ext-lobby', user: `u-${w}`, text: `load ${id}` })
        sent++
        try {
          const res = await fetch(`${url}/webhooks/hook`, { method: 'POST', headers: { 'content-type': 'application/json', ...signWebhookBody(SECRET, body) }, body })
          if (res.status === 200) acked.push(id)
          else await res.arrayBuffer()
        } catch {
          // refused or reset once the server closed: not acknowledged, so the platform would retry
          await new Promise((r) => setTimeout(r, 10))
        }
      }
    }
    const workers = Array.from({ length: 8 }, (_, w) => worker(w))
    while (acked.length < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
    child.kill('SIGTERM')
    const code = await exited
    stopped = true
    await Promise.all(workers)
    expect(code, out).toBe(0)
    expect(acked.length).toBeGreaterThanOrEqual(100)

    const store = createSqliteStore({ filename: join(dir, 'data', 'gateway.db') })
    await store.start()
    try {
      const missing: string[] = []
      for (const id of acked) if (!(await store.getMessageByExternalId('webhook', 'hook', id))) missing.push(id)
      expect(missing, `of ${acked.length} acknowledged (${sent} sent)`).toEqual([])
    } finally {
      await store.stop()
    }
  })
})
