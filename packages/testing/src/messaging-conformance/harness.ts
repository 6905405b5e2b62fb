import { createMessaging, type Messaging, type MessagingStore, type Signal } from '@jido-messaging/core'
import { afterEach, beforeEach } from 'vitest'

export interface MessagingConformanceOptions {
  /** Suite title, e.g. the store name. */
  name: string
  /** A fresh, empty store for each test. */
  create: () => MessagingStore | Promise<MessagingStore>
  /** Cleanup after each test (after `messaging.stop()`, which already stops the store). */
  destroy?: (store: MessagingStore) => Promise<void> | void
  /** A new store over the same data as `store` (after it stopped), as a restarted process opens it; unset for stores that keep nothing. */
  reopen?: (store: MessagingStore) => MessagingStore | Promise<MessagingStore>
}

export interface Harness {
  messaging: Messaging
  store: MessagingStore
  /** Every signal seen so far by a catch-all subscriber. */
  signals: Signal[]
  /** Resolves once `count` signals were seen (or rejects after 2 s). */
  waitForSignals(count: number): Promise<Signal[]>
}

/** Gives each test its own started Messaging instance over a fresh store, stopped after the test. */
export function useMessaging(options: MessagingConformanceOptions): () => Harness {
  let current: Harness | undefined
  beforeEach(async () => {
    const store = await options.create()
    const messaging = createMessaging({ store, instanceId: 'conformance' })
    await messaging.start()
    const signals: Signal[] = []
    messaging.subscribe('jido.messaging.**', (s) => void signals.push(s))
    current = {
      messaging,
      store,
      signals,
      async waitForSignals(count) {
        const deadline = Date.now() + 30_000
        while (signals.length < count) {
          if (Date.now() > deadline) throw new Error(`expected ${count} signals, saw ${signals.length}`)
          await new Promise((r) => setTimeout(r, 2))
        }
        return signals
      },
    }
  })
  afterEach(async () => {
    if (!current) return
    await current.messaging.stop()
    await options.destroy?.(current.store)
    current = undefined
  })
  return () => {
    if (!current) throw new Error('harness used outside a test')
    return current
  }
}

export const text = (t: string) => [{ type: 'text' as const, text: t }]
