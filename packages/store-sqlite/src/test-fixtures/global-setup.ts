import { buildPackage } from './build.js'

/** The worker thread runs the built worker (dist/worker.js): build it before any test starts a store. */
export default function setup(): void {
  buildPackage()
}
