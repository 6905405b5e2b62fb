// Reads the YAML config, validates it, and reports every problem with its path and line, e.g.
// `gateway.yaml:12:7 bridges[0].adapter: Invalid option: expected one of "telegram"|...`.
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { isNode, LineCounter, parseDocument, type Document } from 'yaml'
import { GatewayConfigSchema, type GatewayConfig } from './schema.js'

export interface ConfigProblem {
  /** Dotted path into the config, e.g. `bridges[0].credentials.botToken`. */
  path: string
  /** 1-based line and column in the file (absent when the file has no such place). */
  line?: number
  column?: number
  message: string
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  readonly code = 'CONFIG'
  constructor(readonly file: string, readonly problems: ConfigProblem[]) {
    super(`[gateway] ${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n` +
      problems.map((p) => `  ${file}${p.line === undefined ? '' : `:${p.line}:${p.column ?? 1}`} ${p.path || '(root)'}: ${p.message}`).join('\n'))
  }
}

export interface LoadedConfig {
  config: GatewayConfig
  /** Absolute path of the file ('<inline>' for text without one). */
  file: string
  /** Folder relative paths in the config resolve against. */
  baseDir: string
  /** Bridges and bindings left out because an environment variable they require is unset. */
  skipped: string[]
}

type Env = Record<string, string | undefined>

const pathText = (path: ReadonlyArray<PropertyKey>) =>
  path.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`)).join('')

/** Loads and validates a config file; throws ConfigError listing every problem. */
export function loadConfigFile(file: string, env: Env = process.env): LoadedConfig {
  const abs = resolve(file)
  let text: string
  try {
    text = readFileSync(abs, 'utf8')
  } catch (error) {
    throw new ConfigError(abs, [{ path: '', message: `cannot read the file: ${(error as Error).message}` }])
  }
  return parseConfigText(text, { file: abs, baseDir: dirname(abs), env })
}

/** Validates config text (YAML or JSON); `file` only names it in messages. */
export function parseConfigText(text: string, opts: { file?: string; baseDir?: string; env?: Env } = {}): LoadedConfig {
  const file = opts.file ?? '<inline>'
  const env = opts.env ?? process.env
  const lines = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true })
  const at = (offset: number | undefined) => {
    if (offset === undefined) return {}
    const pos = lines.linePos(offset)
    return { line: pos.line, column: pos.col }
  }
  if (doc.errors.length > 0) {
    throw new ConfigError(file, doc.errors.map((e) => ({ path: '', ...at(e.pos[0]), message: e.message.split('\n')[0] ?? e.message })))
  }
  const raw = doc.toJS() ?? {}
  const parsed = GatewayConfigSchema.safeParse(raw)
  if (!parsed.success) {
    throw new ConfigError(file, parsed.error.issues.map((issue) => ({
      path: pathText(issue.path),
      ...at(offsetOf(doc, issue.path)),
      message: issue.message,
    })))
  }
  const config = parsed.data
  const problems: ConfigProblem[] = []
  const resolveRef = (value: string, path: PropertyKey[]): string => {
    if (!value.startsWith('env:')) return value
    const name = value.slice(4)
    const found = env[name]
    if (found === undefined || found === '') {
      problems.push({ path: pathText(path), ...at(offsetOf(doc, path)), message: `environment variable ${name} is not set` })
      return value
    }
    return found
  }
  const isSet = (name: string) => env[name] !== undefined && env[name] !== ''

  const skipped: string[] = []
  if (config.store.kind === 'postgres') config.store.connectionString = resolveRef(config.store.connectionString, ['store', 'connectionString'])
  config.apiKeys.forEach((k, i) => {
    if (k.key !== 'generate') k.key = resolveRef(k.key, ['apiKeys', i, 'key'])
  })
  const bridgeIds = new Set<string>()
  config.bridges = config.bridges.filter((b, i) => {
    if (bridgeIds.has(b.id)) problems.push({ path: `bridges[${i}].id`, ...at(offsetOf(doc, ['bridges', i, 'id'])), message: `bridge id '${b.id}' is used twice` })
    bridgeIds.add(b.id)
    const missing = b.requiresEnv.filter((n) => !isSet(n))
    if (missing.length > 0) {
      skipped.push(`bridge ${b.id} (set ${missing.join(', ')} to turn it on)`)
      return false
    }
    // credentials stay references, but a reference to nothing is an error now rather than at the first webhook
    for (const [key, value] of Object.entries(b.credentials)) {
      if (value.startsWith('env:') && !isSet(value.slice(4))) {
        problems.push({ path: `bridges[${i}].credentials.${key}`, ...at(offsetOf(doc, ['bridges', i, 'credentials', key])), message: `environment variable ${value.slice(4)} is not set` })
      }
    }
    return true
  })
  const activeBridges = new Set(config.bridges.map((b) => b.id))
  const roomIds = new Set<string>()
  config.rooms.forEach((room, r) => {
    if (roomIds.has(room.id)) problems.push({ path: `rooms[${r}].id`, ...at(offsetOf(doc, ['rooms', r, 'id'])), message: `room id '${room.id}' is used twice` })
    roomIds.add(room.id)
    room.bindings = room.bindings.filter((b, i) => {
      const missing = b.requiresEnv.filter((n) => !isSet(n))
      if (missing.length > 0 || !activeBridges.has(b.bridge)) {
        if (missing.length > 0 || bridgeIds.has(b.bridge)) {
          skipped.push(`room ${room.id} binding to ${b.bridge}${missing.length > 0 ? ` (set ${missing.join(', ')})` : ' (its bridge is off)'}`)
        } else {
          problems.push({ path: `rooms[${r}].bindings[${i}].bridge`, ...at(offsetOf(doc, ['rooms', r, 'bindings', i, 'bridge'])), message: `no bridge '${b.bridge}' in bridges` })
        }
        return false
      }
      b.externalRoomId = resolveRef(b.externalRoomId, ['rooms', r, 'bindings', i, 'externalRoomId'])
      return true
    })
    const agentIds = new Set<string>()
    room.agents.forEach((a, i) => {
      if (agentIds.has(a.id)) problems.push({ path: `rooms[${r}].agents[${i}].id`, ...at(offsetOf(doc, ['rooms', r, 'agents', i, 'id'])), message: `agent id '${a.id}' is used twice in room ${room.id}` })
      agentIds.add(a.id)
    })
  })
  const keyIds = new Set<string>()
  config.apiKeys.forEach((k, i) => {
    if (keyIds.has(k.id)) problems.push({ path: `apiKeys[${i}].id`, ...at(offsetOf(doc, ['apiKeys', i, 'id'])), message: `api key id '${k.id}' is used twice` })
    keyIds.add(k.id)
    if (k.key !== 'generate' && !k.key.startsWith('env:') && k.key.length < 16) {
      problems.push({ path: `apiKeys[${i}].key`, ...at(offsetOf(doc, ['apiKeys', i, 'key'])), message: 'an API key must be at least 16 characters' })
    }
  })
  if (problems.length > 0) throw new ConfigError(file, problems)
  return { config, file, baseDir: opts.baseDir ?? process.cwd(), skipped }
}

/** The offset of the deepest node that exists along `path` (a missing key points at its parent). */
function offsetOf(doc: Document, path: ReadonlyArray<PropertyKey>): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true)
    if (isNode(node) && node.range) return node.range[0]
  }
  return undefined
}
