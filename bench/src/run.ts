// `pnpm bench`: runs every benchmark suite in order, or only those named: `pnpm bench memory sqlite`.
const suites: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  memory: () => import('./memory.js'),
  sqlite: () => import('./sqlite.js'),
  postgres: () => import('./postgres.js'),
  ingest: () => import('./ingest.js'),
  'gateway-ingest': () => import('./gateway-ingest.js'),
  'gateway-sse': () => import('./gateway-sse.js'),
  journal: () => import('./journal.js'),
  directory: () => import('./directory.js'),
  agents: () => import('./agents.js'),
  'cross-process': () => import('./cross-process.js'),
  'scale-out': () => import('./scale-out.js'),
}

const wanted = process.argv.slice(2).filter((a) => a !== '--')
for (const [name, load] of Object.entries(suites)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue
  console.log(`\n# bench: ${name}`)
  const suite = await load()
  await suite.run()
}
