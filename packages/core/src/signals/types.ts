/** Every signal type the runtime emits (custom room events add `jido.messaging.room.<event>`). */
export const SignalTypes = {
  roomMessageAdded: 'jido.messaging.room.message_added',
  roomCreated: 'jido.messaging.room.created',
  roomParticipantJoined: 'jido.messaging.room.participant_joined',
  roomParticipantLeft: 'jido.messaging.room.participant_left',
  participantPresenceChanged: 'jido.messaging.participant.presence_changed',
  participantTyping: 'jido.messaging.participant.typing',
  messageReceived: 'jido.messaging.message.received',
  messageSent: 'jido.messaging.message.sent',
  messageFailed: 'jido.messaging.message.failed',
  messageDelivered: 'jido.messaging.message.delivered',
  messageRead: 'jido.messaging.message.read',
  messageEdited: 'jido.messaging.message.edited',
  messageDeleted: 'jido.messaging.message.deleted',
  messageReactionAdded: 'jido.messaging.message.reaction_added',
  messageReactionRemoved: 'jido.messaging.message.reaction_removed',
  threadCreated: 'jido.messaging.thread.created',
  threadReplyAdded: 'jido.messaging.thread.reply_added',
  threadAssigned: 'jido.messaging.thread.assigned',
  threadUnassigned: 'jido.messaging.thread.unassigned',
  agentTriggered: 'jido.messaging.agent.triggered',
  agentStarted: 'jido.messaging.agent.started',
  agentCompleted: 'jido.messaging.agent.completed',
  agentFailed: 'jido.messaging.agent.failed',
  /** An agent passed over triggering messages: backlog older than its catch-up age, or `drop` while busy (`reason`). */
  agentSkipped: 'jido.messaging.agent.skipped',
  bridgeStatusChanged: 'jido.messaging.bridge.status_changed',
  onboardingTransitioned: 'jido.messaging.onboarding.transitioned',
  /** Delivered to a subscription (whatever its pattern) whose next positions were pruned: names the lost range. Not journaled. */
  journalGap: 'jido.messaging.journal.gap',
} as const

export type SignalType = (typeof SignalTypes)[keyof typeof SignalTypes]

/** Room event names the runtime owns; `dispatchRoomEvent` refuses them so they cannot be forged. */
export const ReservedRoomEvents = new Set(['message_added', 'created', 'participant_joined', 'participant_left'])
