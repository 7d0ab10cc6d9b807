import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CODE_EXERCISES } from '../../../workshop/code-track/code-exercises.js'
import { PROJECT_ROOT, startExercise, stubPath } from '../../../workshop/code-track/workspace.js'

// The code track's promise, for every exercise: the stub, copied to a workspace outside the
// source tree by `code start`, FAILS the project's own tests for the piece it replaces, and the
// answer key PASSES them (the same vitest run `code test N` makes).

interface Run {
  code: number
  output: string
}

function runProjectTests(exercise: number, file: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const vitest = join(PROJECT_ROOT, 'node_modules', 'vitest', 'vitest.mjs')
    const config = join(PROJECT_ROOT, 'workshop', 'code-track', 'vitest.config.ts')
    const child = spawn(process.execPath, [vitest, 'run', '--config', config], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CODE_TRACK_EXERCISE: String(exercise), CODE_TRACK_MODULE: file, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('error', reject)
    child.once('exit', (code) => resolve({ code: code ?? 1, output }))
  })
}

let workspace: string
beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'code-track-'))
})
afterAll(async () => {
  await rm(workspace, { recursive: true, force: true })
})

describe.each(CODE_EXERCISES.map((e) => [e.id, e] as const))('code track exercise %i', (_id, exercise) => {
  it('its stub, started in a workspace outside the tree, fails the project tests with "not written yet"', async () => {
    const { file } = await startExercise(exercise, workspace)
    const run = await runProjectTests(exercise.id, file)
    expect(run.code, run.output).not.toBe(0)
    expect(run.output).toContain('not written yet')
    expect(run.output).toContain(file.slice(workspace.length + 1))
  }, 180_000) // 180 s: a vitest run on a loaded 2-core machine

  it('its answer key passes the project tests', async () => {
    const run = await runProjectTests(exercise.id, stubPath(exercise, 'answer'))
    expect(run.code, run.output).toBe(0)
    expect(run.output).toMatch(/Tests\s+\d+ passed/)
  }, 180_000)
})
