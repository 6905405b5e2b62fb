import type BetterSqlite3 from 'better-sqlite3'
import type { SqliteDatabase, SqliteStatement } from 'kysely'

/**
 * kysely's SQLite driver prepares every query anew; preparing costs about as much as running a small
 * insert. This wraps the database so each distinct SQL text is prepared once and reused. Safe because
 * kysely runs statements to completion (`all`/`run`) on one connection, never two at once.
 */
export function withStatementCache(db: BetterSqlite3.Database, maxEntries = 1000): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>()
  return {
    close: () => {
      cache.clear()
      db.close()
    },
    prepare: (sql) => {
      let stmt = cache.get(sql)
      if (stmt === undefined) {
        if (cache.size >= maxEntries) cache.clear()
        stmt = db.prepare(sql) as unknown as SqliteStatement
        cache.set(sql, stmt)
      }
      return stmt
    },
  }
}
