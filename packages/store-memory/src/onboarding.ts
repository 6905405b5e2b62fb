import type { OnboardingFlow, OnboardingStore } from '@jido-messaging/core'
import { appendPrepared, journalNow, prepareJournal } from './journal.js'
import { clone, type MemoryState } from './state.js'

/**
 * The onboarding flows of one memory store. Each method runs without awaiting, so get-or-create and
 * update are atomic; records go in and come out as deep copies.
 */
export function onboardingMethods(state: MemoryState): OnboardingStore {
  const flows = (): Map<string, OnboardingFlow> => state.onboardingFlows

  return {
    async getOrCreateOnboardingFlow(candidate, journal) {
      const existing = flows().get(candidate.id)
      if (existing !== undefined) {
        const found = { flow: clone(existing), created: false }
        journalNow(state, journal, found)
        return found
      }
      const stored = clone(candidate)
      const result = { flow: clone(stored), created: true }
      // The hook first: one that throws leaves the store unchanged.
      const prepared = prepareJournal(journal, result)
      flows().set(stored.id, stored)
      appendPrepared(state, prepared, journal)
      return result
    },

    async getOnboardingFlow(id) {
      const flow = flows().get(id)
      return flow === undefined ? null : clone(flow)
    },

    async updateOnboardingFlow(id, updater, journal) {
      const current = flows().get(id)
      if (current === undefined) {
        journalNow(state, journal, null)
        return null
      }
      const next = updater(clone(current))
      if (next === undefined) {
        const unchanged = { record: clone(current), changed: false }
        journalNow(state, journal, unchanged)
        return unchanged
      }
      // The id is the record's identity; an updater cannot move the flow.
      const stored = { ...clone(next), id }
      const result = { record: clone(stored), changed: true }
      const prepared = prepareJournal(journal, result)
      flows().set(id, stored)
      appendPrepared(state, prepared, journal)
      return result
    },
  }
}
