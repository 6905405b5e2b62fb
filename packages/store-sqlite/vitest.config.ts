import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    globalSetup: ['./src/test-fixtures/global-setup.ts'],
    // CI runs every package's suite side by side on a loaded 2-core machine: vitest's 5 s default
    // is too tight there.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
