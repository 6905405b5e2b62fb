// The web console in a real headless Chromium, against a gateway bridged to a fake platform (a receiver
// of the generic webhook adapter on 127.0.0.1): sign-in, the live timeline, posting, platform messages
// arriving live, threads, reactions, bridge status, dead letters and their replay.
import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { signWebhookBody, verifyWebhookSignature } from '@jido-messaging/adapter-webhook'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_KEY, startTestGateway, type TestGateway } from './test/harness.js'

const CHROMIUM = '/usr/bin/chromium'
const SECRET = 'console-test-secret'
const WAIT = 30_000
const runnable = existsSync(CHROMIUM) || process.env.CI === 'true'
if (!runnable) console.warn(`\n!!! SKIPPED: the console browser test needs Chromium at ${CHROMIUM} (with CI=true it fails instead) !!!\n`)

interface Delivery {
  deliveryId: string
  room: string
  text: string
  thread?: string
  replyTo?: string
}

/** The platform end of the webhook bridge: records each send; refuses (400) texts containing "reject-once" the first time. */
async function startFakePlatform(): Promise<{ url: string; received: Delivery[]; close(): Promise<void> }> {
  const received: Delivery[] = []
  const ids = new Map<string, string>()
  const refused = new Set<string>()
  const server: Server = createServer((req, res) => {
    let raw = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => { raw += chunk })
    req.on('end', () => {
      if (!verifyWebhookSignature(SECRET, raw, req.headers)) return void res.writeHead(401).end()
      const body = JSON.parse(raw) as Delivery & { action?: string }
      if (body.action !== undefined) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}') // edits, typing
      if (body.text.includes('reject-once') && !refused.has(body.deliveryId)) {
        refused.add(body.deliveryId)
        return void res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"refused by the fake"}')
      }
      const id = ids.get(body.deliveryId) ?? `ext-${ids.size + 1}`
      if (!ids.has(body.deliveryId)) received.push(body)
      ids.set(body.deliveryId, id)
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    received,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }),
  }
}

// The file serving needs no browser, so it runs everywhere.
describe('console files', () => {
  let gw: TestGateway
  beforeAll(async () => { gw = await startTestGateway() })
  afterAll(async () => gw?.close())

  it('serves the files with a self-only CSP and no-cache, revalidated by ETag', async () => {
    const index = await fetch(`${gw.url}/console/`)
    expect(index.status).toBe(200)
    expect(index.headers.get('content-type')).toMatch(/^text\/html/)
    expect(index.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self'; style-src 'self'/)
    expect(index.headers.get('cache-control')).toBe('no-cache')
    expect(await index.text()).toContain('<script type="module" src="app.js">')
    const etag = index.headers.get('etag')!
    expect((await fetch(`${gw.url}/console/index.html`, { headers: { 'if-none-match': etag } })).status).toBe(304)
    expect((await fetch(`${gw.url}/console/app.js`)).headers.get('content-type')).toMatch(/^text\/javascript/)
    expect((await fetch(`${gw.url}/console/style.css`)).headers.get('content-type')).toMatch(/^text\/css/)
    const bare = await fetch(`${gw.url}/console`, { redirect: 'manual' })
    expect([bare.status, bare.headers.get('location')]).toEqual([301, 'console/'])
  })

  it('answers 404 for unknown files and paths that try to leave the folder', async () => {
    for (const path of ['/console/nope.js', '/console/..%2fpackage.json', '/console/%2e%2e/package.json', '/console/..%5c..%5cpackage.json', '/console/../src/cli.ts', '/console/sub/app.js']) {
      const res = await fetch(`${gw.url}${path}`)
      expect(res.status, path).toBe(404)
      expect(await res.json(), path).toMatchObject({ error: { code: 'NOT_FOUND' } })
    }
  })
})

describe.skipIf(!runnable)('web console (headless Chromium)', () => {
  let fake: Awaited<ReturnType<typeof startFakePlatform>>
  let gw: TestGateway
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`CI=true and there is no Chromium at ${CHROMIUM}`)
    fake = await startFakePlatform()
    gw = await startTestGateway([
      'bridges:',
      '  - id: fake',
      '    adapter: webhook',
      `    credentials: { secret: ${SECRET} }`,
      `    options: { outboundUrl: '${fake.url}' }`,
      'rooms:',
      '  - id: lobby',
      '    name: Lobby',
      '    bindings:',
      "      - { bridge: fake, externalRoomId: 'ext-room' }",
      '    agents:',
      '      - { id: echo, name: Echo, module: builtin:echo, trigger: mention }',
      '  - id: quiet',
      '    name: Quiet room',
    ].join('\n'))
    // launch() runs Chromium on a new temporary profile (user data dir) of its own, removed on close
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    })
  })

  afterAll(async () => {
    await browser?.close()
    await gw?.close()
    await fake?.close()
  })

  async function newPage(): Promise<Page> {
    const context = await browser.newContext() // its own sessionStorage
    context.setDefaultTimeout(WAIT)
    const p = await context.newPage()
    p.on('pageerror', (error) => console.error('[console page error]', error))
    return p
  }

  const timeline = () => page.getByRole('list', { name: 'Timeline' })

  it('a wrong key shows a clear message, and the login form takes the right one', async () => {
    const p = await newPage()
    await p.goto(`${gw.url}/console/#key=not-the-key`)
    await p.getByRole('alert').filter({ hasText: 'That API key was not accepted' }).waitFor()
    expect(p.url()).not.toContain('not-the-key')
    await p.getByLabel('Admin API key').fill(ADMIN_KEY)
    await p.getByRole('button', { name: 'Sign in' }).click()
    await p.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: 'Quiet room' }).waitFor()
    await p.context().close()
  })

  it('opens a room from the key in the URL: agents, bridge status, an empty timeline', async () => {
    page = await newPage()
    await page.goto(`${gw.url}/console/#key=${ADMIN_KEY}`)
    await page.getByRole('navigation', { name: 'Rooms' }).getByRole('link', { name: 'Lobby' }).click()
    expect(page.url()).not.toContain(ADMIN_KEY)
    await page.getByRole('heading', { name: 'Lobby' }).waitFor()
    await page.getByRole('list', { name: 'Agents' }).getByText('Echo').waitFor()
    await page.getByRole('status', { name: 'Live updates' }).filter({ hasText: /^Live$/ }).waitFor()
    await page.getByRole('table', { name: 'Bridges' }).getByRole('row', { name: /fake webhook/ }).waitFor()
    await page.evaluate(() => { (globalThis as unknown as { notReloaded: boolean }).notReloaded = true })
  })

  it('posts through the form: the message shows in the timeline and reaches the platform', async () => {
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill('hello from the console')
    await page.getByRole('button', { name: 'Send' }).click()
    await timeline().getByText('hello from the console').waitFor()
    await expect.poll(() => fake.received.map((d) => d.text), { timeout: WAIT }).toContain('hello from the console')
    expect(fake.received.find((d) => d.text === 'hello from the console')?.room).toBe('ext-room')
  })

  it('shows a platform message live, as text, without a reload', async () => {
    const text = 'from the platform <b>not bold</b> <img src=x onerror="window.pwned=1">'
    const rawBody = JSON.stringify({ id: 'p-1', room: 'ext-room', user: 'ada', displayName: 'Ada Lovelace', text })
    const res = await fetch(`${gw.url}/webhooks/fake`, { method: 'POST', headers: { 'content-type': 'application/json', ...signWebhookBody(SECRET, rawBody) }, body: rawBody })
    expect(res.status).toBe(200)
    const item = timeline().getByRole('listitem').filter({ hasText: text })
    await item.waitFor()
    await item.getByText('Ada Lovelace').waitFor() // the sender's name, looked up once
    expect(await timeline().locator('b, img').count()).toBe(0)
    const flags = await page.evaluate(() => { const w = globalThis as unknown as { notReloaded?: boolean; pwned?: number }; return { notReloaded: w.notReloaded, pwned: w.pwned } })
    expect(flags).toEqual({ notReloaded: true, pwned: undefined })
  })

  it('groups a thread reply under its root and shows reactions live', async () => {
    const root = timeline().getByRole('listitem').filter({ hasText: 'from the platform' })
    await root.getByRole('button', { name: /Reply in thread/ }).click()
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill('a reply in the thread')
    await page.getByRole('button', { name: 'Send' }).click()
    await root.getByRole('list', { name: /Thread replies/ }).getByText('a reply in the thread').waitFor()

    const rootId = await root.first().getAttribute('data-message-id')
    const reacted = await gw.call(`/v1/messages/${rootId}/reactions`, { method: 'POST', json: { reaction: '👍' } })
    expect(reacted.status).toBe(200)
    await root.first().getByRole('list', { name: 'Reactions' }).getByText('👍 1').waitFor()
  })

  it('lists a failed delivery as a dead letter and replays it', async () => {
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill('please reject-once this')
    await page.getByRole('button', { name: 'Send' }).click()
    const deadLetters = page.getByRole('table', { name: 'Dead letters' })
    const replay = deadLetters.getByRole('button', { name: /Replay dead letter/ })
    await replay.waitFor()
    await replay.click()
    await expect.poll(() => fake.received.map((d) => d.text), { timeout: WAIT }).toContain('please reject-once this')
    await deadLetters.getByRole('row').filter({ hasText: 'replayed' }).waitFor()
  })
})
