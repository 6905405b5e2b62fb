import type { Updater, UpdateResult } from './store.js'
import type { JournalWrite } from './journal.js'

export const OnboardingStatuses = ['started', 'directory_resolved', 'paired', 'completed', 'cancelled'] as const
export type OnboardingStatus = (typeof OnboardingStatuses)[number]
export const OnboardingTransitions = ['resolve_directory', 'pair_identity', 'complete', 'cancel'] as const
export type OnboardingTransitionName = (typeof OnboardingTransitions)[number]

/**
 * The state machine (SPEC 9): for each status, the transitions it allows and where each leads.
 * `started --resolve_directory--> directory_resolved --pair_identity--> paired --complete--> completed`,
 * `cancel` from the first three to `cancelled`; `completed` and `cancelled` are terminal.
 */
export const OnboardingMachine: Readonly<Record<OnboardingStatus, Readonly<Partial<Record<OnboardingTransitionName, OnboardingStatus>>>>> = {
  started: { resolve_directory: 'directory_resolved', cancel: 'cancelled' },
  directory_resolved: { pair_identity: 'paired', cancel: 'cancelled' },
  paired: { complete: 'completed', cancel: 'cancelled' },
  completed: {},
  cancelled: {},
}

/** Which field of the flow each transition's metadata is kept in (the log keeps it too). */
export const OnboardingMetadataFields = {
  resolve_directory: 'directoryMatch',
  pair_identity: 'pairing',
  complete: 'completionMetadata',
  cancel: 'completionMetadata',
} as const satisfies Record<OnboardingTransitionName, keyof OnboardingFlow>

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

/** What `advanceOnboarding` (and cancel, complete) resolves: the flow as it is now, and what the call did. */
export interface OnboardingAdvanceResult {
  flow: OnboardingFlow
  transition: OnboardingTransitionResult
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
  /**
   * Atomic read-modify-write, as updateMessage (also across processes): null when absent; the updater's
   * `undefined` leaves the flow unchanged (`changed: false`). The updater cannot change the id.
   */
  updateOnboardingFlow(id: string, updater: Updater<OnboardingFlow>, journal?: JournalWrite<UpdateResult<OnboardingFlow> | null>): Promise<UpdateResult<OnboardingFlow> | null>
}
