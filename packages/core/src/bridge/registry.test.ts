import { describe, expect, it } from 'vitest'
import type { BridgeConfig } from '../model.js'
import { AdapterRegistry } from './registry.js'

const config = (credentials: Record<string, string>): BridgeConfig => ({
  id: 'b1', adapter: 'x', credentials, options: { a: 1 }, enabled: true,
  deliveryPolicy: {} as BridgeConfig['deliveryPolicy'], revision: 1, insertedAt: '', updatedAt: '',
})

describe('AdapterRegistry.context', () => {
  it('resolves secret references at every use', () => {
    const secrets: Record<string, string | undefined> = { 'env:TOKEN': 'one' }
    const registry = new AdapterRegistry([], (ref) => secrets[ref])
    const withReference = config({ token: 'env:TOKEN', plain: 'p' })
    expect(registry.context(withReference).credentials).toEqual({ token: 'one', plain: 'p' })
    secrets['env:TOKEN'] = 'two'
    expect(registry.context(withReference).credentials).toEqual({ token: 'two', plain: 'p' })
    secrets['env:TOKEN'] = undefined
    expect(() => registry.context(withReference)).toThrow(/references env:/)
  })

  it('gives the same frozen context for a config of literal credentials', () => {
    const registry = new AdapterRegistry([], () => undefined)
    const literal = config({ secret: 's' })
    const context = registry.context(literal)
    expect(context).toEqual({ bridgeId: 'b1', credentials: { secret: 's' }, options: { a: 1 } })
    expect(Object.isFrozen(context) && Object.isFrozen(context.credentials) && Object.isFrozen(context.options)).toBe(true)
    expect(registry.context(literal)).toBe(context)
    expect(registry.context(config({ secret: 's' }))).not.toBe(context) // another config object, another context
  })
})
