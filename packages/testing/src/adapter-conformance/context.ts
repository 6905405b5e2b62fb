import type { AdapterCapabilities, PlatformAdapter } from '@jido-messaging/core'
import type { AdapterFake, FakeSession } from './types.js'

/** What each group of cases reads: the per-case adapter and fake session, and the declared capabilities. */
export interface SuiteContext {
  fake: AdapterFake
  /** Read once, when the suite is defined, so cases can be skipped by capability. */
  capabilities: AdapterCapabilities
  /** A sample adapter for deciding skips at definition time. */
  declared: PlatformAdapter
  adapter(): PlatformAdapter
  session(): FakeSession
}
