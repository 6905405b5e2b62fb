import { createMessaging, type MessagingStore } from '@jido-messaging/core'
import { spawn } from 'node:child_process'
import { expect } from 'vitest'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const childScript = join(dirname(fileURLToPath(import.meta.url)), 'kill-child.mjs')

export interface KilledChild {
  roomId: string
  /** Handled, and covered by the stored checkpoint, before the kill. */
  firstId: string
  /** Committed; its handler was running (not finished) when the process was killed. */
  hangId: string
}

/**
 * Runs kill-child.mjs over the store `factory(options)` of the built module at `modulePath`, and kills
 * it with SIGKILL once its durable subscription `killed` is inside the handler of a committed message.
 */
export function runKilledChild(modulePath: string, factory: string, options: Record<string, unknown>): Promise<KilledChild> {
  const child = spawn(process.execPath, [childScript, modulePath, factory, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  const info: Partial<KilledChild> = {}
  return new Promise<KilledChild>((resolve, reject) => {
    let killed = false
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8')
      for (const line of out.split('\n').slice(0, -1)) {
        const o = JSON.parse(line) as Record<string, string>
        if (o['roomId']) Object.assign(info, { roomId: o['roomId'], firstId: o['first'] })
        if (o['committed']) info.hangId = o['committed']
        if (o['hanging'] && !killed) {
          info.hangId ??= o['hanging']
          killed = true
          child.kill('SIGKILL')
        }
      }
      out = out.slice(out.lastIndexOf('\n') + 1)
    })
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')))
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' && killed && info.roomId && info.hangId) resolve(info as KilledChild)
      else reject(new Error(`kill child ended with ${code ?? signal} before it was killed inside the handler: ${err}`))
    })
  })
}

/**
 * After {@link runKilledChild}: a new instance over the same data, subscribing with the same name, is
 * handed the signal whose handler was cut off by the kill (at least once), and not the one before it.
 */
export async function expectRedeliveredAfterKill(store: MessagingStore, killed: KilledChild): Promise<void> {
  const messaging = createMessaging({ store, instanceId: 'after-kill' })
  await messaging.start()
  try {
    const seen: string[] = []
    const sub = messaging.subscribe('jido.messaging.room.message_added', (s) => void seen.push(s.data!['messageId'] as string), { name: 'killed' })
    await sub.ready
    const later = await messaging.postMessage({ roomId: killed.roomId, senderId: 'u', role: 'user', content: [{ type: 'text', text: 'after' }] })
    const deadline = Date.now() + 60_000
    while (!seen.includes(later.message.id)) {
      if (Date.now() > deadline) throw new Error(`the resumed subscription saw only ${JSON.stringify(seen)}`)
      await new Promise((r) => setTimeout(r, 5))
    }
    expect(seen).toEqual([killed.hangId, later.message.id])
    expect(seen).not.toContain(killed.firstId)
  } finally {
    await messaging.stop()
  }
}
