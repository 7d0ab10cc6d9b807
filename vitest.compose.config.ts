import { defineConfig } from 'vitest/config'

// The compose test builds an image and runs the whole stack in containers: one file, one worker,
// long deadlines (an image build on a fresh machine takes minutes).
export default defineConfig({
  test: {
    include: ['test/compose/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 900_000, // 15 min
    hookTimeout: 900_000, // 15 min
  },
})
