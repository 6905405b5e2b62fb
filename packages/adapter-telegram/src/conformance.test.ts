import { adapterConformance, telegramAdapterFake } from '@jido-messaging/testing'
import { createTelegramAdapter } from './index.js'

adapterConformance({
  name: 'adapter-telegram',
  create: () => createTelegramAdapter({ requestTimeoutMs: 30_000 }),
  fake: telegramAdapterFake(),
})
