import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { verifySlackSignature } from './verify.js'

// Slack's documented example (https://api.slack.com/authentication/verifying-requests-from-slack).
const DOC_SECRET = '8f742231b10e8888abcd99yyyzzz85a5'
const DOC_TIMESTAMP = 1531420618
const DOC_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c'
const DOC_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503'

const SECRET = 'unit-signing-secret'
const NOW_S = 1_714_566_600
const body = JSON.stringify({ type: 'event_callback', event: { type: 'message', text: 'hi' } })
const sign = (ts: number | string, raw = body, secret = SECRET) => `v0=${createHmac('sha256', secret).update(`v0:${ts}:${raw}`).digest('hex')}`
const headers = (ts: number | string, signature = sign(ts)) => ({ 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signature })

describe('verifySlackSignature', () => {
  it('accepts Slack\'s documented example', () => {
    expect(verifySlackSignature(DOC_SECRET, DOC_BODY, headers(DOC_TIMESTAMP, DOC_SIGNATURE), DOC_TIMESTAMP * 1000)).toBe(true)
    expect(verifySlackSignature(DOC_SECRET, `${DOC_BODY}x`, headers(DOC_TIMESTAMP, DOC_SIGNATURE), DOC_TIMESTAMP * 1000)).toBe(false)
  })

  it('accepts a fresh signature and one exactly 5 minutes old', () => {
    expect(verifySlackSignature(SECRET, body, headers(NOW_S), NOW_S * 1000)).toBe(true)
    expect(verifySlackSignature(SECRET, body, headers(NOW_S - 300), NOW_S * 1000)).toBe(true)
    expect(verifySlackSignature(SECRET, body, headers(NOW_S + 300), NOW_S * 1000)).toBe(true)
  })

  it('rejects timestamps more than 5 minutes old or ahead', () => {
    expect(verifySlackSignature(SECRET, body, headers(NOW_S - 301), NOW_S * 1000)).toBe(false)
    expect(verifySlackSignature(SECRET, body, headers(NOW_S - 3600), NOW_S * 1000)).toBe(false)
    expect(verifySlackSignature(SECRET, body, headers(NOW_S + 301), NOW_S * 1000)).toBe(false)
  })

  it('rejects a wrong secret, a changed body, a signature of another timestamp', () => {
    expect(verifySlackSignature(SECRET, body, headers(NOW_S, sign(NOW_S, body, 'other')), NOW_S * 1000)).toBe(false)
    expect(verifySlackSignature(SECRET, `${body} `, headers(NOW_S), NOW_S * 1000)).toBe(false)
    expect(verifySlackSignature(SECRET, body, headers(NOW_S, sign(NOW_S - 1)), NOW_S * 1000)).toBe(false)
  })

  it('rejects missing and malformed headers and a missing secret without throwing', () => {
    const good = headers(NOW_S)
    const cases: Array<Record<string, string>> = [
      {},
      { 'x-slack-request-timestamp': String(NOW_S) },
      { 'x-slack-signature': good['x-slack-signature'] },
      { ...good, 'x-slack-signature': good['x-slack-signature'].replace('v0=', 'v1=') },
      { ...good, 'x-slack-signature': good['x-slack-signature'].slice(3) },
      { ...good, 'x-slack-signature': `${good['x-slack-signature']}00` },
      { ...good, 'x-slack-signature': good['x-slack-signature'].toUpperCase() },
      { ...good, 'x-slack-request-timestamp': 'NaN' },
      { ...good, 'x-slack-request-timestamp': `${NOW_S}.5` },
      { ...good, 'x-slack-request-timestamp': '-1' },
    ]
    for (const h of cases) expect(verifySlackSignature(SECRET, body, h, NOW_S * 1000), JSON.stringify(h)).toBe(false)
    expect(verifySlackSignature(undefined, body, good, NOW_S * 1000)).toBe(false)
    expect(verifySlackSignature('', body, good, NOW_S * 1000)).toBe(false)
  })
})
