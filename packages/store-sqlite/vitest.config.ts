import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    globalSetup: ['./src/test-fixtures/global-setup.ts'],
  },
})
