// Every published package keeps the same anatomy (STYLE.md): name matches folder, ESM, an exports map
// with types first, only dist published, a README and a src/index.ts public surface.
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const packagesDir = join(import.meta.dirname, '..', '..')
const dirs = readdirSync(packagesDir).filter((d) => existsSync(join(packagesDir, d, 'package.json')))

describe('package shape', () => {
  it('finds the packages', () => {
    expect(dirs).toEqual(expect.arrayContaining(['core', 'store-memory', 'testing']))
  })

  for (const dir of dirs) {
    const pkg = JSON.parse(readFileSync(join(packagesDir, dir, 'package.json'), 'utf8'))
    it(`${dir}: name, ESM, README, src/index.ts`, () => {
      expect(pkg.name).toBe(`@jido-messaging/${dir}`)
      expect(pkg.type).toBe('module')
      expect(existsSync(join(packagesDir, dir, 'README.md'))).toBe(true)
      expect(existsSync(join(packagesDir, dir, 'src', 'index.ts'))).toBe(true)
      expect(pkg.scripts?.test).toMatch(/vitest run/)
    })
    if (pkg.private) continue
    it(`${dir}: publishable shape`, () => {
      expect(pkg.engines?.node).toBe('>=20')
      expect(pkg.files).toEqual(['dist'])
      expect(Object.keys(pkg.exports['.'])[0]).toBe('types')
      expect(pkg.exports['.'].import).toBe('./dist/index.js')
      expect(pkg.license).toBeTruthy()
      expect(pkg.description).toBeTruthy()
      for (const [dep, range] of Object.entries({ ...pkg.dependencies })) {
        if (dep.startsWith('@jido-messaging/')) expect(range, dep).toBe('workspace:^')
      }
    })
  }
})
