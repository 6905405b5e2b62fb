import { adapterConformance, webhookAdapterFake } from '@jido-messaging/testing'
import { createWebhookAdapter } from './index.js'

adapterConformance({
  name: 'adapter-webhook',
  create: () => createWebhookAdapter({ timeoutMs: 2000 }),
  fake: webhookAdapterFake(),
})
