// Bearer API keys with two scopes. Keys are compared as SHA-256 digests with timingSafeEqual, so neither
// a key's length nor its first differing byte shows in the time a refusal takes.
import { createHash, timingSafeEqual } from 'node:crypto'
import { HttpError } from './errors.js'

export type Scope = 'read' | 'admin'

export interface ApiKeyRecord {
  id: string
  key: string
  scope: Scope
}

export interface Principal {
  keyId: string
  scope: Scope
}

const digest = (text: string) => createHash('sha256').update(text).digest()

export class ApiKeys {
  private readonly keys: Array<{ id: string; scope: Scope; digest: Buffer }>

  constructor(keys: ApiKeyRecord[]) {
    this.keys = keys.map((k) => ({ id: k.id, scope: k.scope, digest: digest(k.key) }))
  }

  get size(): number {
    return this.keys.length
  }

  /** The key's principal, or null. Every stored key is compared, whether or not one matched earlier. */
  match(presented: string): Principal | null {
    const d = digest(presented)
    let found: Principal | null = null
    for (const k of this.keys) if (timingSafeEqual(k.digest, d) && found === null) found = { keyId: k.id, scope: k.scope }
    return found
  }

  /** Reads `Authorization: Bearer <key>` (or `?access_token=` where a header cannot be set, e.g. EventSource). */
  authenticate(authorization: string | undefined, queryToken: string | undefined, needed: Scope): Principal {
    let presented: string | undefined
    if (authorization !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization)
      if (!m) throw new HttpError(401, 'UNAUTHORIZED', 'the Authorization header must be "Bearer <api key>"')
      presented = m[1]
    } else presented = queryToken
    if (presented === undefined || presented === '') throw new HttpError(401, 'UNAUTHORIZED', 'an API key is required (Authorization: Bearer <api key>)')
    const principal = this.match(presented)
    if (!principal) throw new HttpError(401, 'UNAUTHORIZED', 'unknown API key')
    if (needed === 'admin' && principal.scope !== 'admin') throw new HttpError(403, 'FORBIDDEN', `API key ${principal.keyId} is read-only; this call needs an admin key`)
    return principal
  }
}
