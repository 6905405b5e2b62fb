import type { AdapterCapabilities, BridgeContext, OutboundUpload, PlatformAdapter } from '../contracts/platform-adapter.js'
import { AdapterError, adapterErrorInfo } from '../errors.js'
import type { AdapterRegistry } from '../bridge/registry.js'
import type { BridgeConfig, ContentBlock, Message } from '../model.js'

// Media another platform cannot open. A block's url is either public (http, https: anyone can fetch it,
// so it goes on as a link or natively) or a reference only its own platform resolves (Telegram's
// `tg-file:<file_id>`). Where the target uploads files and the source adapter can turn the reference into
// bytes, the delivery carries the block and the worker resolves it at send time (never stored as bytes);
// anywhere else, or when resolving fails for good, the block becomes a text label.

export type MediaBlock = Extract<ContentBlock, { type: 'image' | 'audio' | 'video' | 'file' }>

const MEDIA_TYPES: ReadonlySet<string> = new Set(['image', 'audio', 'video', 'file'])

export function isMediaBlock(block: ContentBlock): block is MediaBlock {
  return MEDIA_TYPES.has(block.type)
}

/** A url only its platform can open: set, and not http or https. */
export function isPrivateUrl(url: string | undefined): url is string {
  return url !== undefined && url !== '' && !/^https?:\/\//i.test(url)
}

/** Where a message's media came from: the bridge that ingested it, and whether its adapter resolves private media. */
export interface MediaOrigin {
  bridgeId: string
  canResolve: boolean
}

/**
 * The origin of a message's private media: the bridge it was ingested through (`metadata.bridgeId`), when
 * the message has a media block with a private url; undefined otherwise (a message posted through the
 * API names no platform its references belong to, so they stay labels).
 */
export async function mediaOriginOf(
  message: Pick<Message, 'content' | 'metadata'>,
  configOf: (bridgeId: string) => Promise<BridgeConfig | null>,
  registry: Pick<AdapterRegistry, 'get'>,
): Promise<MediaOrigin | undefined> {
  const bridgeId = message.metadata['bridgeId']
  if (typeof bridgeId !== 'string' || !message.content.some((b) => isMediaBlock(b) && isPrivateUrl(b.url))) return undefined
  const config = await configOf(bridgeId)
  const adapter = config?.enabled ? registry.get(config.adapter) : undefined
  return { bridgeId, canResolve: adapter?.resolveMedia !== undefined }
}

/**
 * How one media block goes to a bridge: `upload` (core hands the adapter its bytes), `native` (the
 * block as it is, to an adapter with native media), `link` (its public URL in the text) or `label`.
 * A private reference travels as it is only to its own bridge, where it means something.
 */
export function mediaRoute(
  block: MediaBlock,
  target: { bridgeId: string; capabilities: Pick<AdapterCapabilities, 'media' | 'uploads'> },
  origin: MediaOrigin | undefined,
): 'upload' | 'native' | 'link' | 'label' {
  const native = target.capabilities.media === 'native'
  const uploads = target.capabilities.uploads !== undefined
  if (isPrivateUrl(block.url)) {
    if (native && origin?.bridgeId === target.bridgeId) return 'native'
    if (uploads && origin?.canResolve === true) return 'upload'
    return native ? 'native' : 'label'
  }
  if (block.url !== undefined && block.url !== '') return native ? 'native' : 'link'
  // Inline bytes (`data`, base64).
  if (native) return 'native'
  return uploads && block.data !== undefined ? 'upload' : 'label'
}

/** The text that stands for a media block another platform cannot show: `[image: name]`. */
export function mediaLabel(block: MediaBlock): string {
  const { filename, altText } = block as { filename?: string; altText?: string }
  const name = filename ?? altText
  return `[${block.type}${name ? `: ${name}` : ''}]`
}

/** What the adapter of a send delivery gets for its media: uploads, native blocks, and labels for the text. */
export interface PreparedMedia {
  uploads: OutboundUpload[]
  media: ContentBlock[]
  labels: string[]
}

export interface PrepareMediaOptions {
  target: { bridgeId: string; adapter: PlatformAdapter }
  /** The origin of the delivery's message (looked up only when a block needs it). */
  origin: () => Promise<{ bridgeId: string; adapter: PlatformAdapter; bridge: BridgeContext } | undefined>
  /** Whether a transient failure to resolve may still be retried (attempts left); else it becomes a label. */
  canRetry: boolean
}

/**
 * Resolves a send delivery's media for its adapter at send time. A private reference whose bytes cannot
 * be had for good (gone, too big, the source bridge gone) becomes a label; a transient failure throws a
 * retryable AdapterError while attempts are left, so the delivery is retried like a failed send.
 */
export async function prepareMedia(blocks: readonly ContentBlock[], options: PrepareMediaOptions): Promise<PreparedMedia> {
  const out: PreparedMedia = { uploads: [], media: [], labels: [] }
  const { adapter, bridgeId } = options.target
  const maxBytes = adapter.capabilities.uploads?.maxBytes ?? 0
  let origin: Awaited<ReturnType<PrepareMediaOptions['origin']>> | null = null
  const originOf = async () => (origin ??= await options.origin())
  for (const block of blocks) {
    if (!isMediaBlock(block)) continue
    const needsOrigin = isPrivateUrl(block.url)
    const source = needsOrigin ? await originOf() : undefined
    const route = mediaRoute(block, { bridgeId, capabilities: adapter.capabilities },
      source === undefined ? undefined : { bridgeId: source.bridgeId, canResolve: source.adapter.resolveMedia !== undefined })
    if (route === 'native') out.media.push(block)
    else if (route === 'link') out.labels.push(block.url!)
    else if (route === 'label') out.labels.push(mediaLabel(block))
    else {
      const upload = needsOrigin ? await resolve(block, source!, maxBytes, options.canRetry) : decode(block, maxBytes)
      if (upload === undefined) out.labels.push(mediaLabel(block))
      else out.uploads.push(upload)
    }
  }
  return out
}

async function resolve(
  block: MediaBlock,
  source: { bridgeId: string; adapter: PlatformAdapter; bridge: BridgeContext },
  maxBytes: number,
  canRetry: boolean,
): Promise<OutboundUpload | undefined> {
  try {
    const resolved = await source.adapter.resolveMedia!(source.bridge, block, { maxBytes })
    if (resolved.data.byteLength > maxBytes) return undefined
    return uploadOf(block, resolved.data, resolved.filename, resolved.mediaType)
  } catch (error) {
    const { retryable, retryAfterMs } = adapterErrorInfo(error)
    if (!canRetry || !retryable) return undefined
    const reason = error instanceof Error ? error.message : String(error)
    throw new AdapterError(`[core] media from bridge ${source.bridgeId} could not be fetched yet: ${reason}`, {
      retryable: true, cause: error, ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    })
  }
}

function decode(block: MediaBlock, maxBytes: number): OutboundUpload | undefined {
  const data = Buffer.from(block.data ?? '', 'base64')
  if (data.byteLength === 0 || data.byteLength > maxBytes) return undefined
  const extension = block.mediaType?.split('/')[1]?.replace(/[^a-z0-9]/gi, '') || 'bin'
  return uploadOf(block, data, `${block.type}.${extension}`, block.mediaType ?? 'application/octet-stream')
}

function uploadOf(block: MediaBlock, data: Uint8Array, name: string, mediaType: string): OutboundUpload {
  const { filename, altText } = block as { filename?: string; altText?: string }
  return { type: block.type, data, filename: filename ?? name, mediaType: block.mediaType ?? mediaType, ...(altText === undefined ? {} : { altText }) }
}
