import { existsSync } from 'node:fs'
import { register } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { codeExerciseById, type CodeExercise } from './code-exercises.js'
import { PROJECT_ROOT } from './workspace.js'

/**
 * `node --import dist/workshop/code-track/plug-in.js`, with CODE_TRACK_PLUG=N: this process (and,
 * through NODE_OPTIONS, every clerk and proxy npm start spawns) loads the learner's built file
 * for exercise N in place of the project module it stands in for. `npm run workshop -- code plug
 * N` builds the file and prints the command. Without CODE_TRACK_PLUG it does nothing.
 * CODE_TRACK_PLUG_FILE names another built file (the tests use it, so they never touch dist/workshop-work/).
 */

/** where `code plug` builds the learner's file: dist/ beside the project's, so its `../` imports resolve */
export const builtLearnerPath = (e: CodeExercise): string => join(PROJECT_ROOT, 'dist', 'workshop-work', `${e.slug}.js`)
export const builtModulePath = (e: CodeExercise): string => join(PROJECT_ROOT, 'dist', e.module.replace(/\.ts$/, '.js'))

const wanted = process.env.CODE_TRACK_PLUG
if (wanted !== undefined && wanted !== '') {
  const exercise = codeExerciseById(Number(wanted))
  if (exercise === undefined) throw new Error(`CODE_TRACK_PLUG=${wanted}: no such code-track exercise`)
  const learner = process.env.CODE_TRACK_PLUG_FILE || builtLearnerPath(exercise)
  if (!existsSync(learner)) throw new Error(`CODE_TRACK_PLUG=${wanted}: ${learner} is not built; run npm run workshop -- code plug ${wanted}`)
  register('./plug-in-hooks.js', import.meta.url, {
    data: { replaced: pathToFileURL(builtModulePath(exercise)).href, learner: pathToFileURL(learner).href },
  })
  const script = process.argv[1] ?? ''
  if (script.includes(`${'/'}dist${'/'}`)) {
    // said once per process, whether or not this process imports the module (the proxy never imports a clerk's)
    process.stderr.write(`code track ${exercise.id}: ${script.slice(script.indexOf('dist'))} takes ${exercise.module} from your workshop-work/${exercise.slug}.ts\n`)
  }
}
