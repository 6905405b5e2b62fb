export { createWebhookAdapter, type WebhookAdapterConfig } from './adapter.js'
export {
  signWebhookBody,
  verifyWebhookSignature,
  computeSignature,
  TIMESTAMP_HEADER,
  SIGNATURE_HEADER,
  SIGNATURE_TOLERANCE_SECONDS,
  type SignedHeaders,
  type HeaderSource,
  type VerifyOptions,
} from './signing.js'
export type { OutboundBody, OutboundEditBody, OutboundTypingBody } from './outbound.js'
