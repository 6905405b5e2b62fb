// @jido-messaging/e2e has no public surface: it only holds cross-platform end-to-end tests
// (src/*.test.ts). This file exists because every workspace package keeps a src/index.ts.
export {}
