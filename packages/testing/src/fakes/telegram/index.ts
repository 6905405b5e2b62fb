// Names carry Telegram in them: packages/testing/src/index.ts re-exports several fakes side by side.
export { startTelegramFake, type TelegramFake, type TelegramFakeOptions, type TelegramCall, type ScriptedTelegramFailure } from './server.js'
export { telegramAdapterFake, toOperations as telegramOperations, TELEGRAM_WEBHOOK_SECRET, type TelegramAdapterFake } from './adapter-fake.js'
export {
  TELEGRAM_BOT_TOKEN,
  T0 as TELEGRAM_T0,
  OPS_TOPIC_ID as TELEGRAM_OPS_TOPIC_ID,
  OPS_TOPIC_MESSAGE_ID as TELEGRAM_OPS_TOPIC_MESSAGE_ID,
  tgChats,
  tgUpdates,
  tgUsers,
} from './fixtures.js'
export {
  TelegramState,
  reactionKey as telegramReactionKey,
  reactionType as telegramReactionType,
  type FakeChat as TelegramFakeChat,
  type FakeMessageRecord as TelegramFakeMessageRecord,
  type MessageSpec as TelegramMessageSpec,
  type ReactionSpec as TelegramReactionSpec,
  type PhotoSpec as TelegramPhotoSpec,
  type DocumentSpec as TelegramDocumentSpec,
} from './state.js'
export {
  visibleText as telegramVisibleText,
  TEXT_LIMIT as TELEGRAM_FAKE_TEXT_LIMIT,
  CAPTION_LIMIT as TELEGRAM_FAKE_CAPTION_LIMIT,
  type WebhookState as TelegramWebhookState,
  type CallEffects as TelegramCallEffects,
} from './methods.js'
export type { UploadedFile as TelegramUploadedFile } from './body.js'
export type { FakeFile as TelegramFakeFile, FileSpec as TelegramFileSpec, FileDownload as TelegramFileDownload } from './files.js'
export {
  TgApiError,
  type TgChat,
  type TgDocument,
  type TgMessage,
  type TgMessageReactionUpdated,
  type TgPhotoSize,
  type TgReactionType,
  type TgUpdate,
  type TgUser,
  type TgWebhookInfo,
} from './types.js'
