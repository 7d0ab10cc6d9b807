import { spawnSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { projectRoot } from '../../../services/common/project-root.js'

// `npm test`'s first step (`node scripts/setup.mjs --check`, package.json's pretest) on a machine
// that lacks a prerequisite, made by a PATH of stand-in executables: it stops at once with one
// sentence naming what is missing and the command that installs it. And the browser suite in CI
// without Chromium: it fails the run instead of being skipped.
const root = projectRoot(import.meta.url)
const bin = mkdtempSync(join(tmpdir(), 'clerk-cluster-path-'))
afterAll(() => rmSync(bin, { recursive: true, force: true }))

/** a PATH holding stand-ins called `names` (found by name; never run) */
function pathWith(...names: string[]): string {
  const dir = mkdtempSync(join(bin, 'dir-'))
  for (const name of names) {
    writeFileSync(join(dir, name), '#!/bin/sh\nexit 0\n')
    chmodSync(join(dir, name), 0o755)
  }
  return dir
}

function check(path: string, extra: Record<string, string> = {}) {
  const env: Record<string, string> = { PATH: path, HOME: bin, ...extra }
  const result = spawnSync(process.execPath, ['scripts/setup.mjs', '--check'], { cwd: root, env, encoding: 'utf8', timeout: 30_000 }) // 30 s
  return { code: result.status, out: result.stdout, err: result.stderr }
}

describe('npm test without a prerequisite', () => {
  it('says nothing and lets the tests run when everything is there', () => {
    expect(check(pathWith('redis-server', 'chromium'))).toEqual({ code: 0, out: '', err: '' })
  })

  it('stops at once with one sentence naming redis-server and the command that installs it', () => {
    const { code, out, err } = check(pathWith('chromium'))
    expect(code).toBe(1)
    expect(out).toBe('')
    const sentences = err.trim().split('\n')
    expect(sentences).toHaveLength(1)
    // the command: through `npm run setup` where it can install (root, sudo), else to run as root
    expect(sentences[0]).toMatch(
      /^npm test needs redis-server \(.+\), which is missing: install with (`npm run setup`, which runs )?`[^`]*(apt-get install|brew install)[^`]* redis(-server)?`( as root)?\.$/,
    )
    expect(sentences[0]).not.toContain('Chromium')
  })

  it('names Chromium when it is missing, and a CHROMIUM_PATH that names nothing counts as missing', () => {
    for (const run of [check(pathWith('redis-server')), check(pathWith('redis-server', 'chromium'), { CHROMIUM_PATH: join(bin, 'no-such-chromium') })]) {
      expect(run.code).toBe(1)
      expect(run.err.trim().split('\n')).toEqual([expect.stringMatching(/^npm test needs Chromium \(.+\), which is missing: install with .*chromium(-browser)?`( as root)?\.$/)])
    }
  })
})

describe('the browser suite without Chromium', () => {
  // one browser test file, through vitest itself; it fails or skips at import, before it starts anything
  function browserSuite(ci: string | undefined) {
    const env: Record<string, string> = { ...(process.env as Record<string, string>), CHROMIUM_PATH: join(bin, 'no-such-chromium'), SKIP_BUILD: '1' }
    delete env.CI
    if (ci !== undefined) env.CI = ci
    const result = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', 'test/browser/event-stream-cap.test.ts'], {
      cwd: root,
      env,
      encoding: 'utf8',
      timeout: 120_000, // 2 min
    })
    return { code: result.status, output: result.stdout + result.stderr }
  }

  it('fails the run in CI, saying why', () => {
    const { code, output } = browserSuite('true')
    expect(code).toBe(1)
    expect(output).toContain('the browser tests cannot run in CI without Chromium. npm test needs Chromium')
  })

  it('is skipped with a warning elsewhere', () => {
    const { code, output } = browserSuite(undefined)
    expect(code, output).toBe(0)
    expect(output).toContain('[browser tests] SKIPPED: npm test needs Chromium')
  })
})
