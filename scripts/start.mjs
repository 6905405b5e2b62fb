// The main job: builds the workspace and runs the gateway on its embedded SQLite default (./data), with
// the bundled example config (a demo room with an echo agent) unless ./gateway.yaml or
// $JIDO_GATEWAY_CONFIG names another. Extra arguments go to `jido-gateway start`.
import { run } from './lib.mjs'

export async function main(env) {
  run('pnpm', ['turbo', 'run', 'build', '--output-logs=errors-only'], env)
  return run('node', ['apps/gateway/dist/cli.js', 'start', ...process.argv.slice(3)], env, { allowFailure: true })
}
