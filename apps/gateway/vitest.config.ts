import { defineConfig } from 'vitest/config'

// CI runs every package's suite side by side on a loaded 2-core machine: vitest's 5 s default fails
// cases that migrate a schema, handshake a gateway or wait out a Retry-After.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
