/**
 * `npm run loadtest:matrix`: the workshop's headline. Every session design — stateful behind
 * round-robin, stateful behind sticky, stateless, shared — runs the same load under the same
 * chaos (a clerk killed at 1/3 of the row, revived at 2/3) against one cluster, and one table
 * compares what each lost. Then the same stateless load with keep-alive on and off. Only wires.
 */
import '../services/common/supported-node.js'
import { parseChaosFlag, type ChaosStep } from './chaos-schedule.js'
import type { Mode, PolicyName } from '../services/common/vocabulary.js'
import { readLoadtestEnvironment } from './environment.js'
import { keepAliveRow, renderKeepAliveText } from './keepalive-compare.js'
import { parseMatrixArguments, type MatrixOptions } from './matrix-arguments.js'
import { measuredRun, openCluster } from './measured-run.js'
import { writeReportFiles } from './report-files.js'
import { buildReport, type KeepAliveRow } from './report-json.js'
import { renderComparisonText } from './report-text.js'
import { readCommandLine, runIfMain } from './run-main.js'
import type { Summary } from './summarize.js'
import { matrixUsage } from './usage.js'

export { parseMatrixArguments }

export interface MatrixRow {
  label: string
  mode: Mode
  policy: PolicyName
}

/** the rows, in the order the story is told */
export const MATRIX_ROWS: readonly MatrixRow[] = Object.freeze([
  { label: 'stateful + round-robin', mode: 'stateful', policy: 'round-robin' },
  { label: 'stateful + sticky', mode: 'stateful', policy: 'sticky' },
  { label: 'stateless', mode: 'stateless', policy: 'round-robin' },
  { label: 'shared (Redis)', mode: 'shared', policy: 'round-robin' },
])

export function matrixChaos(killTarget: string | undefined): ChaosStep[] {
  if (killTarget === undefined) return []
  return [parseChaosFlag('kill', `${killTarget}@33%`), parseChaosFlag('revive', `${killTarget}@66%`)]
}

export async function runMatrix(options: MatrixOptions): Promise<{ summaries: Summary[]; keepAlive: KeepAliveRow[] }> {
  const cluster = await openCluster({ target: options.target, clerks: options.clerks })
  const summaries: Summary[] = []
  const keepAlive: KeepAliveRow[] = []
  try {
    const chaos = matrixChaos(options.killTarget)
    for (const row of MATRIX_ROWS) {
      const { summary } = await measuredRun(cluster, {
        ...row,
        customers: options.customers,
        durationMs: options.durationMs,
        chaos,
        progress: !options.quiet,
      })
      summaries.push(summary)
    }
    if (options.compareKeepAlive) {
      for (const on of [true, false]) {
        const measured = await measuredRun(cluster, {
          mode: 'stateless',
          policy: 'round-robin',
          label: `stateless, ${on ? 'keep-alive' : 'Connection: close'}`,
          customers: options.customers,
          durationMs: Math.max(3_000, Math.round((options.durationMs * 2) / 3)),
          keepAlive: on,
          progress: !options.quiet,
        })
        summaries.push(measured.summary)
        keepAlive.push(keepAliveRow(measured, summaries.length - 1))
      }
    }
  } finally {
    await cluster.close()
  }
  return { summaries, keepAlive }
}

export async function main(argv: readonly string[]): Promise<number> {
  const options = readCommandLine('loadtest:matrix', argv, parseMatrixArguments, matrixUsage)
  if (typeof options === 'number') return options
  if (options.target && readLoadtestEnvironment().adminToken === undefined) {
    // without the token every row would run under whatever policy the proxy has: the table would lie
    process.stderr.write('loadtest:matrix: --target needs ADMIN_TOKEN in the environment: each row sets the proxy\'s policy and kills a clerk\n')
    return 2
  }
  const { summaries, keepAlive } = await runMatrix(options)
  const rows = summaries.slice(0, MATRIX_ROWS.length)
  process.stdout.write('\n' + renderComparisonText(rows) + '\n')
  if (keepAlive.length > 0) process.stdout.write(renderKeepAliveText(keepAlive) + '\n')
  const report = buildReport('matrix', summaries, keepAlive.length > 0 ? { keepAlive } : {})
  writeReportFiles(report, options, 'clerk-cluster: session designs under chaos')
  return 0
}

runIfMain(import.meta.url, 'loadtest:matrix', main)
