import pg from 'pg'
import type { JournalAppended, JournalWatch, JournalWatchOptions } from '@jido-messaging/core'

// The store's journal watch: one dedicated connection (not from the pool, which would hand it to a
// query) LISTENs on the schema's journal channel, which every journaled commit NOTIFYs with its new head
// (store-sql's journal tail). It reconnects with backoff after any loss (network, restart,
// pg_terminate_backend) and then calls every watcher once, so they read what was committed meanwhile.

/** `application_name` of the LISTEN connection, to find it in `pg_stat_activity`. */
export const WATCH_APPLICATION_NAME = 'jido-messaging-journal-watch'

export interface JournalListenerConfig {
  /** How the dedicated connection connects (the store's pool settings). */
  client: pg.ClientConfig
  /** The schema's NOTIFY channel (`journalChannel(schema)`). */
  channel: string
  /** Whether a backend pid is one of the store's own pool connections (its own commits). */
  isLocal: (pid: number) => boolean
  /** First reconnect delay (default 100 ms), doubled per failed attempt up to `maxBackoffMs` (default 5000 ms). */
  minBackoffMs?: number
  maxBackoffMs?: number
  /** How often the idle connection is checked by repeating its LISTEN (default 30 s; unanswered within 10 s, it is replaced). */
  heartbeatMs?: number
}

interface Watcher {
  onAppended: (appended: JournalAppended) => void
  onError: ((error: unknown) => void) | undefined
}

/** The LISTEN connection, shared by the store's watchers; open while at least one watches. */
export class JournalListener {
  readonly #config: JournalListenerConfig
  readonly #watchers = new Set<Watcher>()
  #client: pg.Client | undefined
  #listening = false
  #failures = 0
  #timer: NodeJS.Timeout | undefined
  #heartbeat: NodeJS.Timeout | undefined

  constructor(config: JournalListenerConfig) {
    this.#config = config
  }

  watch(onAppended: (appended: JournalAppended) => void, options: JournalWatchOptions = {}): JournalWatch {
    const watcher: Watcher = { onAppended, onError: options.onError }
    this.#watchers.add(watcher)
    // Already listening: this watcher missed nothing since now, but its caller may have read the head a
    // moment ago; one call covers that moment, as a reconnect would.
    if (this.#listening) queueMicrotask(() => this.#watchers.has(watcher) && call(watcher, {}))
    else if (this.#client === undefined && this.#timer === undefined) this.#connect()
    let closed: Promise<void> | undefined
    return {
      close: () => (closed ??= (async () => {
        this.#watchers.delete(watcher)
        if (this.#watchers.size === 0) await this.#disconnect()
      })()),
    }
  }

  /** Ends every watch (the store stops). A later `watch` connects again. */
  async closeAll(): Promise<void> {
    this.#watchers.clear()
    await this.#disconnect()
  }

  #connect(): void {
    const { channel } = this.#config
    // query_timeout bounds the heartbeat: a connection that died without a word (no RST) is replaced.
    const client = new pg.Client({ ...this.#config.client, application_name: WATCH_APPLICATION_NAME, keepAlive: true, query_timeout: 10_000 })
    this.#client = client
    client.on('notification', (n) => {
      if (n.channel !== channel || this.#client !== client) return
      const head = Number(n.payload)
      const local = this.#config.isLocal(n.processId)
      this.#emit(Number.isSafeInteger(head) && head > 0 ? { head, local } : { local })
    })
    client.on('error', (error) => this.#lost(client, error))
    client.on('end', () => this.#lost(client, new Error(`[store-postgres] the journal watch connection closed`)))
    void (async () => {
      try {
        await client.connect()
        await client.query(`LISTEN ${client.escapeIdentifier(channel)}`)
      } catch (error) {
        this.#lost(client, error)
        return
      }
      if (this.#client !== client) return
      this.#listening = true
      this.#failures = 0
      this.#heartbeat = setInterval(() => {
        // LISTEN again rather than `select 1`: a no-op when listening, and pg_stat_activity keeps showing it.
        client.query(`LISTEN ${client.escapeIdentifier(channel)}`).catch((error: unknown) => this.#lost(client, error))
      }, this.#config.heartbeatMs ?? 30_000)
      this.#heartbeat.unref()
      // Whatever was committed while not listening is announced by no NOTIFY: every watcher reads once.
      this.#emit({})
    })()
  }

  /** The connection failed or dropped: report it and connect again after a backoff (while anyone watches). */
  #lost(client: pg.Client, error: unknown): void {
    if (this.#client !== client) return
    this.#client = undefined
    this.#listening = false
    clearInterval(this.#heartbeat)
    void client.end().catch(() => undefined)
    const reason = error instanceof Error ? error.message : String(error)
    const wrapped = new Error(`[store-postgres] journal watch on ${this.#config.channel} lost its connection (reconnecting): ${reason}`, { cause: error })
    for (const w of this.#watchers) w.onError?.(wrapped)
    if (this.#watchers.size === 0) return
    const min = this.#config.minBackoffMs ?? 100
    const max = this.#config.maxBackoffMs ?? 5000
    const delay = Math.min(max, min * 2 ** this.#failures++) * (0.5 + Math.random() / 2)
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      if (this.#watchers.size > 0 && this.#client === undefined) this.#connect()
    }, delay)
    this.#timer.unref()
  }

  async #disconnect(): Promise<void> {
    clearTimeout(this.#timer)
    clearInterval(this.#heartbeat)
    this.#timer = undefined
    const client = this.#client
    this.#client = undefined
    this.#listening = false
    this.#failures = 0
    await client?.end().catch(() => undefined)
  }

  #emit(appended: JournalAppended): void {
    for (const w of [...this.#watchers]) call(w, appended)
  }
}

/** A watcher's callback must not break the connection's event handling. */
function call(watcher: Watcher, appended: JournalAppended): void {
  try {
    watcher.onAppended(appended)
  } catch (error) {
    watcher.onError?.(error)
  }
}
