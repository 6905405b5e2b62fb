// A delivery interrupted by killing its process completes after a restart exactly once: the outbox row
// survives in SQLite, the restarted worker resumes its own lease, and the stable delivery id lets the
// receiver drop the repeat of what it had already accepted.
import { startWebhookReceiver } from '@jido-messaging/testing'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'

const fixture = join(import.meta.dirname, 'test-fixtures', 'delivery-child.mjs')
/** The package folder: `--import tsx` is resolved from the child's working directory. */
const packageRoot = join(import.meta.dirname, '..')
const children: ChildProcess[] = []
const dirs: string[] = []

function run(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  // The child runs this package's sources through tsx, never its dist/ (which may be stale or absent).
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, ...args], { cwd: packageRoot, stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
  return { child, output: () => out, exited }
}

async function until(predicate: () => boolean, what: string, ms = 20_000) {
  const deadline = Date.now() + ms
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL')
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

describe('crash during delivery', () => {
  it('resends after a restart with the same delivery id, and the platform keeps exactly one message', async () => {
    const receiver = await startWebhookReceiver({ secret: 'crash-secret' })
    const dir = mkdtempSync(join(tmpdir(), 'jido-crash-'))
    dirs.push(dir)
    const file = join(dir, 'messaging.db')
    try {
      receiver.delayNext(60_000) // accepted and recorded at once, answered never (before the kill)
      const first = run([file, 'send', receiver.url])
      await until(() => receiver.deliveries.length === 1, 'the first attempt to reach the receiver')
      first.child.kill('SIGKILL')
      await first.exited
      expect(first.output()).not.toContain('send finished')

      const second = run([file, 'resume', receiver.url])
      expect(await second.exited).toBe(0)
      const result = JSON.parse(second.output().trim().split('\n').pop()!) as { status: string; externalIds: Record<string, string[]> }
      expect(result.status).toBe('sent')
      expect(receiver.deliveries).toHaveLength(1)
      expect(receiver.duplicates).toBe(1)
      expect(result.externalIds).toEqual({ wh: [receiver.deliveries[0]!.id] })
    } finally {
      await receiver.close()
    }
  }, 60_000)
})
