import { spawn, type ChildProcess } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const childScript = join(dirname(fileURLToPath(import.meta.url)), 'lease-child.mjs')

export interface LeaseChild {
  /** The child's lease holder id. */
  holder: string
  /** Kills the child with SIGKILL; resolves performance.now() at the kill, once it is gone. */
  kill(): Promise<number>
}

/**
 * Runs lease-child.mjs over the store `factory(options)` of the built module at `modulePath` and
 * resolves once its listener of bridge `leased` runs (it holds the bridge's lease, with `ttlMs`).
 */
export function runLeaseChild(modulePath: string, factory: string, options: Record<string, unknown>, ttlMs: number): Promise<LeaseChild> {
  const child: ChildProcess = spawn(process.execPath, [childScript, modulePath, factory, JSON.stringify(options), String(ttlMs)], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  let holder: string | undefined
  let listening = false
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return new Promise<LeaseChild>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8')
      for (const line of out.split('\n').slice(0, -1)) {
        const o = JSON.parse(line) as { holder?: string; listening?: boolean }
        if (o.holder !== undefined) holder = o.holder
        if (o.listening) listening = true
      }
      out = out.slice(out.lastIndexOf('\n') + 1)
      if (holder !== undefined && listening) {
        resolve({
          holder,
          kill: async () => {
            const at = performance.now()
            child.kill('SIGKILL')
            await exited
            return at
          },
        })
      }
    })
    child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')))
    child.once('exit', (code, signal) => reject(new Error(`lease child ended with ${code ?? signal} before its listener ran: ${err}`)))
  })
}
