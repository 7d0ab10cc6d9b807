import { execFileSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { projectRoot } from '../../../services/common/project-root.js'

// Tests start the built services while other tests run `npm start`, `npm run bench:…` or
// `npm run chaos`, each of which builds first. That is safe only when a build over an up-to-date
// dist/ writes nothing: a build that rewrote dist/ would hand a service starting at that moment a
// half-written file (seen in CI: "does not provide an export named …"). It did rewrite all of it
// while the test setup and the npm scripts ran two different compilers, whose build records do not
// accept each other. The global setup has just built; `npm run build` must find nothing to do.
const root = projectRoot(import.meta.url)

/** every file under dir with its modification time */
function modifiedTimes(dir: string): Map<string, number> {
  const times = new Map<string, number>()
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    const file = join(entry.parentPath, entry.name)
    times.set(file, statSync(file).mtimeMs)
  }
  return times
}

describe('npm run build over the test setup’s build', () => {
  it('rewrites no file of dist/', () => {
    const before = modifiedTimes(join(root, 'dist'))
    execFileSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'pipe', timeout: 120_000 })
    const after = modifiedTimes(join(root, 'dist'))
    const rewritten = [...after].filter(([file, time]) => before.get(file) !== time).map(([file]) => file)
    expect(rewritten).toEqual([])
    expect(after.size).toBe(before.size)
  }, 150_000)
})
