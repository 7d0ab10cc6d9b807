/**
 * `npm run loadtest:scale -- …` arguments → frozen options, or LOADTEST_ERR_BAD_OPTION
 * (usage text: args/usage.ts).
 *
 * @example
 *   parseScaleArguments(['--max-clerks', '3', '--work-ms', '30'])
 */
import { MODES, type Mode } from '../../services/common/vocabulary.js'
import { parseArgv, readChoiceOption, readTime, readWhole, REPORT_AND_HELP_OPTIONS } from './readers.js'

export interface ScaleOptions {
  readonly help: boolean
  readonly maxClerks: number
  readonly workMs: number
  readonly concurrency: number
  readonly customers: number
  readonly durationMs: number
  readonly mode: Mode
  readonly jsonFile: string | undefined
  readonly htmlFile: string
  readonly quiet: boolean
}

export const scaleDefaults = Object.freeze({
  maxClerks: 4,
  workMs: 20, // ms of simulated work per answer
  concurrency: 4, // answers in progress per clerk → one clerk ≈ 4 / (3 × 20 ms) ≈ 67 dialogues/s
  customers: 32,
  durationMs: 6_000, // 6 s per step
  mode: 'stateless',
  htmlFile: 'reports/loadtest-scale.html',
})

const options = {
  'max-clerks': { type: 'string' },
  'work-ms': { type: 'string' },
  concurrency: { type: 'string' },
  customers: { type: 'string' },
  duration: { type: 'string' },
  mode: { type: 'string' },
  ...REPORT_AND_HELP_OPTIONS,
} as const

export function parseScaleArguments(argv: readonly string[]): ScaleOptions {
  const values = parseArgv(argv, options)
  return Object.freeze({
    help: values.help ?? false,
    maxClerks: readWhole('max-clerks', values['max-clerks'], scaleDefaults.maxClerks, 1, 26),
    workMs: readWhole('work-ms', values['work-ms'], scaleDefaults.workMs, 1, 60_000),
    concurrency: readWhole('concurrency', values.concurrency, scaleDefaults.concurrency, 1, 10_000),
    customers: readWhole('customers', values.customers, scaleDefaults.customers, 1, 10_000),
    durationMs: readTime('duration', values.duration) ?? scaleDefaults.durationMs,
    mode: readChoiceOption('mode', values.mode, MODES, scaleDefaults.mode),
    jsonFile: values.json,
    htmlFile: values.html ?? scaleDefaults.htmlFile,
    quiet: values.quiet ?? false,
  })
}
