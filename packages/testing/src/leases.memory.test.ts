import { createMemoryStore } from '@jido-messaging/store-memory'
import { leaseFailoverCases } from './lease-failover/index.js'

// Two instances on one memory store (a second reference on the same heap stands for the other process).
leaseFailoverCases({ name: 'store-memory', create: createMemoryStore, connectPeer: (store) => ({ ...store, async start() {}, async stop() {} }) })
