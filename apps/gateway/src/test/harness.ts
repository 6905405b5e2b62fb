// Test support: a gateway on a temporary SQLite file and an ephemeral port, with known API keys.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MessagingOptions } from '@jido-messaging/core'
import { parseConfigText } from '../config/load.js'
import { startGateway, type Gateway } from '../gateway.js'

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef'
export const READ_KEY = 'test-read-key-0123456789abcdef'

export interface TestGateway extends Gateway {
  dir: string
  /** fetch against the gateway; `key` 'admin' (default), 'read', 'none', or a literal key. */
  call(path: string, init?: RequestInit & { key?: 'admin' | 'read' | 'none' | string; json?: unknown }): Promise<Response>
  /** Log lines written so far (parsed JSON). */
  logs: Array<Record<string, unknown>>
  /** Stops the gateway and removes its folder. */
  close(): Promise<void>
}

/**
 * Starts a gateway from YAML text (without apiKeys: two test keys are added). `dir` reuses a folder
 * (restart tests); otherwise a new temporary one is made and removed by close().
 */
export async function startTestGateway(yaml = '', options: { dir?: string; env?: Record<string, string | undefined>; messaging?: Partial<MessagingOptions>; port?: number } = {}): Promise<TestGateway> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'jido-gateway-'))
  const withKeys = /^apiKeys:/m.test(yaml) ? yaml : `${yaml}\napiKeys:\n  - { id: admin, key: ${ADMIN_KEY}, scope: admin }\n  - { id: reader, key: ${READ_KEY}, scope: read }\n`
  const text = /^logLevel:/m.test(withKeys) ? withKeys : `${withKeys}\nlogLevel: info\n`
  const env = { ...process.env, ...options.env }
  const loaded = parseConfigText(text, { file: join(dir, 'gateway.yaml'), baseDir: dir, env })
  const logs: Array<Record<string, unknown>> = []
  const gateway = await startGateway({
    config: loaded,
    env,
    listen: { host: '127.0.0.1', port: options.port ?? 0 },
    logDestination: { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) },
    messaging: { journal: { pollMs: 50 }, ...options.messaging } as Partial<MessagingOptions>,
  })
  const call: TestGateway['call'] = (path, init = {}) => {
    const { key = 'admin', json, ...rest } = init
    const headers = new Headers(rest.headers)
    const literal = key === 'admin' ? ADMIN_KEY : key === 'read' ? READ_KEY : key === 'none' ? undefined : key
    if (literal !== undefined) headers.set('authorization', `Bearer ${literal}`)
    if (json !== undefined) headers.set('content-type', 'application/json')
    return fetch(`${gateway.url}${path}`, { ...rest, headers, ...(json === undefined ? {} : { body: JSON.stringify(json) }) })
  }
  return Object.assign(gateway, {
    dir,
    call,
    logs,
    async close() {
      await gateway.stop()
      if (options.dir === undefined) rmSync(dir, { recursive: true, force: true })
    },
  })
}
