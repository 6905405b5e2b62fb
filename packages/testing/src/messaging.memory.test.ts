import { createMemoryStore } from '@jido-messaging/store-memory'
import { messagingConformance } from './messaging-conformance/index.js'

messagingConformance({ name: 'store-memory', create: createMemoryStore })
