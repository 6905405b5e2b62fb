#!/usr/bin/env node
// Makes a fresh clone usable with nothing but Node.js 20 and npm: installs the pinned pnpm when it is
// missing, installs the workspace, then runs the requested job (`start` or `test`).
import { ensureEnv, run } from './lib.mjs'

const job = process.argv[2]
if (job !== 'start' && job !== 'test') {
  console.error('usage: node scripts/bootstrap.mjs start|test')
  process.exit(2)
}
const env = ensureEnv()
run('pnpm', ['install', '--frozen-lockfile', '--reporter=append-only'], env)
const { main } = await import(`./${job}.mjs`)
process.exitCode = await main(env)
