/**
 * `npm run bench:proxy -- …` arguments → frozen options, or LOADTEST_ERR_BAD_OPTION
 * (usage text: args/usage.ts).
 *
 * @example
 *   parseBenchProxyArguments(['--duration', '10', '--slice', '5', '--only', 'undici-1,haproxy'])
 */
import { badOption } from '../errors.js'
import { HELP_OPTION, parseArgv, readWhole } from './readers.js'

export type LoadGeneratorName = 'wrk' | 'autocannon'

export interface BenchProxyOptions {
  /** only when -h / --help was given */
  readonly help?: true
  readonly durationSeconds: number
  readonly connections: number
  readonly clerks: number
  /** the targets to measure (direct, undici-1, undici-2, http-proxy-1, http-proxy-2, net-1, net-2, haproxy, nginx); undefined: all */
  readonly only: readonly string[] | undefined
  readonly warmupSeconds: number
  /** each target's duration is measured in slices of this many seconds, the targets taking turns */
  readonly sliceSeconds: number
  /** undefined: wrk when it is on PATH, else autocannon */
  readonly generator: LoadGeneratorName | undefined
  /** a clerk's CPU per request for the capacity line, µs; undefined: measured on the direct target */
  readonly clerkCostMicros: number | undefined
}

export const benchProxyDefaults: Readonly<BenchProxyOptions> = Object.freeze({
  durationSeconds: 10, // s per target
  connections: 50,
  clerks: 2,
  only: undefined,
  warmupSeconds: 1, // s per target
  sliceSeconds: 5, // s
  generator: undefined,
  clerkCostMicros: undefined,
})

const options = {
  duration: { type: 'string' },
  connections: { type: 'string' },
  clerks: { type: 'string' },
  only: { type: 'string' },
  warmup: { type: 'string' },
  slice: { type: 'string' },
  generator: { type: 'string' },
  'clerk-cost': { type: 'string' },
  ...HELP_OPTION,
} as const

export function parseBenchProxyArguments(argv: readonly string[]): BenchProxyOptions {
  const values = parseArgv(argv, options)
  const generator = values.generator
  if (generator !== undefined && generator !== 'wrk' && generator !== 'autocannon') {
    throw badOption(`--generator must be wrk or autocannon, got "${generator}"`)
  }
  return Object.freeze({
    ...(values.help ? { help: true as const } : {}),
    durationSeconds: readWhole('duration', values.duration, benchProxyDefaults.durationSeconds, 1, 3600),
    connections: readWhole('connections', values.connections, benchProxyDefaults.connections, 1, 10_000),
    clerks: readWhole('clerks', values.clerks, benchProxyDefaults.clerks, 1, 26),
    only: values.only === undefined ? undefined : Object.freeze(values.only.split(',').filter(Boolean)),
    warmupSeconds: readWhole('warmup', values.warmup, benchProxyDefaults.warmupSeconds, 0, 60),
    sliceSeconds: readWhole('slice', values.slice, benchProxyDefaults.sliceSeconds, 1, 3600),
    generator,
    clerkCostMicros: values['clerk-cost'] === undefined ? undefined : readWhole('clerk-cost', values['clerk-cost'], 0, 1, 10_000_000),
  })
}
