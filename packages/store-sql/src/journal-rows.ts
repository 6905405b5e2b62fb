import { signalJsonText, signalToJson, ValidationError, type Signal } from '@jido-messaging/core'

/** A signal as the journal stores it, before the batch's tail gives it its position. */
export interface JournalRow {
  id: string
  type: string
  /** The signal's subject: the room id (null for a signal without one). */
  room_id: string | null
  time: string
  /** `JSON.stringify(signalToJson(signal))`: read back with `signalFromJson`. */
  body: string
}

const text = (json: Record<string, unknown>, key: string): string => {
  const value = json[key]
  if (typeof value !== 'string') {
    throw new ValidationError(`[store-sql] a journaled signal needs a string ${key}`, [{ path: key, message: 'expected a string' }])
  }
  return value
}

/**
 * The journal rows of a write's signals, built inside the write's step so that a signal that cannot be
 * stored fails that write alone. Accepts signals that crossed a thread as plain objects.
 */
export function journalRowsOf(signals: readonly Signal[]): JournalRow[] {
  if (!Array.isArray(signals)) {
    throw new ValidationError('[store-sql] journal.signals() must return an array of signals', [{ path: 'signals', message: 'expected an array' }])
  }
  // Signals of one write that share a data object (an ingested message's message_added and
  // message.received carry the same message) store it once: in the last of them, the carrier; each
  // earlier one holds `"data@": k`, the carrier being k positions later. A write's signals get
  // consecutive positions and pruning deletes a prefix, so a carrier outlives the rows that point to it.
  const carrier = carriersOf(signals)
  return signals.map((signal, i) => {
    const e = signal as unknown as Record<string, unknown>
    const ref = carrier[i]
    if (typeof signal.toJSON === 'function' && typeof e['id'] === 'string' && typeof e['type'] === 'string' && typeof e['time'] === 'string') {
      const subject = e['subject']
      const body = ref === undefined ? signalJsonText(signal) : withDataRef(signalJsonText(signal, () => DATA_MARK), ref - i)
      return { id: e['id'], type: e['type'], room_id: typeof subject === 'string' ? subject : null, time: e['time'], body }
    }
    const json = signalToJson(signal)
    const subject = json['subject']
    if (ref !== undefined && json['data'] !== undefined) {
      delete json['data']
      json[DATA_REF] = ref - i
    }
    return {
      id: text(json, 'id'), type: text(json, 'type'), room_id: typeof subject === 'string' ? subject : null, time: text(json, 'time'),
      body: JSON.stringify(json),
    }
  })
}

/** The key of a row whose data lives in a later row of its write (not a valid CloudEvents attribute name). */
export const DATA_REF = 'data@'
const DATA_MARK = '0'

/** For each signal whose data object a later signal of the write shares: the index of the last such. */
function carriersOf(signals: readonly Signal[]): Array<number | undefined> {
  const out: Array<number | undefined> = new Array(signals.length)
  let data: unknown
  let at = -1
  for (let i = signals.length - 1; i >= 0; i--) {
    const d = (signals[i] as unknown as { data?: unknown }).data
    if (d !== null && typeof d === 'object' && d === data) out[i] = at
    else {
      data = d
      at = i
    }
  }
  return out
}

/** `body` with its `"data":0` (from {@link signalJsonText}) replaced by the reference. */
function withDataRef(body: string, delta: number): string {
  // Unique: inside the JSON strings before it a quote is escaped, so `,"data":0,"correlationid":` occurs once.
  const mark = `,"data":${DATA_MARK},"correlationid":`
  const at = body.indexOf(mark)
  if (at < 0) throw new Error('[store-sql] unexpected journal body shape')
  return `${body.slice(0, at)},"${DATA_REF}":${delta},"correlationid":${body.slice(at + mark.length)}`
}

/**
 * Parses journal rows' bodies, resolving each `"data@"` reference to its carrier's data: from `rows`
 * when the carrier is among them, otherwise through `fetch` (one call for all missing positions).
 */
export async function parseJournalBodies(
  rows: ReadonlyArray<{ position: number; body: string }>,
  fetch: (positions: number[]) => Promise<Array<{ position: number; body: string }>>,
): Promise<Array<Record<string, unknown>>> {
  const parsed = rows.map((r) => JSON.parse(r.body) as Record<string, unknown>)
  let refs: number[] | undefined
  for (let i = 0; i < parsed.length; i++) if (parsed[i]![DATA_REF] !== undefined) (refs ??= []).push(i)
  if (refs === undefined) return parsed
  const byPosition = new Map<number, Record<string, unknown>>()
  rows.forEach((r, i) => byPosition.set(r.position, parsed[i]!))
  const missing = [...new Set(refs.map((i) => rows[i]!.position + Number(parsed[i]![DATA_REF])).filter((p) => !byPosition.has(p)))]
  if (missing.length > 0) for (const r of await fetch(missing)) byPosition.set(Number(r.position), JSON.parse(r.body) as Record<string, unknown>)
  for (const i of refs) {
    const json = parsed[i]!
    const target = rows[i]!.position + Number(json[DATA_REF])
    const carrierJson = byPosition.get(target)
    if (carrierJson === undefined || carrierJson['data'] === undefined) {
      throw new Error(`[store-sql] journal entry ${rows[i]!.position} refers to the data of entry ${target}, which is missing`)
    }
    delete json[DATA_REF]
    json['data'] = carrierJson['data']
  }
  return parsed
}
