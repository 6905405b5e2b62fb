import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Builds this package's dist, which child-process fixtures import (turbo builds only dependencies before tests). */
export function buildPackage(): void {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
  const result = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    { cwd: root, encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`building store-postgres for the child process failed:\n${result.stdout}${result.stderr}`)
}
