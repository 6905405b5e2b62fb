// The bridge runtime end to end over store-memory, with this adapter and local receiving servers.
import { createMemoryStore } from '@jido-messaging/store-memory'
import { bridgeConformance } from '@jido-messaging/testing'
import { createWebhookAdapter } from './index.js'

bridgeConformance({ name: 'store-memory', create: createMemoryStore, createWebhookAdapter })
