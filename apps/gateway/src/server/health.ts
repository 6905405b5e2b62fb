// /healthz: the process answers. /readyz: the store answers and every required bridge's listener runs.
// /metrics: Prometheus text. None needs a key (bind the gateway to a private address or filter them at
// the proxy if that matters).
import type { Hono } from 'hono'
import type { GatewayContext } from './context.js'

export function mountHealth(app: Hono, gw: GatewayContext): void {
  app.get('/healthz', (c) => c.json({ status: 'ok' }))

  app.get('/readyz', async (c) => {
    const checks: Record<string, { ok: boolean; detail?: string }> = {}
    if (!gw.accepting()) checks['accepting'] = { ok: false, detail: 'shutting down' }
    try {
      await gw.messaging.getRoom('readyz-probe')
      checks['store'] = { ok: true }
    } catch (error) {
      checks['store'] = { ok: false, detail: (error as Error).message }
    }
    try {
      const statuses = await gw.messaging.listBridgeStatuses()
      const required = gw.config.readiness.requiredBridges
      for (const s of statuses) {
        const needed = required === undefined ? s.enabled && s.state !== 'stopped' : required.includes(s.bridgeId)
        if (needed) checks[`bridge:${s.bridgeId}`] = s.state === 'running' || s.state === 'standby' ? { ok: true } : { ok: false, detail: `${s.state}${s.lastError ? `: ${s.lastError}` : ''}` }
      }
      for (const id of required ?? []) if (!statuses.some((s) => s.bridgeId === id)) checks[`bridge:${id}`] = { ok: false, detail: 'no such bridge' }
    } catch (error) {
      checks['bridges'] = { ok: false, detail: (error as Error).message }
    }
    const ok = Object.values(checks).every((v) => v.ok)
    return c.json({ status: ok ? 'ready' : 'not_ready', checks }, ok ? 200 : 503)
  })

  app.get('/metrics', async (c) => c.body(await gw.metrics.render(), 200, { 'content-type': gw.metrics.contentType }))
}
