import { execFileSync } from 'node:child_process'

// Integration tests run the built services (`node dist/...`) as real processes, exactly as the npm
// scripts do; build once before any test file starts, with `npm run build` itself. tsc is
// incremental, so this is quick when `npm test` has just built, and it must be the same compiler
// as the npm scripts': a test that runs `npm start` builds again in the middle of the run, and two
// compilers do not accept each other's build record, so that build would rewrite every file of
// dist/ under the services other tests are starting. SKIP_BUILD=1 skips it when the caller has
// just built.
export default function setup(): void {
  if (process.env.SKIP_BUILD === '1') return
  execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' })
}
