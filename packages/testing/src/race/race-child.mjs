// A second process racing the parent on one store: imports the store module given on the command line,
// calls its factory with the JSON options given, waits for "go" on stdin, then calls
// getOrCreateRoomByBinding for every key (several times each, concurrently) and prints the results.
// Usage: node race-child.mjs <module path> <factory name> <options JSON> <key count> <repeats>
import { newId, nowIso } from '@jido-messaging/core'
import { createInterface } from 'node:readline'
import { pathToFileURL } from 'node:url'

const [modulePath, factory, optionsJson, keyCount, repeats] = process.argv.slice(2)
const module = await import(pathToFileURL(modulePath).href)
const store = module[factory](JSON.parse(optionsJson))
await store.start()
process.stdout.write('ready\n')
const lines = createInterface({ input: process.stdin })
for await (const line of lines) if (line.trim() === 'go') break

const calls = []
for (let r = 0; r < Number(repeats); r++) {
  for (let k = 0; k < Number(keyCount); k++) {
    const room = { id: newId('room'), type: 'group', externalBindings: {}, metadata: {}, insertedAt: nowIso() }
    const binding = { id: newId('binding'), roomId: room.id, channel: 'telegram', bridgeId: 'race', externalRoomId: `chat_${k}`,
      direction: 'both', enabled: true, insertedAt: nowIso() }
    calls.push(store.getOrCreateRoomByBinding(room, binding).then((res) => [k, res.room.id, res.created]))
  }
}
const results = await Promise.all(calls)
await store.stop()
process.stdout.write(`${JSON.stringify(results)}\n`)
