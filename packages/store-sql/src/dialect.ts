/** Which SQL engine a store talks to; the few places where SQL differs branch on it. */
export type SqlDialectKind = 'sqlite' | 'postgres'
