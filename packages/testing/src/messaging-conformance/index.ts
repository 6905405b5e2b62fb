import { describe } from 'vitest'
import { apiCases } from './api.js'
import { errorCases } from './errors.js'
import type { MessagingConformanceOptions } from './harness.js'
import { signalCases } from './signals.js'
import { journalCases } from './journal.js'
import { directoryCases } from './directory.js'
import { onboardingCases } from './onboarding.js'
import { agentCases } from './agents.js'
import { reviewDefectCases } from './review-defects.js'

export type { MessagingConformanceOptions } from './harness.js'

/**
 * The public API of `createMessaging` run over a store: every store passes it in addition to the raw
 * store suite, so behaviour is proven through the wrapper users call.
 */
export function messagingConformance(options: MessagingConformanceOptions): void {
  describe(`messaging API over ${options.name}`, () => {
    apiCases(options)
    signalCases(options)
    errorCases(options)
    journalCases(options)
    directoryCases(options)
    onboardingCases(options)
    agentCases(options)
    reviewDefectCases(options)
  })
}
