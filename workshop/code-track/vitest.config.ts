import { isAbsolute, join, resolve } from 'node:path'
import { defineConfig, type Plugin } from 'vitest/config'
import { codeExerciseById } from './code-exercises.js'
import { PROJECT_ROOT } from './workspace.js'

// `npm run workshop -- code test N` runs vitest with this config: exercise N's own project tests
// (CODE_TRACK_EXERCISE), with every import of the module the exercise replaces answered by the
// learner's file (CODE_TRACK_MODULE) instead, except the learner file's own imports, so it can
// re-export what it does not write. The project's files are not touched: the swap is in resolving.
const exercise = codeExerciseById(Number(process.env.CODE_TRACK_EXERCISE))
const given = process.env.CODE_TRACK_MODULE
if (exercise === undefined || given === undefined || given === '') {
  throw new Error('workshop/code-track/vitest.config.ts needs CODE_TRACK_EXERCISE=N and CODE_TRACK_MODULE=<the learner file>')
}
const learner = isAbsolute(given) ? given : resolve(given)
const replaced = join(PROJECT_ROOT, exercise.module)

const swapModule: Plugin = {
  name: 'code-track-swap',
  enforce: 'pre',
  async resolveId(source, importer, options) {
    if (importer === undefined || importer === learner) return null
    const found = await this.resolve(source, importer, { ...options, skipSelf: true })
    return found?.id === replaced ? learner : null
  },
}

export default defineConfig({
  plugins: [swapModule],
  root: PROJECT_ROOT,
  test: {
    include: [...exercise.tests],
    // no cache of transformed modules: a cached test file would keep the import it was resolved
    // to last time (the stub's, the answer's, or the project's own module), whoever asks now
    fsModuleCache: false,
    pool: 'forks',
    maxWorkers: 1,
    reporters: ['default'],
  },
})
