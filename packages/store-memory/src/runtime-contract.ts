// The RuntimeStore contract lives in @jido-messaging/core (src/contracts/runtime-store.ts), but the
// package's entry point does not re-export it yet. Until it does, take the types from core's built
// declarations; this file is the only place that knows, so the switch is one line:
//   export type { ... } from '@jido-messaging/core'
// Type-only: nothing of it exists at run time.
export type {
  ClaimDeliveriesOptions,
  CommitMessageInput,
  CommitMessageResult,
  DeadLetter,
  DeadLetterStatus,
  DeliveryStatus,
  OutboxDelivery,
  RuntimeStore,
  StoredIngressSubscription,
} from '../../core/dist/contracts/runtime-store.js'
