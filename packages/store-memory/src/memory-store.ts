import type { MessagingStore } from '@jido-messaging/core'
import { bindingMethods } from './bindings.js'
import { dedupeMethods } from './dedupe.js'
import { messageMethods } from './messages.js'
import { participantMethods } from './participants.js'
import { revisionedMethods } from './revisioned.js'
import { roomMethods } from './rooms.js'
import { createState } from './state.js'
import { threadMethods } from './threads.js'

/**
 * An in-process {@link MessagingStore}: every record lives in this process's memory and is gone when it
 * exits. Each method runs to completion without awaiting, which is what makes the get-or-create and
 * claim operations atomic. Records go in and come out as deep copies.
 */
export function createMemoryStore(): MessagingStore {
  const state = createState()
  return {
    name: 'store-memory',
    async start() {},
    async stop() {},
    ...roomMethods(state),
    ...bindingMethods(state),
    ...participantMethods(state),
    ...messageMethods(state),
    ...threadMethods(state),
    ...revisionedMethods(state),
    ...dedupeMethods(state),
  }
}
