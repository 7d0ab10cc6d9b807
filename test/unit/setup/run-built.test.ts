import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { builtAt, lastBuildOf, newestSource } from '../../../scripts/run-built.mjs'

// `npm run chaos` builds only when a source is newer than the built entry (issue 14: 3-7 s of tsc
// before every chaos command in a demo). Real files with set modification times.

const dir = mkdtempSync(join(tmpdir(), 'run-built-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function file(path: string, secondsAgo: number): string {
  const full = join(dir, path)
  mkdirSync(join(full, '..'), { recursive: true })
  writeFileSync(full, '')
  const at = new Date(Date.now() - secondsAgo * 1000)
  utimesSync(full, at, at)
  return full
}

describe('run-built: build only when a source is newer than the built entry', () => {
  it('finds the newest source, skipping tests, the dashboard and node_modules', () => {
    for (const c of ['tsconfig.json', 'tsconfig.build.json', 'package.json']) file(c, 600)
    file('services/a.ts', 500)
    file('proxy/deep/b.ts', 300)
    file('proxy/deep/b.test.ts', 10)
    file('proxy/dashboard/static/c.ts', 10)
    file('loadtest/node_modules/d.ts', 10)
    file('scripts/e.txt', 10)
    const built = file('dist/services/cluster/chaos-cli.js', 200)
    expect(Math.round((Date.now() - newestSource(dir)) / 1000)).toBe(300)
    expect(builtAt(built)).toBeGreaterThan(newestSource(dir)) // up to date: no build
    file('services/a.ts', 100) // an edit after the build
    expect(builtAt(built)).toBeLessThan(newestSource(dir))
    expect(builtAt(join(dir, 'dist/never.js'))).toBe(0)
  })

  it('counts the incremental build record as a build: tsc rewrites only the files that changed', () => {
    for (const c of ['tsconfig.json', 'tsconfig.build.json', 'package.json']) file(c, 600)
    file('services/a.ts', 100) // edited, then built: tsc wrote a.js and its record, not chaos-cli.js
    file('dist/services/cluster/chaos-cli.js', 200)
    file('dist/.tsbuildinfo', 50)
    expect(lastBuildOf('services/cluster/chaos-cli.js', dir)).toBeGreaterThan(newestSource(dir)) // no second build
    file('workshop/cli.ts', 10) // the workshop is built too
    expect(lastBuildOf('services/cluster/chaos-cli.js', dir)).toBeLessThan(newestSource(dir))
  })
})
