import { createMemoryStore } from '@jido-messaging/store-memory'
import { runtimeStoreConformance } from './index.js'

runtimeStoreConformance({ name: 'store-memory', create: createMemoryStore })
