// Runs a built entry point (dist/…), building first only when a source is newer than that file:
// `npm run chaos` in the middle of a demo takes well under a second instead of a tsc run (3-7 s).
//
//   node scripts/run-built.mjs services/cluster/chaos-cli.js kill clerk-b
//
// The check is by modification time: the newest .ts (or tsconfig/package.json) under the built
// folders against the last build: the entry's compiled file or the build's record
// (dist/.tsbuildinfo), whichever is newer. The build is incremental, so tsc rewrites only the
// files that changed; its record is written by every build that changed anything.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const SOURCE_DIRS = ['services', 'proxy', 'loadtest', 'scripts', 'workshop'] // tsconfig.build.json's include
const CONFIGS = ['tsconfig.json', 'tsconfig.build.json', 'package.json']

/** the newest modification time (ms) of the sources the build reads */
export function newestSource(dir = root) {
  let newest = 0
  /** @param {string} path */
  const walk = (path) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name)
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'static') walk(full)
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        newest = Math.max(newest, statSync(full).mtimeMs)
      }
    }
  }
  for (const d of SOURCE_DIRS) if (existsSync(join(dir, d))) walk(join(dir, d))
  for (const c of CONFIGS) newest = Math.max(newest, statSync(join(dir, c)).mtimeMs)
  return newest
}

/** @param {string} file */
export function builtAt(file) {
  try {
    return statSync(file).mtimeMs
  } catch {
    return 0 // never built
  }
}

/**
 * when `entry` (a path under dist/) was last built: its own file or the build's record, the newer
 * @param {string} entry
 */
export function lastBuildOf(entry, dir = root) {
  return Math.max(builtAt(join(dir, 'dist', entry)), builtAt(join(dir, 'dist', '.tsbuildinfo')))
}

// run only as a script: a test imports newestSource() alone
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [entry, ...args] = process.argv.slice(2)
  if (!entry) {
    console.error('usage: node scripts/run-built.mjs <path under dist/, e.g. services/cluster/chaos-cli.js> [args…]')
    process.exit(2)
  }
  const built = join(root, 'dist', entry)
  if (lastBuildOf(entry) < newestSource()) {
    const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' })
    if (build.status !== 0) process.exit(build.status ?? 1)
  }
  const run = spawnSync(process.execPath, [built, ...args], { stdio: 'inherit' })
  process.exit(run.status ?? (run.signal ? 1 : 0))
}
