import type { IncomingMessage } from 'node:http'

/** Reads a request body as bytes; undefined when it is larger than `maxBytes`. */
export async function readBytes(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > maxBytes) return undefined
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

/** Reads a request body as UTF-8 text; undefined when it is larger than `maxBytes`. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  return (await readBytes(req, maxBytes))?.toString('utf8')
}

/** The file parts of a multipart/form-data body, in order (undici parses it through a fetch Response). */
export async function multipartFiles(raw: Buffer, contentType: string): Promise<{ fields: Record<string, string>; files: Array<{ field: string; filename: string; contentType: string; data: Buffer }> }> {
  const form = await new Response(raw, { headers: { 'content-type': contentType } }).formData()
  const fields: Record<string, string> = {}
  const files: Array<{ field: string; filename: string; contentType: string; data: Buffer }> = []
  for (const [field, value] of form) {
    if (typeof value === 'string') fields[field] = value
    else files.push({ field, filename: value.name, contentType: value.type, data: Buffer.from(await value.arrayBuffer()) })
  }
  return { fields, files }
}
