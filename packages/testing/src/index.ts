export { storeConformance } from './store-conformance/index.js'
export type { StoreCapabilities, StoreConformanceOptions } from './store-conformance/index.js'
export { messagingConformance, type MessagingConformanceOptions } from './messaging-conformance/index.js'
export {
  isoAt,
  makeBinding,
  makeBridgeConfig,
  makeExternalMessage,
  makeMessage,
  makeParticipant,
  makeRoom,
  makeRoutingPolicy,
  makeThread,
  uniqueSuffix,
} from './factories.js'
export { adapterConformance, expectAdapterError, expectInboundShape } from './adapter-conformance/index.js'
export type {
  AdapterConformanceOptions,
  AdapterFake,
  ExpectedInbound,
  FakeOperation,
  FakeSession,
  FakeTarget,
  RecordedPayload,
  ScriptedFailure,
} from './adapter-conformance/index.js'
export { startWebhookReceiver } from './fakes/webhook-receiver.js'
export type {
  ReceivedBody,
  ReceivedDelivery,
  ReceivedEdit,
  ReceivedTyping,
  ScriptedResponse,
  WebhookReceiver,
  WebhookReceiverOptions,
} from './fakes/webhook-receiver.js'
export { webhookAdapterFake, type WebhookAdapterFake } from './fakes/webhook-fake.js'
export { checkJidoSignature, jidoSignature, signedWebhookRequest, unsignedWebhookRequest, type SignedRequestOptions } from './fakes/webhook-signing.js'
export { bridgeConformance, type BridgeConformanceOptions } from './bridge-conformance/index.js'
export { crossInstanceIngestCases, type CrossInstanceOptions } from './bridge-conformance/cross-instance.js'
export { faultyStore, storeFaultCases, type StoreFault, type StoreFaultOptions } from './bridge-conformance/ingest-failures.js'
export { runtimeStoreConformance } from './runtime-store-conformance/index.js'
export type { FullStore, RuntimeStoreConformanceOptions } from './runtime-store-conformance/index.js'
export { makeDeadLetter, makeDelivery, makeIngressSubscription } from './factories.js'
export {
  startDiscordFake,
  DiscordRest,
  DiscordGateway,
  DiscordWorld,
  ChannelTypes as DiscordChannelTypes,
  createInteractionSigner,
  discordAdapterFake,
  DISCORD_IDS,
  snowflake as discordSnowflake,
  botToken as discordBotToken,
} from './fakes/discord/index.js'
export type {
  DiscordFake,
  DiscordFakeOptions,
  DiscordFailure,
  DiscordOperation,
  DiscordRestCall,
  GatewayFrame as DiscordGatewayFrame,
  FakeAttachment as DiscordFakeAttachment,
  FakeChannel as DiscordFakeChannel,
  FakeMessage as DiscordFakeMessage,
  FakeUser as DiscordFakeUser,
  WorldIds as DiscordWorldIds,
  CommandInput as DiscordCommandInput,
  CommandOption as DiscordCommandOption,
  InteractionSigner as DiscordInteractionSigner,
  DiscordAdapterFake,
} from './fakes/discord/index.js'
export * from './fakes/slack/index.js'
export * from './fakes/telegram/index.js'
export { raceInParent, spawnRaceChild, type RaceChild, type RaceResult } from './race/index.js'
export { runKilledChild, expectRedeliveredAfterKill, type KilledChild } from './journal-kill/index.js'
export {
  leaseFailoverCases, troubledStore, queuePlatform, overlapping, runLeaseChild, TEST_TTL_MS,
  type LeaseFailoverOptions, type LeaseChild, type ListenerTerm, type QueuePlatform,
} from './lease-failover/index.js'
