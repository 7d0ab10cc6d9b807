/**
 * `npm run bench:clerk -- …` arguments → frozen options, or LOADTEST_ERR_BAD_OPTION
 * (usage text: args/usage.ts).
 *
 * @example
 *   parseBenchClerkArguments(['--duration', '4', '--rounds', '3', '--connections', '50'])
 */
import { MAX_CART_LINES } from '../../services/clerk/catalog.js'
import { badOption } from '../errors.js'
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
  /** cart sizes to measure, each a whole run of rounds (`--items 1,5,20,50`; default [1]) */
  readonly items: readonly number[]
  /** write the rows (one per cart size and mode: bytes, CPU, latency) as JSON here, for a chart */
  readonly jsonFile?: string
  /** --html FILE: the sweep's charts (bytes, CPU, p50 per dialogue against the cart's size) */
  readonly htmlFile?: string
}

export const benchClerkDefaults: Readonly<BenchClerkOptions> = Object.freeze({
  durationSeconds: 4, // s
  rounds: 3,
  connections: 50, // enough to keep one clerk busy while some requests wait on Redis
  warmupSeconds: 2, // s
  items: Object.freeze([1]),
})

const options = {
  duration: { type: 'string' },
  rounds: { type: 'string' },
  connections: { type: 'string' },
  warmup: { type: 'string' },
  items: { type: 'string' },
  json: { type: 'string' },
  html: { type: 'string' },
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
    items: readItemsList(values.items),
    ...(values.json === undefined ? {} : { jsonFile: values.json }),
    ...(values.html === undefined ? {} : { htmlFile: values.html }),
  })
}

/** `1,5,20,50` → [1, 5, 20, 50]: cart sizes from 1 to MAX_CART_LINES, each once, in the order given */
export function readItemsList(text: string | undefined): readonly number[] {
  if (text === undefined) return benchClerkDefaults.items
  const sizes = text.split(',').map((part) => readWhole('items', part.trim(), 0, 1, MAX_CART_LINES))
  if (new Set(sizes).size !== sizes.length) throw badOption(`--items names a cart size twice: ${text}`)
  return Object.freeze(sizes)
}
