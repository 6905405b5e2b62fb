import type { IncomingMessage } from 'node:http'
import { badRequest } from './types.js'

/** A file uploaded as a multipart part (telegraf does this for Buffers, streams and local paths). */
export interface UploadedFile {
  filename: string
  size: number
  contentType: string
}

export interface ParsedParams {
  params: Record<string, unknown>
  files: Record<string, UploadedFile>
}

// Fields that telegraf (and other clients) JSON-encode inside form bodies.
const JSON_FIELDS = new Set(['reply_parameters', 'reply_markup', 'reaction', 'allowed_updates', 'link_preview_options', 'entities', 'caption_entities', 'media'])

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** Parameters of one Bot API call from the query string and a JSON, urlencoded or multipart body, as the real API accepts them. */
export async function parseParams(url: URL, contentType: string | undefined, raw: Buffer): Promise<ParsedParams> {
  const params: Record<string, unknown> = {}
  const files: Record<string, UploadedFile> = {}
  for (const [key, value] of url.searchParams) params[key] = formValue(key, value)
  const type = (contentType ?? '').toLowerCase()
  if (raw.length === 0) return { params, files }
  if (type.startsWith('application/json')) {
    let body: unknown
    try {
      body = JSON.parse(raw.toString('utf8'))
    } catch {
      throw badRequest("can't parse JSON body")
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('JSON body must be an object')
    Object.assign(params, body)
  } else if (type.startsWith('application/x-www-form-urlencoded')) {
    for (const [key, value] of new URLSearchParams(raw.toString('utf8'))) params[key] = formValue(key, value)
  } else if (type.startsWith('multipart/form-data')) {
    // undici (built into Node 20) parses multipart through the fetch Response.
    const form = await new Response(raw, { headers: { 'content-type': contentType! } }).formData()
    for (const [key, value] of form) {
      if (typeof value === 'string') params[key] = formValue(key, value)
      else {
        files[key] = { filename: value.name, size: value.size, contentType: value.type || 'application/octet-stream' }
        params[key] = `attach://${key}`
      }
    }
  } else {
    throw badRequest(`unsupported content-type ${contentType ?? '(none)'}`)
  }
  return { params, files }
}

function formValue(key: string, value: string): unknown {
  if (!JSON_FIELDS.has(key)) return value
  try {
    return JSON.parse(value) as unknown
  } catch {
    return value
  }
}

/** An integer parameter, given as a number or a numeric string; undefined when absent. */
export function intParam(params: Record<string, unknown>, key: string): number | undefined {
  const value = params[key]
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value)
  throw badRequest(`field "${key}" must be an Integer`)
}

export function boolParam(params: Record<string, unknown>, key: string): boolean {
  const value = params[key]
  return value === true || value === 'true'
}

export function stringParam(params: Record<string, unknown>, key: string): string | undefined {
  const value = params[key]
  if (value === undefined || value === null) return undefined
  return typeof value === 'string' ? value : String(value)
}

/** A JSON-object parameter (sent as an object in JSON bodies, as a JSON string in forms). */
export function objectParam(params: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  let value = params[key]
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown
    } catch {
      throw badRequest(`can't parse ${key} JSON object`)
    }
  }
  if (typeof value !== 'object' || value === null) throw badRequest(`can't parse ${key} JSON object`)
  return value as Record<string, unknown>
}
