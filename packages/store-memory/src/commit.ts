import type { RuntimeStore } from '@jido-messaging/core'
import { liveClaim } from './dedupe.js'
import { appendPrepared, journalNow, prepareJournal } from './journal.js'
import { checkInsertMessage, putMessage } from './messages.js'
import { checkNewDeliveries, putDelivery } from './outbox.js'
import { putMember } from './participants.js'
import { clone, requireRoom, type MemoryState } from './state.js'

type CommitMethods = Pick<RuntimeStore, 'commitMessage'>

export function commitMethods(state: MemoryState): CommitMethods {
  return {
    // All checks first, then all writes, with no await anywhere: a call that throws has written nothing
    // (no claim, message, member, delivery or journal entry), and concurrent commits of one dedupe key
    // see one winner. The journal hook is called with the result after the checks, before the first write.
    async commitMessage(input) {
      const { message, deliveries = [], dedupe, member, journal } = input
      if (dedupe !== undefined) {
        const held = liveClaim(state, dedupe.key, Date.parse(dedupe.now))
        if (held !== undefined) {
          const duplicate = { status: 'duplicate' as const, messageId: held.messageId }
          journalNow(state, journal, duplicate)
          return duplicate
        }
      }
      checkInsertMessage(state, message)
      const fresh = checkNewDeliveries(state, deliveries)
      if (member !== undefined) requireRoom(state, member.roomId)
      const stored = clone(message)
      const memberCopy = member === undefined ? undefined : clone(member)
      const memberAdded = memberCopy !== undefined && state.members.get(memberCopy.roomId)?.has(memberCopy.participantId) !== true
      const result = { status: 'created' as const, message: clone(stored), memberAdded }
      const prepared = prepareJournal(journal, result)

      if (dedupe !== undefined) state.dedupe.set(dedupe.key, { expiresAt: Date.parse(dedupe.expiresAt), messageId: message.id })
      putMessage(state, stored)
      if (memberCopy !== undefined) putMember(state, memberCopy)
      for (const delivery of fresh) putDelivery(state, delivery)
      appendPrepared(state, prepared, journal)
      return result
    },
  }
}
