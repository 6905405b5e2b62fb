import type { BridgeContext, InboundEvent, PlatformAdapter, WebhookRequest } from '@jido-messaging/core'

/** What one recorded platform payload must map to; the listed fields are required of every fake. */
export type ExpectedInbound = Pick<InboundEvent, 'kind' | 'externalRoomId' | 'externalUserId' | 'externalMessageId' | 'text' | 'isSelf'> &
  Partial<InboundEvent>

/** A payload as the platform really sends it, and the events it must become, in order. */
export interface RecordedPayload {
  name: string
  payload: unknown
  expected: ExpectedInbound[]
}

/** Where the suite sends: a room the fake accepts, and a thread and message in it for threads and replies. */
export interface FakeTarget {
  externalRoomId: string
  externalThreadId?: string
  externalReplyToId?: string
}

export interface FakeSession {
  /** A bridge pointing the adapter at the fake (its credentials and options). */
  bridge: BridgeContext
  target: FakeTarget
}

/** One call that reached the fake platform, in the canonical vocabulary. */
export type FakeOperation =
  | { op: 'send'; externalRoomId: string; externalMessageId: string; text: string; externalThreadId?: string; externalReplyToId?: string }
  | { op: 'edit'; externalRoomId: string; externalMessageId: string; text: string }
  | { op: 'delete'; externalRoomId: string; externalMessageId: string }
  | { op: 'addReaction' | 'removeReaction'; externalRoomId: string; externalMessageId: string; emoji: string }
  | { op: 'startTyping'; externalRoomId: string; externalThreadId?: string }
  /** One file uploaded with a message (adapters that declare `capabilities.uploads`). */
  | { op: 'upload'; externalRoomId: string; filename: string; data: Uint8Array; externalThreadId?: string }

/** A scripted platform failure; `retryAfterSeconds` is the delay the platform asks for, in its own form. */
export interface ScriptedFailure {
  status: number
  retryAfterSeconds?: number
}

/**
 * A stateful fake of one platform, on 127.0.0.1. The suite calls `start()` before every case and
 * `stop()` after it (stop MUST be idempotent; the suite may stop early to make the platform unreachable).
 */
export interface AdapterFake {
  start(): Promise<FakeSession>
  stop(): Promise<void>
  /** A correctly signed webhook request carrying `payload`; required when the adapter declares `webhook`. */
  signedRequest?(payload: unknown): WebhookRequest | Promise<WebhookRequest>
  /** Requests carrying `payload` that MUST fail verification: wrong, missing, stale signatures and the like. */
  badlySignedRequests?(payload: unknown): Array<{ name: string; request: WebhookRequest }> | Promise<Array<{ name: string; request: WebhookRequest }>>
  /** Real platform payloads; at least one message from someone else and one of the bot's own. */
  readonly recordedPayloads: readonly RecordedPayload[]
  /** What reached the fake since `start()`, in arrival order (one entry per platform message, duplicates folded). */
  operations(): readonly FakeOperation[] | Promise<readonly FakeOperation[]>
  /** The next `count` platform calls fail with this status (and delay, for 429). */
  failNext(count: number, failure: ScriptedFailure): void
}

export interface AdapterConformanceOptions {
  /** Suite name, usually the package name. */
  name: string
  /** A fresh adapter; called once per case and once to read the declared capabilities. */
  create: () => PlatformAdapter
  fake: AdapterFake
}
