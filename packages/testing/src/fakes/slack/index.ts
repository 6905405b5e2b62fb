export { startFakeSlack, visibleLength as slackVisibleLength } from './server.js'
export type { FakeSlack, FakeSlackCall, FakeSlackFailure, FakeSlackOptions, FakeSlackUpload, SocketEnvelopeOptions } from './server.js'
export { FakeSlackState, compareTs as compareSlackTs } from './state.js'
export type { ChannelSeed, FakeSlackChannel, FakeSlackFile, FakeSlackMessage, FakeSlackReaction } from './state.js'
export {
  DEFAULT_SLACK_IDENTITY,
  channelTypeOf as slackChannelTypeOf,
  eventCallback as slackEventCallback,
  messageChangedEvent as slackMessageChangedEvent,
  messageDeletedEvent as slackMessageDeletedEvent,
  messageEvent as slackMessageEvent,
  nextEventId as nextSlackEventId,
  nextSlackTs,
  reactionEvent as slackReactionEvent,
  urlVerification as slackUrlVerification,
} from './events.js'
export type { EnvelopeOptions as SlackEnvelopeOptions, MessageChangedInput, MessageDeletedInput, MessageEventInput, ReactionInput, SlackChannelType, SlackIdentity } from './events.js'
export { badlySignedSlackRequests, signedSlackRequest, slackSignature, type SlackRequestOptions } from './signing.js'
export { slackAdapterFake, slackOperations, slackRecordedPayloads, type SlackAdapterFake } from './adapter-fake.js'
