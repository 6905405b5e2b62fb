import type { InboundEvent, PlatformAdapter } from '@jido-messaging/core'

// A platform whose events wait in one queue until a listener acknowledges them, which it does only after
// their ingest committed (as Telegram's long polling confirms updates with the next offset): an event
// whose ingest failed, or that was in flight when its listener stopped, goes to whichever listener polls
// next. Every listener (one per Messaging instance under test) records its terms and what it ingested.

export interface ListenerTerm {
  instance: string
  /** performance.now() when the listener started, and when its stop completed (undefined: running). */
  start: number
  stop: number | undefined
}

export interface QueuePlatform {
  /** Events not acknowledged yet, oldest first. */
  readonly pending: InboundEvent[]
  readonly terms: ListenerTerm[]
  readonly ingested: Array<{ instance: string; externalMessageId: string }>
  /** Ingests that failed (the event stayed in the queue), with the error's code. */
  readonly refused: Array<{ instance: string; externalMessageId: string; code: string | undefined }>
  /** Queues a new platform message; resolves its external id. */
  push(text: string): string
  /** The adapter one instance registers: its listener polls this platform's queue. */
  adapter(instance: string): PlatformAdapter
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

let counter = 0

export function queuePlatform(): QueuePlatform {
  const pending: InboundEvent[] = []
  const terms: ListenerTerm[] = []
  const ingested: QueuePlatform['ingested'] = []
  const refused: QueuePlatform['refused'] = []
  return {
    pending, terms, ingested, refused,
    push(text) {
      const externalMessageId = `q-${process.pid}-${++counter}`
      pending.push({ kind: 'message', externalRoomId: 'queue-chat', externalUserId: 'queue-user', externalMessageId, text, media: [], chatType: 'group',
        isSelf: false, timestamp: new Date().toISOString(), raw: {} } as InboundEvent)
      return externalMessageId
    },
    adapter(instance) {
      return {
        name: 'queue',
        channel: 'queue',
        capabilities: { send: 'unsupported', edit: 'unsupported', delete: 'unsupported', reactions: 'unsupported', typing: 'unsupported',
          threads: 'unsupported', replies: 'unsupported', media: 'unsupported', webhook: false, listener: true, ingressSubscriptions: false,
          textLimit: 1000, markdown: 'none' },
        defaultIngressMode: 'gateway',
        async startListener(_bridge, ctx) {
          const term: ListenerTerm = { instance, start: performance.now(), stop: undefined }
          terms.push(term)
          const stop = new AbortController()
          const signal = AbortSignal.any([ctx.signal, stop.signal])
          const loop = (async () => {
            while (!signal.aborted) {
              const event = pending[0]
              if (event === undefined) {
                await sleep(5)
                continue
              }
              try {
                await ctx.ingest(event)
              } catch (error) {
                refused.push({ instance, externalMessageId: event.externalMessageId, code: (error as { code?: string }).code })
                await sleep(20)
                continue
              }
              // Acknowledged only now, after the commit.
              const at = pending.indexOf(event)
              if (at >= 0) pending.splice(at, 1)
              ingested.push({ instance, externalMessageId: event.externalMessageId })
            }
          })()
          return {
            async stop() {
              stop.abort()
              await loop
              term.stop ??= performance.now()
            },
          }
        },
      } as PlatformAdapter
    },
  }
}

/** Whether listener terms of different instances overlap in time (a term still running lasts until now). */
export function overlapping(terms: readonly ListenerTerm[]): Array<[ListenerTerm, ListenerTerm]> {
  const out: Array<[ListenerTerm, ListenerTerm]> = []
  const now = performance.now()
  for (const a of terms) {
    for (const b of terms) {
      if (a.instance >= b.instance) continue
      if (a.start < (b.stop ?? now) && b.start < (a.stop ?? now)) out.push([a, b])
    }
  }
  return out
}
