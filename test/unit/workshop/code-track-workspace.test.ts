import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { main } from '../../../workshop/cli.js'
import { CODE_EXERCISES } from '../../../workshop/code-track/code-exercises.js'
import { PROJECT_ROOT, learnerPath, rebaseImports, stubPath } from '../../../workshop/code-track/workspace.js'
import { existsSync } from 'node:fs'

// `code start` / `code reset` on a workspace in a temp dir (CODE_TRACK_DIR): the stub arrives
// with imports that still reach the project, start never overwrites the learner's work, reset
// puts the stub back and keeps the work as .bak. The project's files stay as they were.

let dir: string
let printed: string[]
const print = (line: string) => printed.push(line)
const code = (...argv: string[]) => main(['code', ...argv], { CODE_TRACK_DIR: dir }, print)

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'code-ws-'))
  printed = []
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('rebaseImports', () => {
  it('rewrites relative specifiers for the new place and leaves package ones alone', () => {
    const text = `import { a } from '../../../proxy/x.js'\nimport { b } from 'node:crypto'\nexport { c } from './y.js'\n`
    expect(rebaseImports(text, '/p/workshop/code-track/1-x', '/p/workshop-work')).toBe(
      `import { a } from '../proxy/x.js'\nimport { b } from 'node:crypto'\nexport { c } from '../workshop/code-track/1-x/y.js'\n`,
    )
  })
})

describe('the code track table', () => {
  it.each(CODE_EXERCISES.map((e) => [e.id, e] as const))('exercise %i: its page section, module, tests, stub and answer exist', async (_id, e) => {
    const [page = '', anchor = ''] = e.page.split('#')
    const headings = [...(await readFile(join(PROJECT_ROOT, page), 'utf8')).matchAll(/^## (.+)$/gm)].map(([, h]) =>
      (h as string)
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, '')
        .replace(/ /g, '-'),
    )
    expect(headings).toContain(anchor)
    for (const file of [e.module, ...e.tests]) expect(existsSync(join(PROJECT_ROOT, file)), file).toBe(true)
    for (const kind of ['stub', 'answer'] as const) expect(existsSync(stubPath(e, kind))).toBe(true)
  })
})

describe('npm run workshop -- code start|reset N', () => {
  it.each(CODE_EXERCISES.map((e) => [e.id, e] as const))('exercise %i: start copies the stub, keeps work on a second start, reset restores it', async (_id, exercise) => {
    const stubBefore = await readFile(stubPath(exercise), 'utf8')
    expect(await code('start', String(exercise.id))).toBe(0)
    const file = learnerPath(exercise, dir)
    const started = await readFile(file, 'utf8')
    expect(started).toContain("throw new Error('not written yet')")
    expect(started).not.toContain("'../../../")
    // every relative import names a project file that exists from the workspace
    for (const [, spec] of started.matchAll(/from '(\.[^']+)'/g)) expect(existsSync(join(dir, spec as string).replace(/\.js$/, '.ts')), spec).toBe(true)

    await writeFile(file, '// my work\n')
    expect(await code('start', String(exercise.id))).toBe(0)
    expect(await readFile(file, 'utf8')).toBe('// my work\n')

    expect(await code('reset', String(exercise.id))).toBe(0)
    expect(await readFile(file, 'utf8')).toBe(started)
    expect(await readFile(`${file}.bak`, 'utf8')).toBe('// my work\n')
    expect(await readFile(stubPath(exercise), 'utf8')).toBe(stubBefore)
  })

  it('test before start says to start first (exit 1); a wrong number or verb is a usage error (exit 2)', async () => {
    expect(await code('test', '1')).toBe(1)
    expect(printed.join('\n')).toContain('code start 1')
    expect(await code('start', '99')).toBe(2)
    expect(await code('frobnicate', '1')).toBe(2)
    expect(await code('start')).toBe(2)
  })

  it('list shows the code track after the exercises', async () => {
    expect(await main(['list'], {}, print)).toBe(0)
    for (const e of CODE_EXERCISES) expect(printed.join('\n')).toContain(`code start ${e.id}`)
  })
})
