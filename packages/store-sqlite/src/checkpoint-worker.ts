// The thread of background WAL checkpoints (see checkpointer.ts): one connection per registered database
// file, each running a PASSIVE checkpoint every interval. A PASSIVE checkpoint never blocks readers or
// writers of other connections: it copies the WAL frames no reader still needs into the database file,
// so the writers' own connections almost never have to, inside a commit.
import Database from 'better-sqlite3'
import { parentPort } from 'node:worker_threads'
import type { CheckpointCommand } from './checkpointer.js'

const port = parentPort
if (port === null) throw new Error('[store-sqlite] checkpoint-worker.js runs only as a worker thread')

interface Entry {
  db: Database.Database
  timer: NodeJS.Timeout
}
const files = new Map<string, Entry>()

function checkpoint(db: Database.Database): void {
  try {
    db.pragma('wal_checkpoint(PASSIVE)')
  } catch {
    // SQLITE_BUSY (another checkpoint runs) or a file being closed: the next interval tries again, and the
    // writers' own autocheckpoint remains the backstop.
  }
}

port.on('message', (command: CheckpointCommand) => {
  if (command.type === 'add') {
    if (files.has(command.filename)) return
    let db: Database.Database
    try {
      db = new Database(command.filename, { fileMustExist: true, timeout: 0 })
    } catch {
      return
    }
    const timer = setInterval(() => checkpoint(db), command.intervalMs)
    files.set(command.filename, { db, timer })
  } else {
    const entry = files.get(command.filename)
    if (entry === undefined) {
      port.postMessage({ type: 'removed', filename: command.filename })
      return
    }
    files.delete(command.filename)
    clearInterval(entry.timer)
    try {
      entry.db.close()
    } catch {
      // closing a connection that is not busy does not fail; nothing to do if it does
    }
    port.postMessage({ type: 'removed', filename: command.filename })
  }
})
