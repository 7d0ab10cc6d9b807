/**
 * `npm run loadtest -- …`: one load run (or a keep-alive comparison) against a local cluster or
 * --target, with the chaos schedule; prints the tables, writes --json and --html. Only wires:
 * cli-arguments.ts parses, measured-run.ts runs, report-*.ts render.
 */
import { parseArguments, type LoadtestOptions } from './cli-arguments.js'
import { isLoadtestError } from './errors.js'
import { isMain } from './is-main.js'
import { keepAliveRow, renderKeepAliveText } from './keepalive-compare.js'
import { measuredRun, openCluster } from './measured-run.js'
import { writeHtmlReport } from './report-html.js'
import { buildReport, writeJsonReport, type KeepAliveRow } from './report-json.js'
import { renderRunText } from './report-text.js'
import type { Summary } from './summarize.js'
import { loadtestUsage } from './usage.js'

export { parseArguments }

export async function main(argv: readonly string[]): Promise<number> {
  let options: LoadtestOptions
  try {
    options = parseArguments(argv)
  } catch (err) {
    if (!isLoadtestError(err)) throw err
    process.stderr.write(`loadtest: ${err.message}\n`)
    return 2
  }
  if (options.help) {
    process.stdout.write(loadtestUsage)
    return 0
  }
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
    if (options.jsonFile) {
      writeJsonReport(options.jsonFile, report)
      process.stdout.write(`JSON report: ${options.jsonFile}\n`)
    }
    if (options.htmlFile) {
      writeHtmlReport(options.htmlFile, report)
      process.stdout.write(`HTML report: ${options.htmlFile}\n`)
    }
    return 0
  } finally {
    await cluster.close()
  }
}

if (isMain(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`loadtest: ${isLoadtestError(err) ? err.message : ((err as Error).stack ?? String(err))}\n`)
      process.exit(1)
    },
  )
}
