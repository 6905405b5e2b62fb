import type { MessagingStore, RuntimeStore } from '@jido-messaging/core'
import { agentMethods } from './agents.js'
import { bindingMethods } from './bindings.js'
import { commitMethods } from './commit.js'
import { deadLetterMethods } from './dead-letters.js'
import { dedupeMethods } from './dedupe.js'
import { directoryMethods } from './directory.js'
import { ingressMethods } from './ingress.js'
import { journalMethods } from './journal.js'
import { fenced, leaseMethods } from './leases.js'
import { messageMethods } from './messages.js'
import { onboardingMethods } from './onboarding.js'
import { outboxMethods } from './outbox.js'
import { outboxStatsMethods } from './outbox-stats.js'
import { participantMethods } from './participants.js'
import { revisionedMethods } from './revisioned.js'
import { roomMethods } from './rooms.js'
import { createState } from './state.js'
import { threadMethods } from './threads.js'

/** What {@link createMemoryStore} returns: the messaging store and the bridge runtime's store in one. */
export type MemoryStore = MessagingStore & RuntimeStore

/**
 * An in-process {@link MessagingStore} and {@link RuntimeStore}: every record lives in this process's
 * memory and is gone when it exits. Each method runs to completion without awaiting, which is what makes
 * the get-or-create, claim, commit and lease operations atomic. Records go in and come out as deep copies.
 */
export function createMemoryStore(): MemoryStore {
  const state = createState()
  // Writes made under a lease fence (JournalWrite.fence, a fenced checkpoint) are checked first.
  return fenced(state, {
    name: 'store-memory',
    async start() {},
    async stop() {},
    ...leaseMethods(state),
    ...roomMethods(state),
    ...bindingMethods(state),
    ...participantMethods(state),
    ...messageMethods(state),
    ...threadMethods(state),
    ...revisionedMethods(state),
    ...dedupeMethods(state),
    ...commitMethods(state),
    ...outboxMethods(state),
    ...deadLetterMethods(state),
    ...outboxStatsMethods(state),
    ...ingressMethods(state),
    ...directoryMethods(state),
    ...agentMethods(state),
    ...onboardingMethods(state),
    ...journalMethods(state),
  })
}
