import { createMemoryStore } from '@jido-messaging/store-memory'
import { storeConformance } from './index.js'

storeConformance({ name: 'store-memory', create: createMemoryStore })
