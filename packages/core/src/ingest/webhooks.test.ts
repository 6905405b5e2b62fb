import { describe, expect, it } from 'vitest'
import { AdapterRegistry } from '../bridge/registry.js'
import type { PlatformAdapter } from '../contracts/platform-adapter.js'
import type { BridgeConfig } from '../model.js'
import { webhookApi } from './webhooks.js'

const adapter = {
  name: 'x', channel: 'x', capabilities: {},
  verifyWebhook: () => true,
  parseWebhook: () => ({ events: [] }),
} as unknown as PlatformAdapter
const config = { id: 'b', adapter: 'x', credentials: {}, options: {}, enabled: true } as unknown as BridgeConfig
const api = webhookApi(async () => config, new AdapterRegistry([adapter], () => undefined), { ingest: async () => ({ status: 'message' }) }, 10)

describe('webhook body limit', () => {
  it('counts UTF-8 bytes, however the body arrives', async () => {
    const status = async (rawBody: string | Buffer) => (await api.routeWebhookRequest('b', { rawBody })).response.status
    expect(await status('"aaaaaaa"')).toBe(200) // 9 bytes
    expect(await status('"aaaaaaaa"')).toBe(200) // 10
    expect(await status('"aaaaaaaaa"')).toBe(413) // 11
    expect(await status('"€€"')).toBe(200) // 4 characters, 8 bytes
    expect(await status('"€€€"')).toBe(413) // 5 characters, 11 bytes
    expect(await status(Buffer.from('"€€€"'))).toBe(413)
    expect(await status('"😀😀"')).toBe(200) // 6 UTF-16 units, 10 bytes
    expect(await status('"😀😀a"')).toBe(413) // 11 bytes
  })
})
