// The web console: static files from apps/gateway/console, served under /console/. The page is public;
// every data call it makes carries an API key. Only the files found in that folder at mount time are
// served (a flat allowlist), so no request path can reach anything else.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Hono } from 'hono'
import type { GatewayContext } from './context.js'

// src/server and dist/server are both two levels below the package root.
const CONSOLE_DIR = fileURLToPath(new URL('../../console/', import.meta.url))

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
}

// Same-origin everything; no inline script or style, so escaped user text can never run.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

interface Asset {
  body: Buffer
  type: string
  etag: string
}

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>()
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const type = TYPES[extname(entry.name)]
    if (!entry.isFile() || type === undefined || entry.name.startsWith('.')) continue
    const body = readFileSync(`${dir}${entry.name}`)
    assets.set(entry.name, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` })
  }
  return assets
}

export function mountConsole(app: Hono, gw: GatewayContext): void {
  let assets: Map<string, Asset>
  try {
    assets = loadAssets(CONSOLE_DIR)
  } catch (error) {
    gw.logger.warn({ err: error, dir: CONSOLE_DIR }, 'console assets not found; the console is off')
    return
  }
  const headers = (asset: Asset): Record<string, string> => ({
    'content-type': asset.type,
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    // index always revalidates; the other files have unversioned names, so they do too (a 304 by ETag)
    'cache-control': 'no-cache',
    etag: asset.etag,
  })

  // relative, so it also works behind a proxy that mounts the gateway under a path prefix
  app.get('/console', (c) => c.redirect('console/', 301))
  app.get('/console/*', (c) => {
    const name = c.req.path.slice('/console/'.length) || 'index.html'
    const asset = assets.get(name)
    if (asset === undefined) return c.json({ error: { code: 'NOT_FOUND', message: `no console file ${name.slice(0, 200)}` } }, 404)
    const h = headers(asset)
    if (c.req.header('if-none-match') === asset.etag) return c.body(null, 304, h)
    return c.body(new Uint8Array(asset.body), 200, h)
  })
}
