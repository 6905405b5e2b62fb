export { createDiscordAdapter, DEFAULT_API_URL, DEFAULT_INTENTS, DISCORD_UPLOAD_LIMIT } from './adapter.js'
export type { DiscordAdapterConfig } from './types.js'
export { INTERACTION_TOLERANCE_SECONDS } from './interactions.js'
