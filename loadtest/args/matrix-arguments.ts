/**
 * `npm run loadtest:matrix -- …` arguments → frozen options, or LOADTEST_ERR_BAD_OPTION
 * (usage text: args/usage.ts).
 *
 * @example
 *   parseMatrixArguments(['--duration', '12s', '--kill', 'clerk-c'])
 */
import { badOption } from '../errors.js'
import { isClerkId, parseArgv, readClusterOptions, readTime, readWhole, REPORT_AND_HELP_OPTIONS } from './readers.js'

export interface MatrixOptions {
  readonly help: boolean
  readonly customers: number
  readonly durationMs: number
  /** the clerk killed at 1/3 and revived at 2/3 of each row; undefined: no chaos */
  readonly killTarget: string | undefined
  readonly compareKeepAlive: boolean
  /** --only TEXT: run only the rows whose label contains TEXT (e.g. handoff, no keys) */
  readonly only: string | undefined
  readonly target: string | undefined
  readonly clerks: number
  readonly jsonFile: string | undefined
  readonly htmlFile: string
  readonly quiet: boolean
  /** --mcp: the MCP rows too (loadtest/mcp/mcp-matrix-rows.ts), after the HTTP ones */
  readonly mcp: boolean
}

export const matrixDefaults = Object.freeze({
  customers: 20,
  durationMs: 9_000, // 9 s per row: 4 rows + 2 keep-alive runs ≈ 1 min on 2 cores
  killTarget: 'clerk-b',
  clerks: 3,
  htmlFile: 'reports/loadtest-matrix.html',
})

const options = {
  customers: { type: 'string' },
  duration: { type: 'string' },
  kill: { type: 'string' },
  'no-chaos': { type: 'boolean' },
  'no-keepalive-compare': { type: 'boolean' },
  only: { type: 'string' },
  target: { type: 'string' },
  clerks: { type: 'string' },
  mcp: { type: 'boolean' },
  ...REPORT_AND_HELP_OPTIONS,
} as const

export function parseMatrixArguments(argv: readonly string[]): MatrixOptions {
  const values = parseArgv(argv, options)
  if (values['no-chaos'] && values.kill !== undefined) throw badOption('--kill and --no-chaos contradict each other: choose one')
  const killTarget = values['no-chaos'] ? undefined : (values.kill ?? matrixDefaults.killTarget)
  if (killTarget !== undefined && !isClerkId(killTarget)) {
    throw badOption(`--kill takes a clerk id such as clerk-b, got "${killTarget}"`)
  }
  const { target, clerks } = readClusterOptions(values, matrixDefaults.clerks, 2)
  return Object.freeze({
    help: values.help ?? false,
    customers: readWhole('customers', values.customers, matrixDefaults.customers, 1, 10_000),
    durationMs: readTime('duration', values.duration) ?? matrixDefaults.durationMs,
    killTarget,
    compareKeepAlive: !values['no-keepalive-compare'],
    only: values.only,
    target,
    clerks,
    jsonFile: values.json,
    htmlFile: values.html ?? matrixDefaults.htmlFile,
    quiet: values.quiet ?? false,
    mcp: values.mcp ?? false,
  })
}
