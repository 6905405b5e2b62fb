import { z } from 'zod'
import {
  OnboardingMachine,
  OnboardingMetadataFields,
  OnboardingTransitions,
  type OnboardingAdvanceResult,
  type OnboardingFlow,
  type OnboardingTransitionName,
  type OnboardingTransitionRecord,
  type OnboardingTransitionResult,
} from '../contracts/onboarding.js'
import type { SignalData } from '../contracts/signal-bus.js'
import type { UpdateResult } from '../contracts/store.js'
import { InvalidTransitionError, NotFoundError } from '../errors.js'
import { newId, nowIso } from '../ids.js'
import { SignalTypes } from '../signals/types.js'
import { parse, requireId } from '../validate.js'
import { emit, journal, signalContext, type CommandOptions, type Context } from './context.js'

// Onboarding flows (SPEC 9): a persisted state machine per flow. Every transition is one atomic
// `updateOnboardingFlow`: the idempotency check, the state check, the log entry and the
// `onboarding.transitioned` signal (journaled in the same transaction) commit together or not at all,
// so a repeated idempotency key is answered from the flow also when another process made the call.

/** Options of a transition: an idempotency key, and the signal context of the command. */
export interface OnboardingTransitionOptions extends CommandOptions {
  /** A repeated key returns the first call's result with `idempotent: true` and changes nothing. */
  idempotencyKey?: string
}

/** What `startOnboarding` takes: an optional id and free-form attributes kept on the flow as `attrs`. */
export type StartOnboardingAttrs = { onboardingId?: string } & Record<string, unknown>

/**
 * The calls of one flow, run one at a time in call order within this Messaging instance (see
 * `onboardingWorker`). Each call settles on its own: a failed call rejects and the next one runs.
 */
export interface OnboardingWorker {
  readonly onboardingId: string
  advance(transition: OnboardingTransitionName, metadata?: Record<string, unknown>, options?: OnboardingTransitionOptions): Promise<OnboardingAdvanceResult>
  cancel(metadata?: Record<string, unknown>, options?: OnboardingTransitionOptions): Promise<OnboardingAdvanceResult>
  complete(metadata?: Record<string, unknown>, options?: OnboardingTransitionOptions): Promise<OnboardingAdvanceResult>
  /** The flow as stored once every earlier call of this worker settled (null when absent). */
  get(): Promise<OnboardingFlow | null>
}

const id = z.string().min(1).max(255)

/** A JSON object: what every store keeps alike (undefined members dropped, as JSON does). */
const jsonObject = z.record(z.string(), z.unknown()).transform((value, ctx) => {
  try {
    return JSON.parse(JSON.stringify(value)) as Record<string, unknown>
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `must be JSON-serializable (${(error as Error).message})` })
    return z.NEVER
  }
})

const StartSchema = z.looseObject({ onboardingId: id.optional() })
const TransitionSchema = z.enum(OnboardingTransitions)
const OptionsSchema = z.strictObject({
  idempotencyKey: z.string().min(1).max(255).optional(),
  correlationId: z.string().min(1).max(255).optional(),
  causationId: z.string().min(1).max(255).optional(),
})

/** The transitions a status allows, in the order of `OnboardingTransitions`. */
export function allowedOnboardingTransitions(status: OnboardingFlow['status']): OnboardingTransitionName[] {
  const next = OnboardingMachine[status]
  return OnboardingTransitions.filter((t) => next[t] !== undefined)
}

/** The signal subject of a flow: the room in its attrs, if any (a flow belongs to no room otherwise). */
function subjectOf(flow: OnboardingFlow): string | undefined {
  const roomId = flow.attrs['roomId']
  return typeof roomId === 'string' && roomId.length > 0 ? roomId : undefined
}

/** What one updater run decided (the last run is the one that was written). */
type Outcome =
  | { kind: 'applied'; result: OnboardingTransitionResult; record: OnboardingTransitionRecord }
  | { kind: 'replayed'; result: OnboardingTransitionResult }
  | { kind: 'invalid'; from: OnboardingFlow['status']; allowed: OnboardingTransitionName[] }

export function onboardingApi(ctx: Context) {
  const store = ctx.store

  async function advance(
    onboardingId: string,
    transition: OnboardingTransitionName,
    metadata: Record<string, unknown> | undefined,
    options: OnboardingTransitionOptions | undefined,
  ): Promise<OnboardingAdvanceResult> {
    requireId(onboardingId, 'onboardingId')
    const name = parse(TransitionSchema, transition, 'onboarding transition')
    const meta = parse(jsonObject, metadata ?? {}, 'onboarding metadata')
    const opts = parse(OptionsSchema, options ?? {}, 'onboarding options')
    const key = opts.idempotencyKey
    const sc = signalContext(opts)
    const now = nowIso()
    let outcome: Outcome | undefined

    const j = journal<UpdateResult<OnboardingFlow> | null>((written) => {
      if (written === null || !written.changed || outcome?.kind !== 'applied') return []
      const { result } = outcome
      const data: SignalData = {
        onboardingId,
        transition: result.transition,
        previousStatus: result.previousStatus,
        status: result.status,
        metadata: meta,
      }
      const subject = subjectOf(written.record)
      if (subject !== undefined) data['roomId'] = subject
      const participantId = written.record.attrs['participantId']
      if (typeof participantId === 'string') data['participantId'] = participantId
      if (key !== undefined) data['idempotencyKey'] = key
      return [ctx.makeSignal(SignalTypes.onboardingTransitioned, subject, data, sc)]
    })

    // Pure: it may run more than once (optimistic stores retry); the run whose flow is written is the last.
    const written = await store.updateOnboardingFlow(onboardingId, (flow) => {
      const cached = key === undefined ? undefined : flow.idempotency[key]
      if (cached !== undefined) {
        outcome = { kind: 'replayed', result: { ...cached, idempotent: true } }
        return undefined
      }
      const to = OnboardingMachine[flow.status][name]
      if (to === undefined) {
        outcome = { kind: 'invalid', from: flow.status, allowed: allowedOnboardingTransitions(flow.status) }
        return undefined
      }
      const result: OnboardingTransitionResult = { onboardingId, transition: name, previousStatus: flow.status, status: to, idempotent: false }
      const record: OnboardingTransitionRecord = { transition: name, from: flow.status, to, metadata: meta, at: now }
      if (key !== undefined) record.idempotencyKey = key
      outcome = { kind: 'applied', result, record }
      return {
        ...flow,
        status: to,
        [OnboardingMetadataFields[name]]: meta,
        transitions: [...flow.transitions, record],
        idempotency: key === undefined ? flow.idempotency : { ...flow.idempotency, [key]: result },
        updatedAt: now,
      }
    }, j)

    if (written === null) throw new NotFoundError(`onboarding flow ${onboardingId} not found`, { onboardingId })
    const decided = outcome
    if (decided === undefined) throw new Error(`[core] ${store.name} updated onboarding flow ${onboardingId} without calling the updater`)
    if (decided.kind === 'invalid') {
      throw new InvalidTransitionError(
        `onboarding flow ${onboardingId} is ${decided.from}: ${name} is not allowed (allowed: ${decided.allowed.join(', ') || 'none, the flow is finished'})`,
        { from: decided.from, transition: name, allowed: decided.allowed, onboardingId },
      )
    }
    emit(ctx, j)
    return { flow: written.record, transition: { ...decided.result, idempotent: decided.kind === 'replayed' } }
  }

  async function getOnboarding(onboardingId: string): Promise<OnboardingFlow | null> {
    return store.getOnboardingFlow(requireId(onboardingId, 'onboardingId'))
  }

  /** Per flow id: the tail of the chain of calls made through `onboardingWorker` (dropped once it settles). */
  const queues = new Map<string, Promise<unknown>>()

  /** Runs `call` after every earlier queued call of the flow settled; keeps the chain going on failure. */
  function enqueue<T>(onboardingId: string, call: () => Promise<T>): Promise<T> {
    const previous = queues.get(onboardingId) ?? Promise.resolve()
    const run = previous.then(call, call)
    const tail = run.then(() => undefined, () => undefined)
    queues.set(onboardingId, tail)
    void tail.then(() => {
      if (queues.get(onboardingId) === tail) queues.delete(onboardingId)
    })
    return run
  }

  return {
    api: {
      /**
       * Starts a flow (status `started`, `attrs` the given attributes without `onboardingId`), or returns
       * the existing flow with that `onboardingId` unchanged, whatever its status (start or resume).
       * Race-safe: concurrent starts of one id resolve the same flow.
       */
      async startOnboarding(attrs: StartOnboardingAttrs = {}): Promise<OnboardingFlow> {
        const { onboardingId, ...rest } = parse(StartSchema, attrs, 'onboarding attrs')
        const flowAttrs = parse(jsonObject, rest, 'onboarding attrs')
        const now = nowIso()
        const candidate: OnboardingFlow = {
          id: onboardingId ?? newId('onboarding'),
          status: 'started',
          attrs: flowAttrs,
          transitions: [],
          idempotency: {},
          insertedAt: now,
          updatedAt: now,
        }
        return (await store.getOrCreateOnboardingFlow(candidate)).flow
      },

      /** Applies `transition` (SPEC 9); `INVALID_TRANSITION` with `details {from, transition, allowed}` when the status does not allow it. */
      advanceOnboarding(onboardingId: string, transition: OnboardingTransitionName, metadata?: Record<string, unknown>, options?: OnboardingTransitionOptions) {
        return advance(onboardingId, transition, metadata, options)
      },

      /** The flow, to carry on with it; `NOT_FOUND` when there is none. */
      async resumeOnboarding(onboardingId: string): Promise<OnboardingFlow> {
        const flow = await getOnboarding(onboardingId)
        if (flow === null) throw new NotFoundError(`onboarding flow ${onboardingId} not found`, { onboardingId })
        return flow
      },

      /** `advanceOnboarding(id, 'cancel', metadata, options)`: from started, directory_resolved or paired. */
      cancelOnboarding(onboardingId: string, metadata?: Record<string, unknown>, options?: OnboardingTransitionOptions) {
        return advance(onboardingId, 'cancel', metadata, options)
      },

      /** `advanceOnboarding(id, 'complete', metadata, options)`: from paired. */
      completeOnboarding(onboardingId: string, metadata?: Record<string, unknown>, options?: OnboardingTransitionOptions) {
        return advance(onboardingId, 'complete', metadata, options)
      },

      /** The flow, or null. */
      getOnboarding,
    },

    /**
     * A handle on one flow whose calls run one at a time, in call order, within this instance (every
     * worker of the same id shares one queue). Transitions are atomic without it; it orders them, so a
     * caller can fire `advance('resolve_directory')`, `advance('pair_identity')`, `complete()` without
     * awaiting each. It does not order calls made from other processes or outside it. `run` wraps each
     * call (createMessaging passes its guard, so a stopped instance refuses them).
     */
    worker(onboardingId: string, run: {
      advance: typeof advance
      get: typeof getOnboarding
    }): OnboardingWorker {
      requireId(onboardingId, 'onboardingId')
      return {
        onboardingId,
        advance: (transition, metadata, options) => enqueue(onboardingId, () => run.advance(onboardingId, transition, metadata, options)),
        cancel: (metadata, options) => enqueue(onboardingId, () => run.advance(onboardingId, 'cancel', metadata, options)),
        complete: (metadata, options) => enqueue(onboardingId, () => run.advance(onboardingId, 'complete', metadata, options)),
        get: () => enqueue(onboardingId, () => run.get(onboardingId)),
      }
    },
  }
}
