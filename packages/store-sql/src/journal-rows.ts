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
  // message.received) have it serialized once.
  let lastData: unknown
  let lastText = ''
  const dataText = (data: unknown): string => {
    if (data !== lastData) {
      lastText = JSON.stringify(data)
      lastData = data
    }
    return lastText
  }
  return signals.map((signal) => {
    const e = signal as unknown as Record<string, unknown>
    if (typeof signal.toJSON === 'function' && typeof e['id'] === 'string' && typeof e['type'] === 'string' && typeof e['time'] === 'string') {
      const subject = e['subject']
      return { id: e['id'], type: e['type'], room_id: typeof subject === 'string' ? subject : null, time: e['time'], body: signalJsonText(signal, dataText) }
    }
    const json = signalToJson(signal)
    const subject = json['subject']
    return {
      id: text(json, 'id'), type: text(json, 'type'), room_id: typeof subject === 'string' ? subject : null, time: text(json, 'time'),
      body: JSON.stringify(json),
    }
  })
}
