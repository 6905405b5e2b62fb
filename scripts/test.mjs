// Runs every package's tests through turbo, then prints one plain closing line that CI can read:
// `N passed, N failed, N skipped` (vitest's own summaries are prefixed by turbo and per package).
import { readFileSync, readdirSync, rmSync, existsSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureChromium, run } from './lib.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const workspaceDirs = () =>
  ['packages', 'apps', 'examples'].flatMap((top) =>
    existsSync(join(root, top)) ? readdirSync(join(root, top)).map((d) => join(root, top, d)) : [],
  ).concat([join(root, 'bench')])

export async function main(env) {
  ensureChromium(env)
  for (const dir of workspaceDirs()) rmSync(join(dir, '.vitest-results.json'), { force: true })
  const status = run('pnpm', ['turbo', 'run', 'typecheck', 'test', '--continue', '--output-logs=new-only'], env, { allowFailure: true })
  let passed = 0, failed = 0, skipped = 0, suitesFailed = 0, reports = 0
  for (const dir of workspaceDirs()) {
    const file = join(dir, '.vitest-results.json')
    if (!existsSync(file)) continue
    const r = JSON.parse(readFileSync(file, 'utf8'))
    reports++
    passed += r.numPassedTests
    failed += r.numFailedTests
    skipped += r.numPendingTests + (r.numTodoTests ?? 0)
    // a test file that failed without running any test (an import error, a crash) fails the run too
    suitesFailed += (r.testResults ?? []).filter((f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0).length
  }
  if (suitesFailed > 0) console.log(`${suitesFailed} test file(s) failed to run`)
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`)
  if (status !== 0 || failed > 0 || suitesFailed > 0 || reports === 0) return 1
  return 0
}
