import { AdapterError, redactError, redactSecrets } from '@jido-messaging/core'
import type { TelegramApi } from './api.js'
import { FILE_URL_PREFIX } from './format.js'

// Telegram-hosted media (`tg-file:<file_id>`) as bytes. Another platform cannot open a file id, and the
// download URL Telegram gives (`<apiRoot>/file/bot<token>/<file_path>`) carries the bot token, so it
// must never be handed out: the file is fetched here, inside the adapter, and only its bytes leave.

/** Bots may download files of up to 20 MB through the Bot API. */
export const TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024

/** The media block to resolve: what core's content blocks and inbound media carry. */
export interface TelegramMediaRef {
  type?: string
  url?: string
  mediaType?: string
  filename?: string
}

/** A Telegram file's bytes, to re-upload to another platform (core's `ResolvedMedia`, with a Buffer). */
export interface ResolvedMedia {
  data: Buffer
  mediaType: string
  filename: string
}

export interface ResolveOptions {
  /** Timeout of the getFile call and of the download, in milliseconds. */
  timeoutMs: number
  /** Larger files are refused (default {@link TELEGRAM_DOWNLOAD_LIMIT}). */
  maxBytes?: number
  fetch?: typeof fetch
}

interface TgFileInfo {
  file_id: string
  file_size?: number
  file_path?: string
}

const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp',
  mp4: 'video/mp4', mov: 'video/quicktime', webm: 'video/webm', mp3: 'audio/mpeg', m4a: 'audio/mp4',
  ogg: 'audio/ogg', oga: 'audio/ogg', pdf: 'application/pdf', txt: 'text/plain', json: 'application/json',
}

/** Whether a media url names a file Telegram hosts (`tg-file:<file_id>`). */
export function isTelegramFileUrl(url: string | undefined): url is string {
  return typeof url === 'string' && url.startsWith(FILE_URL_PREFIX) && url.length > FILE_URL_PREFIX.length
}

/** getFile, then the download: the file's bytes, its MIME type and a file name. Errors name no token. */
export async function resolveMedia(api: TelegramApi, block: TelegramMediaRef, options: ResolveOptions): Promise<ResolvedMedia> {
  const where = `[adapter-telegram] bridge ${api.bridgeId}`
  if (!isTelegramFileUrl(block.url)) {
    throw new AdapterError(`${where}: only Telegram files (${FILE_URL_PREFIX}<file_id>) can be resolved, not '${redactSecrets(String(block.url), api.secrets)}'`, { retryable: false })
  }
  const fileId = block.url.slice(FILE_URL_PREFIX.length)
  const maxBytes = options.maxBytes ?? TELEGRAM_DOWNLOAD_LIMIT
  const info = await api.call<TgFileInfo>('getFile', { file_id: fileId })
  if (typeof info.file_path !== 'string' || info.file_path === '') {
    throw new AdapterError(`${where}: Telegram gave no download path for file ${fileId} (files over 20 MB cannot be downloaded by bots)`, { retryable: false })
  }
  if (info.file_size !== undefined && info.file_size > maxBytes) {
    throw new AdapterError(`${where}: file ${fileId} has ${info.file_size} bytes, more than the ${maxBytes} allowed`, { retryable: false })
  }
  const data = await download(api, info.file_path, fileId, maxBytes, options, where)
  const name = info.file_path.split('/').pop() || fileId
  return { data: data.bytes, mediaType: mediaTypeOf(block, data.contentType, name), filename: block.filename ?? name }
}

async function download(api: TelegramApi, filePath: string, fileId: string, maxBytes: number, options: ResolveOptions, where: string): Promise<{ bytes: Buffer; contentType: string | undefined }> {
  const url = `${api.root}file/bot${api.token}/${filePath.split('/').map(encodeURIComponent).join('/')}`
  const doFetch = options.fetch ?? fetch
  const timeout = AbortSignal.timeout(options.timeoutMs)
  let response: Response
  let bytes: Buffer
  try {
    response = await doFetch(url, { signal: timeout, redirect: 'error' })
    if (!response.ok) {
      await response.body?.cancel().catch(() => {})
      // 5xx may heal; a 4xx (file gone, path expired) will not.
      throw new AdapterError(`${where}: download of file ${fileId} answered ${response.status}`, { retryable: response.status >= 500 || response.status === 429, status: response.status })
    }
    bytes = Buffer.from(await response.arrayBuffer())
  } catch (error) {
    if (error instanceof AdapterError) throw error
    const reason = timeout.aborted ? `timed out after ${options.timeoutMs} ms` : error instanceof Error ? error.message : String(error)
    // The cause may quote the URL, and with it the token.
    throw new AdapterError(redactSecrets(`${where}: download of file ${fileId} failed: ${reason}`, [...api.secrets, url]), {
      retryable: true,
      cause: redactError(error, [...api.secrets, url]),
    })
  }
  if (bytes.length > maxBytes) throw new AdapterError(`${where}: file ${fileId} has ${bytes.length} bytes, more than the ${maxBytes} allowed`, { retryable: false })
  return { bytes, contentType: response.headers.get('content-type') ?? undefined }
}

/** The block's own type, else a specific Content-Type from Telegram, else the extension's, else octet-stream. */
function mediaTypeOf(block: TelegramMediaRef, contentType: string | undefined, name: string): string {
  if (block.mediaType) return block.mediaType
  const given = contentType?.split(';')[0]?.trim().toLowerCase()
  if (given && given !== 'application/octet-stream') return given
  const extension = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase()
  return (extension && MIME_BY_EXTENSION[extension]) || (block.type === 'image' ? 'image/jpeg' : 'application/octet-stream')
}
