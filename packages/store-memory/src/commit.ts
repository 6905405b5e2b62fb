import type { RuntimeStore } from '@jido-messaging/core'
import { liveClaim } from './dedupe.js'
import { checkInsertMessage, putMessage } from './messages.js'
import { checkNewDeliveries, putDelivery } from './outbox.js'
import { putMember } from './participants.js'
import { clone, requireRoom, type MemoryState } from './state.js'

type CommitMethods = Pick<RuntimeStore, 'commitMessage'>

export function commitMethods(state: MemoryState): CommitMethods {
  return {
    // All checks first, then all writes, with no await anywhere: a call that throws has written nothing
    // (no claim, message, member or delivery), and concurrent commits of one dedupe key see one winner.
    async commitMessage(input) {
      const { message, deliveries = [], dedupe, member } = input
      if (dedupe !== undefined) {
        const held = liveClaim(state, dedupe.key, Date.parse(dedupe.now))
        if (held !== undefined) return { status: 'duplicate', messageId: held.messageId }
      }
      checkInsertMessage(state, message)
      const fresh = checkNewDeliveries(state, deliveries)
      if (member !== undefined) requireRoom(state, member.roomId)
      const stored = clone(message)
      const memberCopy = member === undefined ? undefined : clone(member)

      if (dedupe !== undefined) state.dedupe.set(dedupe.key, { expiresAt: Date.parse(dedupe.expiresAt), messageId: message.id })
      putMessage(state, stored)
      const memberAdded = memberCopy !== undefined && putMember(state, memberCopy)
      for (const delivery of fresh) putDelivery(state, delivery)
      return { status: 'created', message: clone(stored), memberAdded }
    },
  }
}
