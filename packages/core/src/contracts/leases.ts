/**
 * A named lease: who may run a piece of work that must run once across processes (a listener, an agent
 * runner), until when, and in which term. `expiresAt` is on the store's clock (ISO), for display only:
 * holders time their leases on their own monotonic clock (see `LeaseKeeper` in core).
 */
export interface Lease {
  name: string
  holder: string
  /**
   * The lease's term: it grows by at least one whenever the lease is taken by a holder that did not hold
   * it live (free, expired, released, or another holder's), and never goes back, so a write fenced with an
   * older generation can be told apart from the current holder's.
   */
  generation: number
  /** When the lease runs out on the store's clock, unless renewed (ISO). */
  expiresAt: string
}

/**
 * Which lease term a write is made under. A store refuses the write (`ConflictError`, code CONFLICT,
 * `details.fence`) once the lease `name` has another generation, checked in the write's own transaction.
 */
export interface LeaseFence {
  name: string
  generation: number
}

/**
 * Named leases with fencing, on the store's clock (the database's, so hosts' clocks do not matter).
 * Each operation is one atomic step: of any number of concurrent `acquireLease` calls for a lease that
 * is free, exactly one wins. A store with leases also honours fences: a write given a `LeaseFence`
 * (`JournalWrite.fence`, `saveSubscriptionCheckpoint(..., fence)`) MUST be refused with a
 * `ConflictError` and write nothing when the lease no longer has that generation, checked in the same
 * transaction as the write so that a takeover cannot commit between the check and the write (store-postgres
 * locks the lease row `for share`; SQLite has one writer). A store MAY refuse such a call even when it
 * would have changed nothing.
 */
export interface LeaseStore {
  /**
   * Takes the lease for `ttlMs` (from now on the store's clock) when it is free, expired or already this
   * holder's (then it is a renewal and keeps its generation); resolves it, or null when another holder
   * has it. Taking it otherwise bumps the generation (see {@link Lease.generation}).
   */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<Lease | null>
  /** Extends the lease by `ttlMs` from now while `holder` still holds it live in `generation`; null when it was lost or ran out. */
  renewLease(name: string, holder: string, generation: number, ttlMs: number): Promise<Lease | null>
  /**
   * Gives the lease up at once (it expires now, keeping its generation, so the next holder gets a higher
   * one); resolves whether `holder` still held it in `generation`.
   */
  releaseLease(name: string, holder: string, generation: number): Promise<boolean>
  /** The leases held now (not expired on the store's clock), whose name starts with `prefix`, ordered by name. */
  listLeases(prefix?: string): Promise<Lease[]>
}
