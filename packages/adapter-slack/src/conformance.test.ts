import { adapterConformance, slackAdapterFake } from '@jido-messaging/testing'
import { createSlackAdapter } from './index.js'

adapterConformance({ name: 'adapter-slack', create: () => createSlackAdapter({ timeoutMs: 30_000 }), fake: slackAdapterFake() })
