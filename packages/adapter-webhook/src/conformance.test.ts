import { adapterConformance, webhookAdapterFake } from '@jido-messaging/testing'
import { createWebhookAdapter } from './index.js'

adapterConformance({
  name: 'adapter-webhook',
  create: () => createWebhookAdapter({ timeoutMs: 30_000 }),
  fake: webhookAdapterFake(),
})

// The opt-in actions against the same fake, so the suite's edit and typing cases run too.
adapterConformance({
  name: 'adapter-webhook (edit, typing)',
  create: () => createWebhookAdapter({ timeoutMs: 30_000, edit: true, typing: true }),
  fake: webhookAdapterFake(),
})
