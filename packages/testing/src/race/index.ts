import { spawn, type ChildProcess } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { newId, nowIso, type MessagingStore } from '@jido-messaging/core'

export type RaceResult = [key: number, roomId: string, created: boolean]

export interface RaceChild {
  ready: Promise<void>
  go(): void
  results: Promise<RaceResult[]>
}

const childScript = join(dirname(fileURLToPath(import.meta.url)), 'race-child.mjs')

/**
 * Spawns a separate process that opens a store with `factory(options)` from the built module at
 * `modulePath` and races getOrCreateRoomByBinding against the parent; exposes its handshake and results.
 */
export function spawnRaceChild(modulePath: string, factory: string, options: Record<string, unknown>, keyCount: number, repeats: number): RaceChild {
  const child: ChildProcess = spawn(process.execPath, [childScript, modulePath, factory, JSON.stringify(options), String(keyCount), String(repeats)],
    { stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  let onReady: () => void = () => undefined
  const ready = new Promise<void>((resolve) => (onReady = resolve))
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8')
    if (out.startsWith('ready\n')) onReady()
  })
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')))
  const results = new Promise<RaceResult[]>((resolve, reject) => {
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`race child exited with ${code}: ${err}`))
      const last = out.trim().split('\n').at(-1) ?? '[]'
      resolve(JSON.parse(last) as RaceResult[])
    })
  })
  return { ready: Promise.race([ready, results.then(() => undefined)]), go: () => child.stdin!.end('go\n'), results }
}

/** The parent's side of the race: the same calls as the child script. */
export function raceInParent(store: MessagingStore, keyCount: number, repeats: number): Promise<RaceResult[]> {
  const calls: Array<Promise<RaceResult>> = []
  for (let r = 0; r < repeats; r++) {
    for (let k = 0; k < keyCount; k++) {
      const room = { id: newId('room'), type: 'group' as const, externalBindings: {}, metadata: {}, insertedAt: nowIso() }
      const binding = { id: newId('binding'), roomId: room.id, channel: 'telegram', bridgeId: 'race', externalRoomId: `chat_${k}`,
        direction: 'both' as const, enabled: true, insertedAt: nowIso() }
      calls.push(store.getOrCreateRoomByBinding(room, binding).then((res): RaceResult => [k, res.room.id, res.created]))
    }
  }
  return Promise.all(calls)
}
