import { execFileSync } from 'node:child_process'

// Integration tests run the built services (`node dist/...`) as real processes, exactly as the npm
// scripts do; build once before any test file starts. tsc is incremental, so this is quick when
// `npm test` has just built. SKIP_BUILD=1 skips it when the caller has just built.
export default function setup(): void {
  if (process.env.SKIP_BUILD === '1') return
  execFileSync(process.execPath, ['node_modules/typescript-native/bin/tsc', '-p', 'tsconfig.build.json'], {
    stdio: 'inherit',
  })
}
