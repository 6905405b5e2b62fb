import { describe } from 'vitest'
import { agentStoreCases } from './agents.js'
import { bindingCases } from './bindings.js'
import { useStore, type StoreConformanceOptions } from './context.js'
import { copyCases } from './copies.js'
import { crossHandleCases } from './cross-handle.js'
import { dedupeCases } from './dedupe.js'
import { directoryCases } from './directory.js'
import { journalCases } from './journal.js'
import { listMessageCases } from './list-messages.js'
import { messageCases } from './messages.js'
import { onboardingStoreCases } from './onboarding.js'
import { paginationProperties } from './pagination.js'
import { participantCases } from './participants.js'
import { revisionedCases } from './revisioned.js'
import { roomCases } from './rooms.js'
import { threadCases } from './threads.js'

export type { StoreCapabilities, StoreConformanceOptions } from './context.js'

/**
 * Registers the `MessagingStore` conformance suite for one store. Every test gets a fresh store from
 * `options.create()` (started with `start()` when the store has one) and disposes of it afterwards.
 */
export function storeConformance(options: StoreConformanceOptions): void {
  if (options.capabilities?.crossProcess && options.connectPeer === undefined) {
    throw new Error(`[testing] ${options.name}: capabilities.crossProcess needs connectPeer to open a second handle`)
  }
  describe(`MessagingStore conformance: ${options.name}`, () => {
    const ctx = useStore(options)
    roomCases(ctx)
    bindingCases(ctx)
    participantCases(ctx)
    directoryCases(ctx)
    messageCases(ctx)
    listMessageCases(ctx)
    paginationProperties(ctx)
    threadCases(ctx)
    revisionedCases(ctx)
    dedupeCases(ctx)
    copyCases(ctx)
    crossHandleCases(ctx)
    journalCases(ctx)
    agentStoreCases(ctx)
    onboardingStoreCases(ctx)
  })
}
