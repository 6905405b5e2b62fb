import { afterEach, describe, expect, it, vi } from 'vitest'
import { AdapterRegistry } from './bridge/registry.js'
import { AdapterError } from './errors.js'
import type { BridgeConfig } from './model.js'
import { describeError, errorReporter, redactError, redactSecrets, REDACTED } from './redact.js'

const TOKEN = '7000000001:AAsecretTOKENvalueNoOneMaySee'

const config = (credentials: Record<string, string>): BridgeConfig => ({
  id: 'b1', adapter: 'x', credentials, options: {}, enabled: true,
  deliveryPolicy: {} as BridgeConfig['deliveryPolicy'], revision: 1, insertedAt: '', updatedAt: '',
})

afterEach(() => {
  vi.restoreAllMocks()
})

describe('redactSecrets', () => {
  it('replaces every occurrence of every secret, also URL-encoded', () => {
    const text = `GET https://api.telegram.org/bot${TOKEN}/getMe failed; again /bot${encodeURIComponent(TOKEN)}/x and ${TOKEN}`
    const clean = redactSecrets(text, [TOKEN])
    expect(clean).not.toContain(TOKEN)
    expect(clean).not.toContain(encodeURIComponent(TOKEN))
    expect(clean).toBe(`GET https://api.telegram.org/bot${REDACTED}/getMe failed; again /bot${REDACTED}/x and ${REDACTED}`)
  })

  it('leaves values shorter than 6 characters alone and replaces a secret containing another whole', () => {
    expect(redactSecrets('a b abcde', ['abcde', 'a'])).toBe('a b abcde')
    expect(redactSecrets('xx secret-long yy secret', ['secret', 'secret-long'])).toBe(`xx ${REDACTED} yy ${REDACTED}`)
    expect(redactSecrets('nothing here', [])).toBe('nothing here')
  })
})

describe('redactError and describeError', () => {
  it('scrub message, stack and the cause chain in place, keeping type and code', () => {
    const cause = new Error(`request to http://127.0.0.1:1/bot${TOKEN}/sendMessage failed, reason: connect ECONNREFUSED`)
    const error = new AdapterError(`[adapter] send failed: ${TOKEN}`, { retryable: true, cause })
    expect(redactError(error, [TOKEN])).toBe(error)
    expect(error).toBeInstanceOf(AdapterError)
    expect(error.code).toBe('DELIVERY_FAILED')
    expect(error.message).toBe(`[adapter] send failed: ${REDACTED}`)
    expect(error.stack).not.toContain(TOKEN)
    expect(cause.message).not.toContain(TOKEN)
    expect(cause.stack).not.toContain(TOKEN)
  })

  it('replaces a field holding a secret (an SDK request payload) by a redacted copy, never changing what it pointed at', () => {
    const payload = { url: 'https://gw.example.com/hook', secret_token: 'tg-webhook-secret-value', nested: [{ t: TOKEN }] }
    const sdkError = Object.assign(new Error('400: Bad Request'), { on: { method: 'setWebhook', payload }, code: 400 })
    const error = new AdapterError('setWebhook failed', { cause: sdkError })
    redactError(error, [TOKEN, 'tg-webhook-secret-value'])
    expect((sdkError as unknown as { on: unknown }).on).toEqual({ method: 'setWebhook', payload: { url: 'https://gw.example.com/hook', secret_token: REDACTED, nested: [{ t: REDACTED }] } })
    expect(payload.secret_token).toBe('tg-webhook-secret-value') // the caller's object is untouched
    expect((sdkError as unknown as { code: number }).code).toBe(400)
  })

  it('describeError prints extra fields redacted too', () => {
    const error = Object.assign(new Error('boom'), { on: { url: `https://x/bot${TOKEN}/m` } })
    const text = describeError(error, [TOKEN])
    expect(text).toContain('boom')
    expect(text).toContain(`bot${REDACTED}/m`)
    expect(text).not.toContain(TOKEN)
  })
})

describe('errorReporter (the default onError)', () => {
  it('prints "[core] <where>: <error>" without the secret', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    errorReporter(undefined, () => [TOKEN])(new Error(`listener failed at /bot${TOKEN}/getUpdates`), 'bridge tg')
    expect(warn).toHaveBeenCalledTimes(1)
    const printed = warn.mock.calls[0]!.map(String).join(' ')
    expect(printed).toMatch(/^\[core\] bridge tg: Error: listener failed at \/bot\[redacted\]\/getUpdates/)
    expect(printed).not.toContain(TOKEN)
  })

  it('hands a given onError the error scrubbed', () => {
    const seen: unknown[] = []
    errorReporter((e) => seen.push(e), () => [TOKEN])(new Error(`x ${TOKEN}`), 'w')
    expect((seen[0] as Error).message).toBe(`x ${REDACTED}`)
  })
})

describe('AdapterRegistry redaction', () => {
  it('knows every credential it resolved, literal or by reference, and reports without them', () => {
    const registry = new AdapterRegistry([], (ref) => (ref === 'env:SLACK' ? 'xoxb-slack-bot-token' : undefined))
    registry.context(config({ botToken: TOKEN, signingSecret: 'env:SLACK' }))
    expect([...registry.secrets()].sort()).toEqual([TOKEN, 'xoxb-slack-bot-token'].sort())
    expect(registry.redact(`a ${TOKEN} b xoxb-slack-bot-token`)).toBe(`a ${REDACTED} b ${REDACTED}`)
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    registry.report(new Error(`failed with xoxb-slack-bot-token`), 'delivery worker')
    expect(String(warn.mock.calls[0]![0])).toMatch(/^\[core\] delivery worker: Error: failed with \[redacted\]/)
  })
})
