/**
 * `npm run loadtest -- …`: one load run (or a keep-alive comparison) against a local cluster or
 * --target, with the chaos schedule; prints the tables, writes --json and --html. Only wires:
 * args/ reads, run/measured-run.ts runs, analyze/ computes, report/ renders.
 */
import '../services/common/supported-node.js'
import { keepAliveRow, type KeepAliveRow, type Summary } from './analyze/summarize.js'
import { readCommandLine, runIfMain } from './args/command-line.js'
import { parseLoadtestArguments } from './args/loadtest-arguments.js'
import { loadtestUsage } from './args/usage.js'
import { writeReportFiles } from './report/files.js'
import { buildReport } from './report/json.js'
import { connectionStyle } from './report/tables.js'
import { renderKeepAliveText, renderRunText } from './report/text.js'
import { measuredRun } from './run/measured-run.js'
import { openCluster } from './run/open-cluster.js'

export async function main(argv: readonly string[]): Promise<number> {
  const options = readCommandLine('loadtest', argv, parseLoadtestArguments, loadtestUsage)
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
        keys: options.keys,
        cookies: options.cookies,
        items: options.items,
        pipelining: options.pipelining,
        timeoutSeconds: options.timeoutSeconds,
        chaos: options.chaos,
        progress: !options.quiet,
        ...(options.compareKeepAlive ? { label: `${options.mode} (${connectionStyle(on)})` } : {}),
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
