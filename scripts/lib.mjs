// Shared by the bootstrap and the jobs: the pinned pnpm, the environment, and running commands.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const PNPM_VERSION = '12.4.2'
const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const localBin = join(root, '.tools', 'node_modules', '.bin')

function pnpmVersion(env) {
  try {
    return execFileSync('pnpm', ['--version'], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  } catch {
    return null
  }
}

export function ensureEnv() {
  const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1' }
  env.PATH = `${localBin}:${join(root, 'node_modules', '.bin')}:${env.PATH ?? ''}`
  // pnpm's node-gyp ignores .npmrc and would try to download Node headers; point it at the local ones.
  if (!env.npm_config_nodedir && existsSync('/usr/include/node/node.h')) env.npm_config_nodedir = '/usr'
  if (pnpmVersion(env) !== PNPM_VERSION) {
    console.log(`[bootstrap] installing pnpm ${PNPM_VERSION} into .tools/`)
    // npm 11 refuses --allow-scripts in a project install; the allowance goes in that project's package.json
    const tools = join(root, '.tools')
    mkdirSync(tools, { recursive: true })
    writeFileSync(join(tools, 'package.json'), JSON.stringify({ private: true, allowScripts: { pnpm: true } }, null, 2))
    run('npm', ['install', '--no-save', '--no-audit', '--no-fund', `pnpm@${PNPM_VERSION}`], env, { cwd: tools })
  }
  return env
}

/**
 * The browser test drives Debian's chromium. Installs it with apt when it is missing and this process may
 * (root, apt-get present); otherwise says so: the browser test then skips locally and fails under CI=true.
 */
export function ensureChromium(env) {
  const binary = '/usr/bin/chromium'
  if (existsSync(binary)) return
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  if (process.platform !== 'linux' || !isRoot || !existsSync('/usr/bin/apt-get')) {
    console.warn(`[bootstrap] ${binary} is missing and cannot be installed here (needs root and apt-get): the console's browser test will not run`)
    return
  }
  console.log('[bootstrap] installing Debian chromium for the browser test (apt-get, about a minute)')
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' }
  const ok = run('apt-get', ['update', '-qq'], aptEnv, { allowFailure: true }) === 0 &&
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], aptEnv, { allowFailure: true }) === 0
  if (!ok) console.warn('[bootstrap] installing chromium failed: the console\'s browser test will not run')
}

export function run(cmd, args, env, options = {}) {
  const result = spawnSync(cmd, args, { cwd: root, env, stdio: 'inherit', ...options })
  if (result.status !== 0) {
    if (options.allowFailure) return result.status ?? 1
    console.error(`[bootstrap] ${cmd} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`)
    process.exit(result.status ?? 1)
  }
  return 0
}

