#!/usr/bin/env node
// jido-gateway: start | migrate | check-config | --help
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createStore } from './assemble.js'
import { ConfigError, loadConfigFile, type LoadedConfig } from './config/load.js'
import { startGateway } from './gateway.js'
import { VERSION } from './version.js'

const HELP = `jido-gateway ${VERSION}: the Jido Messaging host

Usage:
  jido-gateway start [--config FILE] [--port N] [--host H] [--instance-id ID]
                                                              run the gateway (SIGTERM or SIGINT stops it cleanly)
  jido-gateway migrate [--config FILE]                        create or upgrade the store's tables, then exit
  jido-gateway check-config [--config FILE]                   validate the config; every problem with its line
  jido-gateway --help | --version

The config is FILE, else $JIDO_GATEWAY_CONFIG, else ./gateway.yaml, else the bundled example
(a demo room with an echo agent on data/gateway.db in the current folder). Secrets come from the
environment through env:NAME references. Several gateways on one Postgres each need their own
instance id: --instance-id, or $JIDO_INSTANCE_ID, overrides the config's instanceId.
See the operator guide: apps/gateway/README.md.`

const EXAMPLE = fileURLToPath(new URL('../gateway.example.yaml', import.meta.url))

function load(file: string | undefined): LoadedConfig {
  const chosen = file ?? process.env['JIDO_GATEWAY_CONFIG'] ?? (existsSync('gateway.yaml') ? 'gateway.yaml' : undefined)
  if (chosen !== undefined) return loadConfigFile(chosen)
  // the bundled example keeps its data in the folder the gateway runs in, not inside the package
  return { ...loadConfigFile(EXAMPLE), baseDir: process.cwd() }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      port: { type: 'string' },
      host: { type: 'string' },
      'instance-id': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  })
  const command = positionals[0]
  if (values.version) {
    console.log(VERSION)
    return 0
  }
  if (values.help || command === undefined || command === 'help') {
    console.log(HELP)
    return command === undefined && !values.help ? 2 : 0
  }
  if (command === 'check-config') {
    const loaded = load(values.config)
    console.log(`${loaded.file}: ok (${loaded.config.bridges.length} bridge(s), ${loaded.config.rooms.length} room(s), store ${loaded.config.store.kind})`)
    for (const s of loaded.skipped) console.log(`  skipped: ${s}`)
    return 0
  }
  if (command === 'migrate') {
    const loaded = load(values.config)
    const store = createStore(loaded)
    await store.start()
    await store.stop()
    console.log(`${loaded.config.store.kind} store migrated`)
    return 0
  }
  if (command === 'start') {
    const loaded = load(values.config)
    const instanceId = values['instance-id'] ?? process.env['JIDO_INSTANCE_ID']
    if (instanceId !== undefined && instanceId !== '') loaded.config.instanceId = instanceId
    const port = values.port === undefined ? undefined : Number(values.port)
    if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) throw new ConfigError('--port', [{ path: 'port', message: `not a port: ${values.port}` }])
    const gateway = await startGateway({ config: loaded, listen: { ...(port === undefined ? {} : { port }), ...(values.host === undefined ? {} : { host: values.host }) } })
    const admin = gateway.apiKeys.find((k) => k.scope === 'admin')
    console.log(`\nJido gateway ${VERSION} listening on ${gateway.url}`)
    if (gateway.context.config.console.enabled) console.log(`  console:  ${gateway.url}/console/${admin ? `#key=${encodeURIComponent(admin.key)}` : ''}`)
    if (admin) console.log(`  admin key (${admin.id}): ${admin.key}`)
    console.log(`  REST API: ${gateway.url}/v1 (OpenAPI at ${gateway.url}/v1/openapi.json)`)
    const base = gateway.context.config.listen.publicUrl ?? gateway.url
    for (const b of gateway.context.config.bridges) console.log(`  webhook for bridge ${b.id}: ${base}/webhooks/${b.id}`)
    console.log('')
    await new Promise<void>((resolve) => {
      let signals = 0
      const onSignal = (signal: string) => {
        if (++signals > 1) {
          console.error(`[gateway] ${signal} again: exiting without finishing the drain`)
          process.exit(1)
        }
        gateway.logger.info({ signal }, 'shutdown requested')
        gateway.stop().then(resolve, (error: unknown) => {
          gateway.logger.error({ err: error }, 'stop failed')
          resolve()
        })
      }
      process.on('SIGTERM', onSignal)
      process.on('SIGINT', onSignal)
    })
    return 0
  }
  console.error(`unknown command '${command}'\n\n${HELP}`)
  return 2
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) console.error(error.message)
    else console.error(`[gateway] ${(error as Error)?.stack ?? error}`)
    process.exit(1)
  },
)
