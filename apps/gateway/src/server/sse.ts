// GET /v1/signals: committed signals as Server-Sent Events, `id:` = journal position. A reconnect with
// `Last-Event-ID` resumes right after it through core's subscription (journal order, none skipped, also
// across a restart on the same store); a position already pruned is CURSOR_EXPIRED, never a silent gap.
import { compilePattern, CursorExpiredError, positionOf, signalJsonText, SignalTypes, type Signal } from '@jido-messaging/core'
import type { Context as HonoContext, Hono } from 'hono'
import type { GatewayContext } from './context.js'
import { HttpError } from './errors.js'
import { SseStream } from './sse-stream.js'

const DEFAULT_PATTERN = 'jido.messaging.**'

export interface SignalsOptions {
  /** A comment is sent after this long without events, so proxies keep the connection (default 15 s). */
  heartbeatMs?: number
  /** Bytes queued per client before its subscription waits and falls behind to the journal (default 256 KiB). */
  maxQueuedBytes?: number
  /** The reconnect delay sent to EventSource clients (`retry:`, default 2000 ms). */
  retryMs?: number
}

/** Where a stream starts: a journal position (`Last-Event-ID`, `lastEventId`, `from`) or `from=now|start`. */
type Start = number | 'now' | 'start'

interface StreamQuery {
  pattern: string
  roomId: string | undefined
  start: Start
}

const invalid = (path: string, message: string) =>
  new HttpError(400, 'VALIDATION', `invalid query: ${path}: ${message}`, { issues: [{ path, message }] })

function position(value: string, path: string): number {
  if (!/^\d{1,15}$/.test(value)) throw invalid(path, 'a journal position is a non-negative integer')
  return Number(value)
}

function parseQuery(c: HonoContext): StreamQuery {
  const pattern = c.req.query('pattern') || DEFAULT_PATTERN
  if (pattern.length > 500) throw invalid('pattern', 'at most 500 characters')
  compilePattern(pattern) // throws VALIDATION
  const roomId = c.req.query('roomId')
  if (roomId !== undefined && (roomId.length === 0 || roomId.length > 255 || /[\u0000-\u001f]/.test(roomId))) throw invalid('roomId', 'a room id is 1-255 characters')
  // EventSource sends Last-Event-ID on a reconnect to the same URL, so it wins over the URL's own start.
  const header = c.req.header('last-event-id')?.trim()
  const lastEventId = c.req.query('lastEventId')
  const from = c.req.query('from')
  let start: Start = 'now'
  if (header) start = position(header, 'Last-Event-ID')
  else if (lastEventId) start = position(lastEventId, 'lastEventId')
  else if (from === 'now' || from === 'start') start = from
  else if (from) start = position(from, 'from')
  return { pattern, roomId, start }
}

/** The position a stream starts after; CURSOR_EXPIRED (410) for a pruned one. */
async function startAfter(gw: GatewayContext, start: Start): Promise<number> {
  if (start === 'now') return gw.messaging.signalPosition() // what subscribe's 'now' means
  const head = await gw.messaging.journalHead()
  if (start === 'start') return head.prunedThrough
  if (start < head.prunedThrough) {
    throw new CursorExpiredError(`journal position ${start} was pruned (the journal starts after ${head.prunedThrough}); read the current state and reconnect without Last-Event-ID`, start, head.prunedThrough)
  }
  if (start > head.position) throw new HttpError(400, 'INVALID_CURSOR', `journal position ${start} is beyond the journal head (${head.position}): it is not from this store`)
  return start
}

// A frame depends only on its signal, and every client that keeps up is handed the same signal object
// (core's in-memory tail), so each is serialized once however many clients stream it.
const frames = new WeakMap<Signal, Buffer>()

function frameOf(signal: Signal): Buffer {
  let frame = frames.get(signal)
  if (frame !== undefined) return frame
  const p = positionOf(signal)
  const json = signalJsonText(signal)
  const type = signal.type.replace(/[\r\n]/g, '')
  // A live-only signal (typing) has no position: no `id:`, so the client's resume point stays put.
  frame = Buffer.from(p === undefined
    ? `event: ${type}\ndata: ${json}\n\n`
    : `id: ${p}\nevent: ${type}\ndata: ${json.slice(0, -1)},"position":${p}}\n\n`)
  frames.set(signal, frame)
  return frame
}

/** The last frame of a stream whose next positions were pruned before it read them. */
function expiredFrame(gap: Signal): Buffer {
  const d = gap.data ?? {}
  const error = { code: 'CURSOR_EXPIRED', message: String(d['message'] ?? 'signals were pruned before this stream read them'), fromPosition: d['fromPosition'], toPosition: d['toPosition'] }
  return Buffer.from(`event: error\ndata: ${JSON.stringify(error)}\n\n`)
}

export function mountSignals(app: Hono, gw: GatewayContext, options: SignalsOptions = {}): void {
  const heartbeatMs = options.heartbeatMs ?? 15_000
  const maxQueuedBytes = options.maxQueuedBytes ?? 256 * 1024
  const retryMs = options.retryMs ?? 2000
  const open = new Set<SseStream>()
  // One listener for all streams (one per stream would trip Node's listener-leak warning).
  gw.stopping.addEventListener('abort', () => {
    for (const stream of [...open]) stream.close()
  }, { once: true })

  app.get('/v1/signals', async (c) => {
    gw.keys.authenticate(c.req.header('authorization'), c.req.query('access_token'), 'read')
    const query = parseQuery(c)
    const refuseStopping = () => new HttpError(503, 'STORE_UNAVAILABLE', 'the gateway is shutting down; reconnect with Last-Event-ID')
    if (gw.stopping.aborted) throw refuseStopping()
    const after = await startAfter(gw, query.start)
    if (gw.stopping.aborted) throw refuseStopping()

    let subscriptionId: string | undefined
    const stream = new SseStream({
      maxQueuedBytes,
      heartbeatMs,
      onClose: () => {
        open.delete(stream)
        gw.metrics.streamClosed()
        if (subscriptionId !== undefined) gw.messaging.unsubscribe(subscriptionId)
      },
    })
    // An `id:` line without data sets the client's Last-Event-ID without an event: a reconnect before
    // the first event resumes from here instead of from a new 'now'.
    stream.write(Buffer.from(`retry: ${retryMs}\nid: ${after}\n\n`))
    open.add(stream)
    gw.metrics.streamOpened()
    try {
      subscriptionId = gw.messaging.subscribe(query.pattern, (signal) => {
        if (signal.type === SignalTypes.journalGap) return stream.end(expiredFrame(signal))
        return stream.write(frameOf(signal))
      }, { from: after, ...(query.roomId === undefined ? {} : { roomId: query.roomId }) }).id
    } catch (error) {
      stream.close()
      throw error
    }
    return c.body(stream.body, 200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      'transfer-encoding': 'chunked',
    })
  })
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { type: 'object', properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] } } } } },
})

/** The OpenAPI path item of /v1/signals (hand-mounted, so described here). */
export function signalsOpenApi(): Record<string, unknown> {
  const position = { type: 'integer', minimum: 0 }
  return {
    '/v1/signals': {
      get: {
        operationId: 'streamSignals',
        summary: 'Live stream of committed signals (Server-Sent Events): id = journal position, event = signal type, data = the CloudEvent JSON',
        description: 'Resumes after Last-Event-ID (or lastEventId / from) with nothing missed, also across restarts; without one it starts now. '
          + 'A comment is sent every 15 s without events. A position older than the journal retention is 410 CURSOR_EXPIRED before the stream starts, '
          + 'or a final `event: error` with code CURSOR_EXPIRED if the stream fell that far behind. EventSource clients may pass the key as access_token.',
        tags: ['signals'],
        security: [{ bearer: [] }],
        'x-scope': 'read',
        parameters: [
          { name: 'pattern', in: 'query', required: false, description: 'signal type pattern: `*` one segment, `**` any (default jido.messaging.**)', schema: { type: 'string', maxLength: 500 } },
          { name: 'roomId', in: 'query', required: false, description: 'only signals of this room', schema: { type: 'string', minLength: 1, maxLength: 255 } },
          { name: 'from', in: 'query', required: false, description: '`now` (default), `start` (oldest retained) or a journal position to start after', schema: { oneOf: [{ type: 'string', enum: ['now', 'start'] }, position] } },
          { name: 'lastEventId', in: 'query', required: false, description: 'a journal position to resume after (as Last-Event-ID)', schema: position },
          { name: 'Last-Event-ID', in: 'header', required: false, description: 'the id of the last event received: the stream resumes right after it', schema: position },
          { name: 'access_token', in: 'query', required: false, description: 'the API key, for clients that cannot set headers (EventSource)', schema: { type: 'string' } },
        ],
        responses: {
          200: { description: 'an endless text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          400: errorResponse('invalid pattern, roomId or position (VALIDATION, INVALID_CURSOR)'),
          401: errorResponse('no or unknown API key'),
          410: errorResponse('CURSOR_EXPIRED: the position was pruned'),
          503: errorResponse('the gateway is shutting down'),
        },
      },
    },
  }
}
