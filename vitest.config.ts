import { fileURLToPath } from 'node:url'
import { defineConfig, type Plugin } from 'vitest/config'

// The dashboard's modules import `./vocabulary.js`, which the proxy serves from the compiled
// services/common/vocabulary.ts (proxy/dashboard-files.ts). Tests that load those modules in Node
// (test/browser/dashboard-logic.test.ts) get the same module, from its source.
const dashboardVocabulary: Plugin = {
  name: 'dashboard-vocabulary',
  resolveId(source, importer) {
    if (source !== './vocabulary.js' || !importer?.includes('/proxy/dashboard/static/')) return undefined
    return fileURLToPath(new URL('./services/common/vocabulary.ts', import.meta.url))
  },
}

// Integration tests start real processes (clerks, proxies, redis-server) on loopback ports, so
// they run in forked workers, two at a time on this 2-core machine, with generous per-test
// deadlines: a deadline is a failure bound, never a way to wait (tests poll for conditions).
export default defineConfig({
  plugins: [dashboardVocabulary],
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/compose/**', 'node_modules/**', 'dist/**'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000, // 60 s
    hookTimeout: 60_000, // 60 s
    globalSetup: ['test/helpers/global-setup.ts'],
    reporters: ['default'],
  },
})
