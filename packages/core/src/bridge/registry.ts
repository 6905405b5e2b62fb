import type { BridgeContext, PlatformAdapter } from '../contracts/platform-adapter.js'
import { MessagingError, ValidationError } from '../errors.js'
import type { BridgeConfig } from '../model.js'
import { errorReporter, redactError, redactSecrets } from '../redact.js'

/** Resolves a secret reference such as `env:NAME`; returns undefined when it cannot. */
export type SecretResolver = (reference: string) => string | undefined

export const envSecretResolver: SecretResolver = (reference) => {
  if (!reference.startsWith('env:')) return undefined
  return process.env[reference.slice(4)]
}

/** A credential value is a reference when it starts with `<scheme>:` and a scheme the resolver knows. */
const REFERENCE = /^(env|secret|vault|file):/

export class AdapterRegistry {
  private readonly adapters = new Map<string, PlatformAdapter>()
  /** Contexts of configs whose credentials hold no reference, by config object. */
  private readonly literalContexts = new WeakMap<BridgeConfig, BridgeContext>()
  /** Every credential value handed to an adapter so far: what an adapter's error text could echo. */
  private readonly secretValues = new Set<string>()

  constructor(adapters: readonly PlatformAdapter[], private readonly resolveSecret: SecretResolver) {
    for (const adapter of adapters) {
      if (!adapter || typeof adapter.name !== 'string' || typeof adapter.channel !== 'string' || !adapter.capabilities) {
        throw new ValidationError('an adapter needs name, channel and capabilities', [{ path: 'adapters', message: String(adapter?.name) }])
      }
      if (this.adapters.has(adapter.name)) {
        throw new ValidationError(`adapter ${adapter.name} is registered twice`, [{ path: 'adapters', message: adapter.name }])
      }
      this.adapters.set(adapter.name, adapter)
    }
  }

  get(name: string): PlatformAdapter | undefined {
    return this.adapters.get(name)
  }

  names(): string[] {
    return [...this.adapters.keys()]
  }

  /** The adapter of a bridge; UNSUPPORTED when no adapter of that name is registered. */
  require(config: BridgeConfig): PlatformAdapter {
    const adapter = this.adapters.get(config.adapter)
    if (!adapter) {
      throw new MessagingError(`[core] bridge ${config.id} uses adapter '${config.adapter}', which is not registered (registered: ${this.names().join(', ') || 'none'})`, {
        code: 'UNSUPPORTED',
        details: { bridgeId: config.id, adapter: config.adapter },
      })
    }
    return adapter
  }

  /**
   * The bridge as adapters see it: credentials with secret references resolved at use, never stored
   * resolved. A config without references gives the same frozen context each time (remembered per
   * config object, which the read cache hands out for every event of its ttl); one with references is
   * resolved anew on every call.
   */
  context(config: BridgeConfig): BridgeContext {
    const known = this.literalContexts.get(config)
    if (known !== undefined) return known
    let references = false
    const credentials: Record<string, string> = {}
    for (const [key, value] of Object.entries(config.credentials)) {
      if (REFERENCE.test(value)) {
        references = true
        const resolved = this.resolveSecret(value)
        if (resolved === undefined) {
          throw new MessagingError(`[core] bridge ${config.id}: credential '${key}' references ${value.split(':')[0]}:… which is not set`, {
            code: 'VALIDATION',
            // a server-side misconfiguration: 500, so the platform retries once it is fixed
            details: { bridgeId: config.id, credential: key, status: 500 },
          })
        }
        credentials[key] = resolved
      } else {
        credentials[key] = value
      }
      this.secretValues.add(credentials[key]!)
    }
    const context = Object.freeze({ bridgeId: config.id, credentials: Object.freeze(credentials), options: Object.freeze({ ...config.options }) })
    if (!references) this.literalContexts.set(config, context)
    return context
  }

  /** The resolved credential values of every bridge this registry has served, for redaction. */
  secrets(): Iterable<string> {
    return this.secretValues
  }

  /** `text` with every credential value this registry resolved replaced by `[redacted]`. */
  redact(text: string): string {
    return redactSecrets(text, this.secretValues)
  }

  /**
   * Reports a background failure without credentials: to `onError` when given (the error scrubbed in
   * place), else as a `[core] <where>: <error>` warning on the console.
   */
  report(error: unknown, where: string, onError?: (error: unknown, where: string) => void): void {
    errorReporter(onError, () => this.secretValues)(error, where)
  }

  /** Scrubs an error (message, stack, fields, cause chain) of every credential value in place and returns it. */
  redactError<T>(error: T): T {
    return redactError(error, this.secretValues)
  }
}

/** A bridge config safe to show: credentials replaced by their reference, or `"[redacted]"` for literal values. */
export function redactBridgeConfig(config: BridgeConfig): BridgeConfig {
  const credentials: Record<string, string> = {}
  for (const [key, value] of Object.entries(config.credentials)) credentials[key] = REFERENCE.test(value) ? value : '[redacted]'
  return { ...config, credentials }
}
