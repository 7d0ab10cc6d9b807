import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import type { Env } from '../../services/common/options.js'
import { CODE_EXERCISES, codeExerciseById, type CodeExercise } from './code-exercises.js'
import { builtLearnerPath } from './plug-in.js'
import { PROJECT_ROOT, learnerPath, resetExercise, startExercise, workspaceDir } from './workspace.js'

/**
 * `npm run workshop -- code <start|test|reset|plug> N`: the code track (code-exercises.ts).
 * Exit 0 when the step worked (for `test`: the project's tests passed), 1 when it did not, 2 on
 * a usage error.
 */
export const CODE_USAGE = `  code start N            copy exercise N's stub to your workspace (workshop-work/, or CODE_TRACK_DIR)
  code test N             run the project's own tests for that piece against your file
  code reset N            put the stub back (your file is kept as .bak)
  code plug N             build your file and print how to start a cluster that uses it`

export function renderCodeList(): string {
  return CODE_EXERCISES.map((e) => `C${e.id}  ${e.title}\n    ${e.page}\n    replaces ${e.module}; npm run workshop -- code start ${e.id}`).join('\n')
}

const shown = (file: string): string => {
  const rel = relative(process.cwd(), file)
  return rel.startsWith('..') ? file : rel
}

function run(command: string, args: readonly string[], env: Env): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, stdio: 'inherit' })
    child.once('error', reject)
    child.once('exit', (code) => resolve(code ?? 1))
  })
}

async function testExercise(e: CodeExercise, file: string, print: (line: string) => void): Promise<number> {
  const vitest = join(PROJECT_ROOT, 'node_modules', 'vitest', 'vitest.mjs')
  const config = join(PROJECT_ROOT, 'workshop', 'code-track', 'vitest.config.ts')
  print(`code track ${e.id}: the project's tests for ${e.module} (${e.tests.join(', ')}), with ${shown(file)} in its place`)
  const code = await run(process.execPath, [vitest, 'run', '--config', config], { CODE_TRACK_EXERCISE: String(e.id), CODE_TRACK_MODULE: file })
  print(
    code === 0
      ? `PASS: your ${e.slug}.ts passes the project's own tests. Next: npm run workshop -- code plug ${e.id}`
      : `FAIL: see the failing tests above; the handout is ${e.page}`,
  )
  return code === 0 ? 0 : 1
}

/** builds the learner's file into dist/workshop-work/ with the project's compiler settings (a type error stops it) */
async function plugExercise(e: CodeExercise, file: string, dir: string, print: (line: string) => void): Promise<number> {
  const inside = relative(PROJECT_ROOT, dir)
  if (inside.startsWith('..') || inside.includes('/') || inside === '') {
    print(`code plug needs the workspace one level under the project (workshop-work/), not ${dir}: unset CODE_TRACK_DIR`)
    return 2
  }
  const tsconfig = join(dir, 'tsconfig.json')
  const settings = { extends: '../tsconfig.json', compilerOptions: { rootDir: '..', outDir: '../dist', noEmit: false, sourceMap: false }, include: [`${e.slug}.ts`] }
  await writeFile(tsconfig, `${JSON.stringify(settings, null, 2)}\n`)
  const code = await run(join(PROJECT_ROOT, 'node_modules', '.bin', 'tsc'), ['-p', tsconfig], {})
  if (code !== 0) {
    print(`FAIL: ${shown(file)} does not compile (above)`)
    return 1
  }
  const hook = join(PROJECT_ROOT, 'dist', 'workshop', 'code-track', 'plug-in.js')
  print(`built ${shown(builtLearnerPath(e))}. Stop npm start if it runs, then start the cluster with your code in it:

  CODE_TRACK_PLUG=${e.id} NODE_OPTIONS="--import ${hook}" npm start

Each process says "code track ${e.id}: … takes ${e.module} from your workshop-work/${e.slug}.ts" as it starts.
See it work: ${e.see} (${e.page}).
Back to the project's own code: stop it, and npm start without the two variables.`)
  return 0
}

export async function codeMain(argv: readonly string[], env: Env, print: (line: string) => void): Promise<number> {
  const [verb, idText] = argv
  const exercise = codeExerciseById(Number(idText))
  if (verb === undefined || !['start', 'test', 'reset', 'plug'].includes(verb) || exercise === undefined || argv.length !== 2) {
    print(`workshop: code <start|test|reset|plug> N, with N one of ${CODE_EXERCISES.map((e) => e.id).join(', ')}\n\n${CODE_USAGE}`)
    return 2
  }
  const dir = workspaceDir(env)
  const file = learnerPath(exercise, dir)
  if (verb === 'start') {
    const started = await startExercise(exercise, dir)
    print(
      started.created
        ? `wrote the stub to ${shown(file)}: write the function that throws "not written yet" (${exercise.page})`
        : `${shown(file)} is already there (your work is kept; code reset ${exercise.id} puts the stub back)`,
    )
    print(`then: npm run workshop -- code test ${exercise.id}`)
    return 0
  }
  if (verb === 'reset') {
    const { backup } = await resetExercise(exercise, dir)
    print(`put the stub back in ${shown(file)}${backup === undefined ? '' : `; your file is kept as ${shown(backup)}`}`)
    return 0
  }
  if (!existsSync(file)) {
    print(`no ${shown(file)} yet: npm run workshop -- code start ${exercise.id}`)
    return 1
  }
  return verb === 'test' ? testExercise(exercise, file, print) : plugExercise(exercise, file, dir, print)
}
