import type { InboundMedia } from '../contracts/platform-adapter.js'
import type { ContentBlock } from '../model.js'
import type { IngestPolicyContext, MediaPolicy, PolicyDecision, PolicyHook } from './types.js'

/** Runs a policy hook under its timeout; a throw or a timeout takes the hook's declared fallback. */
export async function runPolicy(hook: PolicyHook | undefined, context: IngestPolicyContext): Promise<PolicyDecision> {
  if (!hook) return { action: 'allow' }
  const timeoutMs = hook.timeoutMs ?? 2000
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<PolicyDecision>((resolve) => {
    timer = setTimeout(() => resolve({ action: hook.fallback, reason: `policy timed out after ${timeoutMs} ms` }), timeoutMs)
  })
  try {
    const decision = await Promise.race([Promise.resolve().then(() => hook.run(context)), timeout])
    if (!decision || !['allow', 'reject', 'flag'].includes(decision.action)) {
      return { action: hook.fallback, reason: 'policy returned no decision' }
    }
    return decision
  } catch (error) {
    return { action: hook.fallback, reason: `policy failed: ${error instanceof Error ? error.message : String(error)}` }
  } finally {
    clearTimeout(timer)
  }
}

/** Media limits: too many or too large attachments reject the message or become a text note. */
export function applyMediaPolicy(media: InboundMedia[], policy: MediaPolicy = {}): { blocks: ContentBlock[]; note?: string; rejected?: string } {
  if (media.length === 0) return { blocks: [] } // the common case: nothing to check
  const maxCount = policy.maxCount ?? 10
  const maxBytes = policy.maxBytes ?? 25 * 1024 * 1024
  const tooMany = media.length > maxCount
  const tooBig = media.filter((m) => m.size !== undefined && m.size > maxBytes)
  const usable = media.filter((m) => m.url !== undefined || m.data !== undefined)
  if (!tooMany && tooBig.length === 0) return { blocks: usable.map(toBlock) }
  const problem = tooMany ? `${media.length} attachments (limit ${maxCount})` : `${tooBig.length} attachment(s) over ${maxBytes} bytes`
  if (policy.onViolation === 'reject') return { blocks: [], rejected: `media: ${problem}` }
  const kept = tooMany ? [] : usable.filter((m) => !tooBig.includes(m))
  const dropped = tooMany ? media : tooBig
  return { blocks: kept.map(toBlock), note: `[${dropped.length} attachment(s) not kept: ${problem}]` }
}

function toBlock(m: InboundMedia): ContentBlock {
  const src = { ...(m.url === undefined ? {} : { url: m.url }), ...(m.data === undefined ? {} : { data: m.data }), ...(m.mediaType === undefined ? {} : { mediaType: m.mediaType }) }
  switch (m.type) {
    case 'image':
      return { type: 'image', ...src, ...(m.altText === undefined ? {} : { altText: m.altText }), ...(m.width === undefined ? {} : { width: m.width }), ...(m.height === undefined ? {} : { height: m.height }) }
    case 'audio':
      return { type: 'audio', ...src, ...(m.duration === undefined ? {} : { duration: m.duration }) }
    case 'video':
      return { type: 'video', ...src, ...(m.duration === undefined ? {} : { duration: m.duration }) }
    default:
      return { type: 'file', ...src, ...(m.filename === undefined ? {} : { filename: m.filename }), ...(m.size === undefined ? {} : { size: m.size }) }
  }
}
