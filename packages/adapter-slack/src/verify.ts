import { isValidSlackRequest } from '@slack/bolt'

// Slack request signing (https://api.slack.com/authentication/verifying-requests-from-slack), checked
// with Bolt's own verifier. Bolt refuses timestamps older than 5 minutes; we also refuse ones more
// than 5 minutes ahead (a captured request replayed against a slow clock) and malformed headers,
// before Bolt sees them, so nothing here ever throws.

export const SIGNATURE_HEADER = 'x-slack-signature'
export const TIMESTAMP_HEADER = 'x-slack-request-timestamp'
/** How far (in seconds) a request's timestamp may be from our clock. */
export const SIGNATURE_TOLERANCE_SECONDS = 300

const SIGNATURE_PATTERN = /^v0=[0-9a-f]{64}$/
const TIMESTAMP_PATTERN = /^[0-9]{1,12}$/

/** True when the headers carry Slack's `v0` signature of `rawBody` under `signingSecret`, within 5 minutes of `nowMs`. */
export function verifySlackSignature(
  signingSecret: string | undefined,
  rawBody: string,
  headers: Readonly<Record<string, string | undefined>>,
  nowMs: number = Date.now(),
): boolean {
  if (!signingSecret) return false
  const signature = headers[SIGNATURE_HEADER]?.trim()
  const timestamp = headers[TIMESTAMP_HEADER]?.trim()
  if (signature === undefined || timestamp === undefined) return false
  if (!SIGNATURE_PATTERN.test(signature) || !TIMESTAMP_PATTERN.test(timestamp)) return false
  const seconds = Number(timestamp)
  if (seconds - Math.floor(nowMs / 1000) > SIGNATURE_TOLERANCE_SECONDS) return false
  // Bolt compares in constant time (tsscmp) and rejects timestamps older than 5 minutes.
  return isValidSlackRequest({
    signingSecret,
    body: rawBody,
    headers: { [SIGNATURE_HEADER]: signature, [TIMESTAMP_HEADER]: seconds },
    nowMilliseconds: nowMs,
  })
}
