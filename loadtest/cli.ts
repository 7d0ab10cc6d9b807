/**
 * `npm run loadtest -- …`: one load run (or a keep-alive comparison) against a local cluster or
 * --target, with the chaos schedule; prints the tables, writes --json and --html. Only wires:
 * args/ reads, run/measured-run.ts runs, analyze/ computes, report/ renders.
 */
import '../services/common/supported-node.js'
import { defaultReportFile, reportAddress } from '../services/common/reports-folder.js'
import { keepAliveRow, type KeepAliveRow, type Summary } from './analyze/summarize.js'
import { readCommandLine, runIfMain } from './args/command-line.js'
import { parseLoadtestArguments } from './args/loadtest-arguments.js'
import { loadtestUsage } from './args/usage.js'
import { renderMcpCounts } from './mcp/mcp-report.js'
import { writeReportFiles } from './report/files.js'
import { buildReport } from './report/json.js'
import { connectionStyle } from './report/tables.js'
import { privateClusterNote, renderKeepAliveText, renderRunText } from './report/text.js'
import { finalBeat, measuredRun } from './run/measured-run.js'
import { openCluster } from './run/open-cluster.js'

export async function main(argv: readonly string[]): Promise<number> {
  const options = readCommandLine('loadtest', argv, parseLoadtestArguments, loadtestUsage)
  if (typeof options === 'number') return options
  const cluster = await openCluster({
    target: options.target,
    clusterUrl: options.clusterUrl,
    clerkUrls: options.clerkUrls,
    orchestrator: options.orchestrator,
    namespace: options.namespace,
    clerks: options.clerks,
  })
  if (cluster.local) process.stderr.write(privateClusterNote(cluster.proxyUrl))
  // a run against a running cluster always leaves an HTML report the dashboard's verdict card links
  const htmlFile = options.htmlFile ?? (options.target ? defaultReportFile('loadtest') : undefined)
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
        protocol: options.protocol,
        ...(options.compareKeepAlive ? { label: `${options.mode} (${connectionStyle(on)})` } : {}),
      })
      summaries.push(measured.summary)
      keepAlive.push(keepAliveRow(measured, summaries.length - 1))
      process.stdout.write(renderRunText(measured.summary) + '\n')
      if (measured.summary.mcp) process.stdout.write(renderMcpCounts(measured.summary.mcp) + '\n')
    }
    if (options.compareKeepAlive) process.stdout.write(renderKeepAliveText(keepAlive))
    const report = buildReport('loadtest', summaries, options.compareKeepAlive ? { keepAlive } : {})
    writeReportFiles(report, { htmlFile, jsonFile: options.jsonFile })
    const last = summaries.at(-1)
    const address = htmlFile === undefined ? undefined : reportAddress(htmlFile)
    // the verdict card's link, once the file it points at is written
    if (last && address && !cluster.local) await cluster.api.beat(finalBeat(last, address))
    return 0
  } finally {
    await cluster.close()
  }
}

runIfMain(import.meta.url, 'loadtest', main)
