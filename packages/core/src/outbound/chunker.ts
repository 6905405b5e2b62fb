/**
 * Splits text into chunks of at most `limit` characters (UTF-16 code units, as JS and most platform
 * APIs count them) on the best boundary available: paragraph, line, sentence, then word; a hard cut
 * only when a single word is longer than the limit (never between a surrogate pair).
 *
 * A cut never falls inside a fenced code block (``` or ~~~): chunks re-join to the original text
 * exactly and no markers are added. The one exception is a single code block longer than the limit:
 * it is split at line boundaries and each piece is closed and reopened with the same fence, so every
 * chunk still renders as code (the only case where re-joining does not give the original).
 */
export function chunkText(text: string, limit: number): string[] {
  if (!Number.isInteger(limit) || limit < 16) throw new RangeError(`chunk limit must be an integer >= 16, got ${limit}`)
  if (text.length <= limit) return [text]
  const fences = findFences(text)
  const chunks: string[] = []
  let start = 0
  while (text.length - start > limit) {
    const cut = findCut(text, start, start + limit, fences)
    if (cut === null) {
      // a single fence longer than the limit begins at `start`: split it, closing and reopening the fence
      const fence = fences.find((f) => f.start === start)!
      const pieces = splitOversizedFence(text.slice(fence.start, fence.end), fence.marker, limit)
      chunks.push(...pieces.slice(0, -1))
      return chunks.concat(chunkText(pieces[pieces.length - 1]! + text.slice(fence.end), limit))
    }
    chunks.push(text.slice(start, cut))
    start = cut
  }
  chunks.push(text.slice(start))
  return chunks
}

interface Fence {
  start: number
  /** Index after the closing fence line (or the end of the text for an unclosed fence). */
  end: number
  marker: string
}

function findFences(text: string): Fence[] {
  const fences: Fence[] = []
  const re = /^(`{3,}|~{3,})[^\n]*$/gm
  let open: { start: number; marker: string } | null = null
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const marker = m[1]!
    if (!open) {
      open = { start: m.index, marker }
    } else if (marker[0] === open.marker[0] && marker.length >= open.marker.length && m[0].trim() === marker) {
      const lineEnd = m.index + m[0].length
      fences.push({ start: open.start, end: text[lineEnd] === '\n' ? lineEnd + 1 : lineEnd, marker: open.marker })
      open = null
    }
  }
  if (open) fences.push({ start: open.start, end: text.length, marker: open.marker })
  return fences
}

const BOUNDARIES: RegExp[] = [/\n[ \t]*\n+/g, /\n/g, /[.!?…。！？]["')\]]*[ \t]+/g, /[ \t]+/g]

/** The best cut in (start, max] that is not inside a fence; null when a fence at `start` is too long. */
function findCut(text: string, start: number, max: number, fences: Fence[]): number | null {
  const inside = (p: number) => fences.some((f) => p > f.start && p < f.end)
  for (const re of BOUNDARIES) {
    re.lastIndex = start
    let best = -1
    for (let m = re.exec(text); m !== null && m.index < max; m = re.exec(text)) {
      const cut = m.index + m[0].length
      if (cut <= max && cut > start && !inside(cut)) best = cut
      if (m[0].length === 0) re.lastIndex++
    }
    if (best > start) return best
  }
  // no boundary: cut before a fence that straddles the limit, else a hard cut
  const straddling = fences.find((f) => f.start > start && f.start < max && f.end > max)
  if (straddling) return straddling.start
  if (fences.some((f) => f.start === start && f.end > max)) return null
  let cut = max
  const code = text.charCodeAt(cut - 1)
  if (code >= 0xd800 && code <= 0xdbff) cut--
  return inside(cut) ? null : cut
}

function splitOversizedFence(block: string, marker: string, limit: number): string[] {
  const firstNl = block.indexOf('\n')
  const opening = block.slice(0, firstNl + 1)
  const closing = `${marker}\n`
  const body = block.slice(firstNl + 1)
  const room = limit - opening.length - closing.length
  const pieces: string[] = []
  let rest = body
  while (rest.length > 0) {
    if (opening.length + rest.length <= limit) {
      pieces.push(opening + rest)
      break
    }
    let cut = rest.lastIndexOf('\n', room)
    cut = cut <= 0 ? room : cut + 1
    pieces.push(opening + rest.slice(0, cut) + (rest.slice(0, cut).endsWith('\n') ? '' : '\n') + closing)
    rest = rest.slice(cut)
  }
  return pieces
}

/** Mass mentions neutralized by default (a zero-width space keeps them visible but inert). */
export const DEFAULT_MASS_MENTIONS = ['@everyone', '@here', '@channel', '<!channel>', '<!here>', '<!everyone>'] as const

/** Rewrites mass mentions so they do not notify everyone. */
export function neutralizeMassMentions(text: string, mentions: readonly string[] = DEFAULT_MASS_MENTIONS): string {
  let out = text
  for (const mention of mentions) {
    const inert = mention.startsWith('<') ? `<\u200b${mention.slice(1)}` : `${mention[0]}\u200b${mention.slice(1)}`
    out = out.split(mention).join(inert)
  }
  return out
}
