import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { positionOf, SignalTypes } from '@jido-messaging/core'
import { Hono } from 'hono'
import { afterEach, describe, expect, it } from 'vitest'
import { READ_KEY, startTestGateway, type TestGateway } from '../test/harness.js'
import { mountSignals } from './sse.js'

const ROOMS = 'rooms:\n  - id: alpha\n    name: Alpha\n  - id: beta\n    name: Beta\n'

interface SseEvent {
  id: string | undefined
  event: string
  data: string
}

/** Reads an SSE body as it arrives: dispatched events, the last id seen (id-only frames included), comments. */
function readSse(res: Response) {
  const events: SseEvent[] = []
  let lastId: string | undefined
  let comments = 0
  let ended = false
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  const done = (async () => {
    for (;;) {
      const { value, done: finished } = await reader.read()
      if (finished) break
      buffer += decoder.decode(value, { stream: true })
      for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, i)
        buffer = buffer.slice(i + 2)
        let id: string | undefined
        let event = 'message'
        const data: string[] = []
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) {
            comments++
            continue
          }
          const colon = line.indexOf(':')
          const field = line.slice(0, colon)
          const value = line.slice(colon + 1).replace(/^ /, '')
          if (field === 'id') id = value
          else if (field === 'event') event = value
          else if (field === 'data') data.push(value)
        }
        if (id !== undefined) lastId = id
        if (data.length > 0) events.push({ id, event, data: data.join('\n') })
      }
    }
  })().catch(() => undefined).finally(() => void (ended = true))
  return {
    events,
    lastId: () => lastId,
    comments: () => comments,
    ended: () => ended,
    done,
    close: () => reader.cancel().catch(() => undefined),
  }
}

type Stream = ReturnType<typeof readSse>

async function until<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

const added = (s: Stream) => s.events.filter((e) => e.event === SignalTypes.roomMessageAdded)
const messageIdOf = (e: SseEvent) => (JSON.parse(e.data) as { data: { messageId: string } }).data.messageId

async function post(gw: TestGateway, roomId: string, text: string) {
  return gw.messaging.postMessage({ roomId, senderId: 'user_1', role: 'user', content: [{ type: 'text', text }] })
}

/** The journal's positions after `after` that a stream of `pattern` / `roomId` must carry, in order. */
async function journalPositions(gw: TestGateway, after: number, options: { pattern?: string; roomId?: string } = {}) {
  const out: number[] = []
  for (let cursor = after; ;) {
    const page = await gw.messaging.readSignals({ after: cursor, limit: 1000, ...options })
    out.push(...page.signals.map((s) => positionOf(s)!))
    cursor = page.nextPosition
    if (!page.hasMore) return out
  }
}

describe('GET /v1/signals', () => {
  const open: TestGateway[] = []
  const streams: Stream[] = []
  const dirs: string[] = []
  afterEach(async () => {
    for (const s of streams.splice(0)) await s.close()
    await Promise.all(open.splice(0).map((g) => g.close()))
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
  })

  async function gateway(yaml = ROOMS, options: Parameters<typeof startTestGateway>[1] = {}) {
    const gw = await startTestGateway(yaml, options)
    open.push(gw)
    return gw
  }

  async function connect(gw: TestGateway, query = '', init: Parameters<TestGateway['call']>[1] = { key: 'read' }) {
    const res = await gw.call(`/v1/signals${query}`, init)
    if (res.status !== 200) throw new Error(`GET /v1/signals${query}: ${res.status} ${await res.text()}`)
    const stream = readSse(res)
    streams.push(stream)
    await until(() => stream.lastId() !== undefined, 'the start frame')
    return { res, stream }
  }

  it('streams committed signals with id = journal position, event = type, data = the CloudEvent', async () => {
    const gw = await gateway()
    const { res, stream } = await connect(gw)
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    expect(res.headers.get('x-accel-buffering')).toBe('no')
    expect(res.headers.get('cache-control')).toMatch(/no-cache/)
    const { message, signals } = await post(gw, 'alpha', 'hello')
    const event = await until(() => added(stream)[0], 'message_added')
    const signal = signals.find((s) => s.type === SignalTypes.roomMessageAdded)!
    expect(event.id).toBe(String(positionOf(signal)))
    const json = JSON.parse(event.data) as Record<string, unknown>
    expect(json).toMatchObject({ specversion: '1.0', type: SignalTypes.roomMessageAdded, subject: 'alpha', id: signal.id, position: positionOf(signal), data: { messageId: message.id } })
    // every event carries its position, in journal order
    const ids = stream.events.map((e) => Number(e.id))
    expect(ids).toEqual([...ids].sort((a, b) => a - b))
  })

  it('filters by pattern and room', async () => {
    const gw = await gateway()
    const { stream: roomOnly } = await connect(gw, `?pattern=${encodeURIComponent('jido.messaging.room.message_added')}&roomId=alpha`)
    const { stream: roomAny } = await connect(gw, `?pattern=${encodeURIComponent('jido.messaging.room.*')}`)
    const before = gw.messaging.signalPosition()
    await post(gw, 'beta', 'in beta')
    const { message } = await post(gw, 'alpha', 'in alpha')
    await until(() => roomOnly.events.length >= 1, 'the alpha message')
    const expectedAny = await journalPositions(gw, before, { pattern: 'jido.messaging.room.*' })
    await until(() => roomAny.events.length >= expectedAny.length, 'every room.* signal')
    expect(roomAny.events.map((e) => Number(e.id))).toEqual(expectedAny)
    expect(roomAny.events.every((e) => e.event.startsWith('jido.messaging.room.'))).toBe(true)
    await new Promise((r) => setTimeout(r, 100))
    expect(roomOnly.events.map((e) => [e.event, messageIdOf(e)])).toEqual([[SignalTypes.roomMessageAdded, message.id]])
  })

  it('resumes after Last-Event-ID with exactly the signals missed (header, lastEventId, from)', async () => {
    const gw = await gateway()
    const { stream: first } = await connect(gw)
    await post(gw, 'alpha', 'one')
    await until(() => added(first).length === 1, 'the first message')
    const lastId = Number(first.lastId())
    await first.close()
    const missed = [await post(gw, 'alpha', 'two'), await post(gw, 'beta', 'three'), await post(gw, 'alpha', 'four')]
    const expected = await journalPositions(gw, lastId)
    for (const query of ['', `?lastEventId=${lastId}`, `?from=${lastId}`]) {
      const init = query === '' ? { key: 'read', headers: { 'last-event-id': String(lastId) } } : { key: 'read' }
      const { stream } = await connect(gw, query, init)
      await until(() => stream.events.length >= expected.length, `the missed signals (${query || 'header'})`)
      await new Promise((r) => setTimeout(r, 100))
      expect(stream.events.map((e) => Number(e.id))).toEqual(expected)
      expect(added(stream).map(messageIdOf)).toEqual(missed.map((m) => m.message.id))
    }
  })

  it('resumes across a gateway restart on the same store: nothing missed, nothing doubled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jido-sse-'))
    dirs.push(dir)
    const gw1 = await gateway(ROOMS, { dir })
    const { stream } = await connect(gw1)
    await post(gw1, 'alpha', 'before')
    await until(() => added(stream).length === 1, 'the first message')
    const lastId = Number(stream.lastId())
    await stream.close()
    const whileAway = await post(gw1, 'alpha', 'after the client left')
    await gw1.stop()
    open.splice(open.indexOf(gw1), 1)

    const gw2 = await gateway(ROOMS, { dir })
    const afterRestart = await post(gw2, 'beta', 'after the restart')
    const expected = await journalPositions(gw2, lastId)
    const { stream: resumed } = await connect(gw2, '', { key: 'read', headers: { 'last-event-id': String(lastId) } })
    await until(() => resumed.events.length >= expected.length, 'the signals since the last id')
    const live = await post(gw2, 'alpha', 'live')
    await until(() => added(resumed).length >= 3, 'the live message')
    await new Promise((r) => setTimeout(r, 100))
    const ids = resumed.events.map((e) => Number(e.id))
    expect(ids.slice(0, expected.length)).toEqual(expected)
    expect(new Set(ids).size).toBe(ids.length)
    expect(Math.min(...ids)).toBeGreaterThan(lastId)
    expect(added(resumed).map(messageIdOf)).toEqual([whileAway.message.id, afterRestart.message.id, live.message.id])
  })

  it('needs a key (read scope is enough; access_token for EventSource)', async () => {
    const gw = await gateway()
    const none = await gw.call('/v1/signals', { key: 'none' })
    expect(none.status).toBe(401)
    expect(await none.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } })
    expect((await gw.call('/v1/signals', { key: 'wrong-key-0123456789' })).status).toBe(401)
    await connect(gw, `?access_token=${READ_KEY}`, { key: 'none' })
    await connect(gw, '', { key: 'read' })
  })

  it('refuses an invalid pattern, room id or position with 400 and a pruned position with 410 CURSOR_EXPIRED', async () => {
    const gw = await gateway()
    const codeOf = async (query: string, headers: Record<string, string> = {}) => {
      const res = await gw.call(`/v1/signals${query}`, { key: 'read', headers })
      return [res.status, ((await res.json()) as { error: { code: string } }).error.code]
    }
    expect(await codeOf('?pattern=jido..x')).toEqual([400, 'VALIDATION'])
    expect(await codeOf('?pattern=jido.messaging.%3F')).toEqual([400, 'VALIDATION'])
    expect(await codeOf(`?roomId=${'r'.repeat(256)}`)).toEqual([400, 'VALIDATION'])
    expect(await codeOf('?from=yesterday')).toEqual([400, 'VALIDATION'])
    expect(await codeOf('', { 'last-event-id': '-1' })).toEqual([400, 'VALIDATION'])
    expect(await codeOf('?lastEventId=999999')).toEqual([400, 'INVALID_CURSOR'])

    await post(gw, 'alpha', 'soon pruned')
    await new Promise((r) => setTimeout(r, 10))
    expect(await gw.messaging.pruneSignals({ olderThanMs: 0 })).toBeGreaterThan(0)
    expect(await codeOf('', { 'last-event-id': '0' })).toEqual([410, 'CURSOR_EXPIRED'])
  })

  it('stop() ends every open stream', async () => {
    const gw = await gateway()
    const { stream: a } = await connect(gw)
    const { stream: b } = await connect(gw, '?roomId=alpha')
    await gw.stop()
    await until(() => a.ended() && b.ended(), 'both streams to end')
  })

  it('documents /v1/signals in the OpenAPI document', async () => {
    const gw = await gateway()
    const doc = (await (await gw.call('/v1/openapi.json', { key: 'none' })).json()) as { paths: Record<string, { get?: { responses: Record<string, { content?: Record<string, unknown> }> } }> }
    expect(Object.keys(doc.paths['/v1/signals']?.get?.responses['200']?.content ?? {})).toEqual(['text/event-stream'])
  })

  describe('a slow client', () => {
    // The stream is fetched through app.request: nothing reads it until the test does, as a client
    // whose socket is full. A tiny queue and tail force its subscription to the journal.
    async function slowSetup() {
      const gw = await gateway(ROOMS, { messaging: { journal: { pollMs: 50, tailSize: 4 } } })
      const app = new Hono()
      mountSignals(app, gw.context, { maxQueuedBytes: 1, heartbeatMs: 60_000 })
      const slow = async () => {
        const res = await app.request('/v1/signals', { headers: { authorization: `Bearer ${READ_KEY}` } })
        expect(res.status).toBe(200)
        return res
      }
      return { gw, slow }
    }

    it('does not hold up other clients, and later gets every signal from the journal', async () => {
      const { gw, slow } = await slowSetup()
      const stalled = await slow()
      const { stream: fast } = await connect(gw)
      const from = gw.messaging.signalPosition()
      const posted = []
      for (let i = 0; i < 30; i++) posted.push((await post(gw, i % 2 ? 'alpha' : 'beta', `m${i}`)).message.id)
      await until(() => added(fast).length === 30, 'the fast client to get all 30')
      const expected = await journalPositions(gw, from)
      const late = readSse(stalled)
      streams.push(late)
      await until(() => late.events.length >= expected.length, 'the slow client to catch up')
      expect(late.events.map((e) => Number(e.id))).toEqual(expected)
      expect(added(late).map(messageIdOf)).toEqual(posted)
    })

    it('that fell behind past the retention gets a final CURSOR_EXPIRED error event', async () => {
      const { gw, slow } = await slowSetup()
      const stalled = await slow()
      for (let i = 0; i < 20; i++) await post(gw, 'alpha', `m${i}`)
      await new Promise((r) => setTimeout(r, 10))
      expect(await gw.messaging.pruneSignals({ olderThanMs: 0 })).toBeGreaterThan(0)
      const late = readSse(stalled)
      streams.push(late)
      await late.done
      const last = late.events.at(-1)!
      expect(last.event).toBe('error')
      expect(JSON.parse(last.data)).toMatchObject({ code: 'CURSOR_EXPIRED' })
    })

    it('gets a heartbeat comment when nothing happens', async () => {
      const gw = await gateway()
      const app = new Hono()
      mountSignals(app, gw.context, { heartbeatMs: 40 })
      const stream = readSse(await app.request('/v1/signals', { headers: { authorization: `Bearer ${READ_KEY}` } }))
      streams.push(stream)
      await until(() => stream.comments() >= 2, 'two heartbeats')
    })
  })
})
