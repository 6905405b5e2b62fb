import { adapterConformance, discordAdapterFake } from '@jido-messaging/testing'
import { createDiscordAdapter } from './index.js'

adapterConformance({
  name: 'adapter-discord',
  create: () => createDiscordAdapter({ restTimeoutMs: 2000 }),
  fake: discordAdapterFake(),
})
