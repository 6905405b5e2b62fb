import { signalToJson, ValidationError, type Signal } from '@jido-messaging/core'

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
  return signals.map((signal) => {
    const json = signalToJson(signal)
    const subject = json['subject']
    return {
      id: text(json, 'id'), type: text(json, 'type'), room_id: typeof subject === 'string' ? subject : null, time: text(json, 'time'),
      body: JSON.stringify(json),
    }
  })
}
