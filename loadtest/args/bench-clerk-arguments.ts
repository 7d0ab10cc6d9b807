/**
 * `npm run bench:clerk -- …` arguments → frozen options, or LOADTEST_ERR_BAD_OPTION
 * (usage text: args/usage.ts).
 *
 * @example
 *   parseBenchClerkArguments(['--duration', '4', '--rounds', '3', '--connections', '50'])
 */
import { HELP_OPTION, parseArgv, readWhole } from './readers.js'

export interface BenchClerkOptions {
  /** only when -h / --help was given */
  readonly help?: true
  /** seconds per mode per round */
  readonly durationSeconds: number
  readonly rounds: number
  readonly connections: number
  /** seconds of unmeasured traffic per clerk before the first round */
  readonly warmupSeconds: number
}

export const benchClerkDefaults: Readonly<BenchClerkOptions> = Object.freeze({
  durationSeconds: 4, // s
  rounds: 3,
  connections: 50, // enough to keep one clerk busy while some requests wait on Redis
  warmupSeconds: 2, // s
})

const options = {
  duration: { type: 'string' },
  rounds: { type: 'string' },
  connections: { type: 'string' },
  warmup: { type: 'string' },
  ...HELP_OPTION,
} as const

export function parseBenchClerkArguments(argv: readonly string[]): BenchClerkOptions {
  const values = parseArgv(argv, options)
  return Object.freeze({
    ...(values.help ? { help: true as const } : {}),
    durationSeconds: readWhole('duration', values.duration, benchClerkDefaults.durationSeconds, 1, 120),
    rounds: readWhole('rounds', values.rounds, benchClerkDefaults.rounds, 1, 20),
    connections: readWhole('connections', values.connections, benchClerkDefaults.connections, 1, 1000),
    warmupSeconds: readWhole('warmup', values.warmup, benchClerkDefaults.warmupSeconds, 0, 60),
  })
}
