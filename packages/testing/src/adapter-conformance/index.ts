import type { PlatformAdapter } from '@jido-messaging/core'
import { afterEach, beforeEach, describe } from 'vitest'
import { capabilityCases } from './capability-cases.js'
import type { SuiteContext } from './context.js'
import { inboundCases } from './inbound-cases.js'
import { outboundCases } from './outbound-cases.js'
import type { AdapterConformanceOptions, FakeSession } from './types.js'

export type * from './types.js'
export { expectAdapterError, expectInboundShape } from './assertions.js'

/**
 * The one suite every `PlatformAdapter` passes against a stateful fake of its platform: webhook
 * verification, inbound mapping, outbound calls and error semantics, and declared capabilities matching
 * the members that exist. Cases for operations the adapter declares `unsupported` are skipped, not forked.
 */
export function adapterConformance(options: AdapterConformanceOptions): void {
  const { name, create, fake } = options
  const declared = create()
  let adapter: PlatformAdapter | undefined
  let session: FakeSession | undefined
  const ctx: SuiteContext = {
    fake,
    declared,
    capabilities: declared.capabilities,
    adapter: () => adapter ?? expectStarted(),
    session: () => session ?? expectStarted(),
  }

  describe(`adapter conformance: ${name}`, () => {
    beforeEach(async () => {
      adapter = create()
      session = await fake.start()
    })
    afterEach(async () => {
      await fake.stop()
      adapter = undefined
      session = undefined
    })
    capabilityCases(ctx)
    inboundCases(ctx)
    outboundCases(ctx)
  })
}

function expectStarted(): never {
  throw new Error('[testing] adapterConformance: the fake was not started for this case')
}
