import { defineConfig } from 'vitest/config'

// The Kubernetes smoke test plays the rendered manifests with `podman kube play` (test/k8s/
// kube-play.smoke.ts): one file, one worker, long deadlines (an image build on a fresh machine
// takes minutes). `npm test` never runs it: it needs the container engine.
export default defineConfig({
  test: {
    include: ['test/k8s/**/*.smoke.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 900_000, // 15 min
    hookTimeout: 1_200_000, // 20 min
  },
})
