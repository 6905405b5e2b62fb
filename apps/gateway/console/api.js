// Talking to the gateway. Every data call carries the API key: a Bearer header for fetch, and
// `access_token` for the live stream, since EventSource cannot set headers. The key lives in this
// tab's sessionStorage only, and a `#key=` fragment is removed from the address bar once read.

const STORAGE = 'jido.console.key'
// The console is served at <gateway>/console/, so the API is one level up (this keeps working behind a
// reverse proxy that mounts the gateway under a path prefix).
const base = new URL('../', document.baseURI)

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
  }
}

const decode = (text) => { try { return decodeURIComponent(text) } catch { return text } }

/** The `#a=1&b=2` fragment as a Map (percent-decoded; unlike URLSearchParams, `+` stays a plus). */
export function fragment() {
  return new Map(location.hash.slice(1).split('&').filter(Boolean).map((part) => {
    const at = part.indexOf('=')
    return at < 0 ? [decode(part), ''] : [decode(part.slice(0, at)), decode(part.slice(at + 1))]
  }))
}

/** Moves a `#key=...` fragment into sessionStorage and out of the URL (and so out of history); true if there was one. */
export function takeKeyFromFragment() {
  const params = fragment()
  const key = params.get('key')
  if (key === undefined) return false
  params.delete('key')
  const rest = [...params].map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&')
  history.replaceState(null, '', rest ? `#${rest}` : location.pathname + location.search)
  if (key === '') return false
  sessionStorage.setItem(STORAGE, key)
  return true
}

export const storedKey = () => sessionStorage.getItem(STORAGE)
export const storeKey = (key) => sessionStorage.setItem(STORAGE, key)
export const forgetKey = () => sessionStorage.removeItem(STORAGE)

/** `path` is relative to the gateway root, e.g. `v1/rooms`. Rejects with an ApiError. */
export async function api(path, { method = 'GET', body, key = storedKey() } = {}) {
  const headers = { accept: 'application/json', authorization: `Bearer ${key ?? ''}` }
  if (body !== undefined) headers['content-type'] = 'application/json'
  let res
  try {
    res = await fetch(new URL(path, base), { method, headers, cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body) })
  } catch (error) {
    throw new ApiError(0, 'NETWORK', `the gateway did not answer (${error.message})`)
  }
  const payload = await res.json().catch(() => null)
  if (!res.ok) {
    const err = payload?.error
    throw new ApiError(res.status, err?.code ?? `HTTP_${res.status}`, err?.message ?? `${res.status} ${res.statusText}`)
  }
  return payload
}

/** A path segment: ids are opaque strings. */
export const seg = (id) => encodeURIComponent(id)

/** The live signal stream; `params` are query parameters (roomId, pattern). */
export function liveStream(params) {
  const url = new URL('v1/signals', base)
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value)
  url.searchParams.set('access_token', storedKey() ?? '')
  return new EventSource(url)
}
