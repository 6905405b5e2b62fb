import { CloudEvent } from 'cloudevents'
import type { Signal, SignalData } from '../contracts/signal-bus.js'
import { newId, nowIso } from '../ids.js'

export interface SignalContext {
  /** Shared by every signal of one command (or passed in by the caller to join a larger flow). */
  correlationId: string
  /** The signal or external event that caused this one, where there is one. */
  causationId?: string
}

/** Builds the CloudEvents of one instance: source `/jido/messaging/<instanceId>`, subject the room id. */
export function createSignalFactory(instanceId: string) {
  const source = `/jido/messaging/${instanceId}`
  return function makeSignal(type: string, subject: string | undefined, data: SignalData, ctx: SignalContext): Signal {
    return new CloudEvent<SignalData>({
      specversion: '1.0',
      id: newId('signal'),
      source,
      type,
      ...(subject === undefined ? {} : { subject }),
      time: nowIso(),
      datacontenttype: 'application/json',
      data,
      correlationid: ctx.correlationId,
      ...(ctx.causationId === undefined ? {} : { causationid: ctx.causationId }),
    }, false) // built from known-good parts: skip the per-event schema validation (a hot path)
  }
}

export type SignalFactory = ReturnType<typeof createSignalFactory>
