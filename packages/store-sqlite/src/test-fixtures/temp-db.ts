import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A fresh database path in its own temp folder; `remove()` deletes the folder with the WAL files. */
export function tempDatabase(label = 'jido-sqlite'): { filename: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), `${label}-`))
  return { filename: join(dir, 'store.db'), remove: () => rmSync(dir, { recursive: true, force: true }) }
}
