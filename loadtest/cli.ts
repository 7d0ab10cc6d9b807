/**
 * `npm run loadtest -- …`: one load run (or a keep-alive comparison) against a local cluster or
 * --target, with the chaos schedule; prints the tables, writes --json and --html. Only wires:
 * cli-arguments.ts parses, measured-run.ts runs, report-*.ts render.
 */
import '../services/common/supported-node.js'
import { parseArguments } from './cli-arguments.js'
import { keepAliveRow, renderKeepAliveText } from './keepalive-compare.js'
import { measuredRun, openCluster } from './measured-run.js'
import { writeReportFiles } from './report-files.js'
import { buildReport, type KeepAliveRow } from './report-json.js'
import { renderRunText } from './report-text.js'
import { readCommandLine, runIfMain } from './run-main.js'
import type { Summary } from './summarize.js'
import { loadtestUsage } from './usage.js'

export { parseArguments }

export async function main(argv: readonly string[]): Promise<number> {
  const options = readCommandLine('loadtest', argv, parseArguments, loadtestUsage)
  if (typeof options === 'number') return options
  const cluster = await openCluster({ target: options.target, clerks: options.clerks })
  try {
    const summaries: Summary[] = []
    const keepAlive: KeepAliveRow[] = []
    const variants = options.compareKeepAlive ? [true, false] : [options.keepAlive]
    for (const on of variants) {
      const measured = await measuredRun(cluster, {
        mode: options.mode,
        policy: options.policy,
        customers: options.customers,
        dialogues: options.dialogues,
        durationMs: options.durationMs,
        keepAlive: on,
        pipelining: options.pipelining,
        timeoutSeconds: options.timeoutSeconds,
        chaos: options.chaos,
        progress: !options.quiet,
        ...(options.compareKeepAlive ? { label: `${options.mode} (${on ? 'keep-alive' : 'Connection: close'})` } : {}),
      })
      summaries.push(measured.summary)
      keepAlive.push(keepAliveRow(measured, summaries.length - 1))
      process.stdout.write(renderRunText(measured.summary) + '\n')
    }
    if (options.compareKeepAlive) process.stdout.write(renderKeepAliveText(keepAlive))
    const report = buildReport('loadtest', summaries, options.compareKeepAlive ? { keepAlive } : {})
    writeReportFiles(report, options)
    return 0
  } finally {
    await cluster.close()
  }
}

runIfMain(import.meta.url, 'loadtest', main)
