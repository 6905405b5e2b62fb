import type { Updater, UpdateResult } from './store.js'
import type { JournalWrite } from './journal.js'

export const OnboardingStatuses = ['started', 'directory_resolved', 'paired', 'completed', 'cancelled'] as const
export type OnboardingStatus = (typeof OnboardingStatuses)[number]
export const OnboardingTransitions = ['resolve_directory', 'pair_identity', 'complete', 'cancel'] as const
export type OnboardingTransitionName = (typeof OnboardingTransitions)[number]

/** One entry of a flow's append-only transition log. */
export interface OnboardingTransitionRecord {
  transition: OnboardingTransitionName
  from: OnboardingStatus
  to: OnboardingStatus
  metadata: Record<string, unknown>
  idempotencyKey?: string
  at: string
}

/** What `advanceOnboarding` resolves; cached per idempotency key on the flow. */
export interface OnboardingTransitionResult {
  onboardingId: string
  transition: OnboardingTransitionName
  previousStatus: OnboardingStatus
  status: OnboardingStatus
  idempotent: boolean
}

/** A persisted onboarding flow (SPEC 9). */
export interface OnboardingFlow {
  id: string
  status: OnboardingStatus
  /** Free-form attributes given at start (who is onboarding, through which channel, ...). */
  attrs: Record<string, unknown>
  /** Set by resolve_directory. */
  directoryMatch?: Record<string, unknown>
  /** Set by pair_identity. */
  pairing?: Record<string, unknown>
  /** Set by complete or cancel. */
  completionMetadata?: Record<string, unknown>
  transitions: OnboardingTransitionRecord[]
  /** Results of the transitions made with an idempotency key, by key. */
  idempotency: Record<string, OnboardingTransitionResult>
  insertedAt: string
  updatedAt: string
}

/** Onboarding flows. Same rules as MessagingStore. */
export interface OnboardingStore {
  /** Returns the flow with `candidate.id`, creating it when absent; race-safe (one creator wins). */
  getOrCreateOnboardingFlow(candidate: OnboardingFlow, journal?: JournalWrite<{ flow: OnboardingFlow; created: boolean }>): Promise<{ flow: OnboardingFlow; created: boolean }>
  getOnboardingFlow(id: string): Promise<OnboardingFlow | null>
  /** Atomic read-modify-write, as updateMessage (also across processes). */
  updateOnboardingFlow(id: string, updater: Updater<OnboardingFlow>, journal?: JournalWrite<UpdateResult<OnboardingFlow> | null>): Promise<UpdateResult<OnboardingFlow> | null>
}
