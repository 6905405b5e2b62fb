export { storeConformance } from './store-conformance/index.js'
export type { StoreCapabilities, StoreConformanceOptions } from './store-conformance/index.js'
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
