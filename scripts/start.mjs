// The main job. Until apps/gateway exists this is the quickstart: a room, a few messages, the signals.
import { run } from './lib.mjs'

export async function main(env) {
  run('pnpm', ['turbo', 'run', 'build', '--output-logs=errors-only'], env)
  return run('node', ['examples/quickstart/dist/index.js'], env, { allowFailure: true })
}
