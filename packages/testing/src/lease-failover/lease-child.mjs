// A process that holds the lease of bridge `leased` (a listener that only says it is listening) until
// the parent kills it with SIGKILL. It opens the store given on the command line, puts the bridge config
// and waits for its listener; every line it prints is one JSON object.
// Usage: node lease-child.mjs <module path> <factory name> <options JSON> <ttl ms>
import { createMessaging } from '@jido-messaging/core'
import { pathToFileURL } from 'node:url'

const [modulePath, factory, optionsJson, ttl] = process.argv.slice(2)
const module = await import(pathToFileURL(modulePath).href)
const store = module[factory](JSON.parse(optionsJson))
const say = (o) => process.stdout.write(`${JSON.stringify(o)}\n`)

const adapter = {
  name: 'queue',
  channel: 'queue',
  capabilities: { send: 'unsupported', edit: 'unsupported', delete: 'unsupported', reactions: 'unsupported', typing: 'unsupported',
    threads: 'unsupported', replies: 'unsupported', media: 'unsupported', webhook: false, listener: true, ingressSubscriptions: false,
    textLimit: 1000, markdown: 'none' },
  defaultIngressMode: 'gateway',
  async startListener() {
    say({ listening: true })
    return { stop: async () => {} }
  },
}

const messaging = createMessaging({ store, instanceId: 'lease-child', adapters: [adapter], leases: { ttlMs: Number(ttl), holderId: 'lease-child' },
  bridgeWorkers: { reconcileMs: 200 } })
await messaging.start()
await messaging.putBridgeConfig({ id: 'leased', adapter: 'queue' })
say({ holder: messaging.leaseHolderId })
setInterval(() => {}, 1000)
