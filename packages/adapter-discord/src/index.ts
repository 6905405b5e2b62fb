export { createDiscordAdapter, DEFAULT_API_URL, DEFAULT_INTENTS } from './adapter.js'
export type { DiscordAdapterConfig } from './types.js'
export { INTERACTION_TOLERANCE_SECONDS } from './interactions.js'
