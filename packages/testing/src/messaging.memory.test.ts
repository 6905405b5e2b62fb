import { createMemoryStore } from '@jido-messaging/store-memory'
import { messagingConformance } from './messaging-conformance/index.js'

// A memory store keeps its data in the object, so "reopening" it after stop() is using it again.
messagingConformance({ name: 'store-memory', create: createMemoryStore, reopen: (store) => store })
