import { existsSync } from 'node:fs'
import { register } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { codeExerciseById, type CodeExercise } from './code-exercises.js'
import { PROJECT_ROOT } from './workspace.js'

/**
 * `node --import dist/workshop/code-track/plug-in.js`, with CODE_TRACK_PLUG=N (or a list, `1,2,3`): this process (and,
 * through NODE_OPTIONS, every clerk and proxy npm start spawns) loads the learner's built file
 * for exercise N in place of the project module it stands in for. `npm run workshop -- code plug
 * N` builds the file and prints the command. Without CODE_TRACK_PLUG it does nothing.
 * CODE_TRACK_PLUG_FILE names another built file for a single N (the tests use it, so they never touch dist/workshop-work/).
 */

/** where `code plug` builds the learner's file: dist/ beside the project's, so its `../` imports resolve */
export const builtLearnerPath = (e: CodeExercise): string => join(PROJECT_ROOT, 'dist', 'workshop-work', `${e.slug}.js`)
export const builtModulePath = (e: CodeExercise): string => join(PROJECT_ROOT, 'dist', e.module.replace(/\.ts$/, '.js'))

/** `1` or `1,3`: the exercises whose files this process takes, each with its built file */
function plugged(wanted: string, onlyFile: string | undefined): { exercise: CodeExercise; learner: string }[] {
  return wanted.split(',').map((text) => {
    const exercise = codeExerciseById(Number(text.trim()))
    if (exercise === undefined) throw new Error(`CODE_TRACK_PLUG=${wanted}: no code-track exercise ${text}`)
    const learner = onlyFile || builtLearnerPath(exercise)
    if (!existsSync(learner)) throw new Error(`CODE_TRACK_PLUG=${wanted}: ${learner} is not built; run npm run workshop -- code plug ${exercise.id}`)
    return { exercise, learner }
  })
}

const wanted = process.env.CODE_TRACK_PLUG
if (wanted !== undefined && wanted !== '') {
  const plugs = plugged(wanted, process.env.CODE_TRACK_PLUG_FILE)
  register('./plug-in-hooks.js', import.meta.url, {
    data: plugs.map(({ exercise, learner }) => ({ replaced: pathToFileURL(builtModulePath(exercise)).href, learner: pathToFileURL(learner).href })),
  })
  const script = process.argv[1] ?? ''
  if (script.includes(`${'/'}dist${'/'}`)) {
    // said once per process, whether or not this process imports the module (the proxy never imports a clerk's)
    for (const { exercise } of plugs) {
      process.stderr.write(`code track ${exercise.id}: ${script.slice(script.indexOf('dist'))} takes ${exercise.module} from your workshop-work/${exercise.slug}.ts\n`)
    }
  }
}
