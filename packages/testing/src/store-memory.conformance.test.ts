import { createMemoryStore } from '@jido-messaging/store-memory'
import { runtimeStoreConformance, storeConformance } from './index.js'

// A second handle on a memory store's data is the store itself (one process, one heap); the races that
// other stores run across two connections run here across two references with their own lifecycle.
const peerOf = <S extends object>(store: S): S => ({ ...store, async start() {}, async stop() {} })

storeConformance({ name: 'store-memory', create: createMemoryStore, capabilities: { crossProcess: true }, connectPeer: peerOf })
runtimeStoreConformance({ name: 'store-memory', create: createMemoryStore, capabilities: { crossProcess: true }, connectPeer: peerOf })
