import { defineConfig } from 'vitest/config'

// Integration tests start real processes (clerks, proxies, redis-server) on loopback ports, so
// they run in forked workers, two at a time on this 2-core machine, with generous per-test
// deadlines: a deadline is a failure bound, never a way to wait (tests poll for conditions).
export default defineConfig({
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
