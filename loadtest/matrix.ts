/**
 * `npm run loadtest:matrix`: the workshop's headline. Every session design runs the same load
 * under the same chaos against one cluster, and one table compares what each lost; then the same
 * stateless load with keep-alive on and off. Only wires: args/ reads, run/run-matrix.ts runs,
 * report/ renders.
 */
import '../services/common/supported-node.js'
import type { Summary } from './analyze/summarize.js'
import { readCommandLine, runIfMain } from './args/command-line.js'
import { readLoadtestEnvironment } from './args/environment.js'
import { renderMcpCounts } from './mcp/mcp-report.js'
import { parseMatrixArguments } from './args/matrix-arguments.js'
import { matrixUsage } from './args/usage.js'
import { writeReportFiles } from './report/files.js'
import { buildReport } from './report/json.js'
import { renderComparisonText, renderKeepAliveText } from './report/text.js'
import { matrixRows, runMatrix } from './run/run-matrix.js'

export async function main(argv: readonly string[]): Promise<number> {
  const options = readCommandLine('loadtest:matrix', argv, parseMatrixArguments, matrixUsage)
  if (typeof options === 'number') return options
  try {
    matrixRows(options.only, options.mcp)
  } catch (err) {
    process.stderr.write(`loadtest:matrix: ${(err as Error).message}\n`)
    return 2
  }
  if (options.target && readLoadtestEnvironment().adminToken === undefined) {
    // without the token every row would run under whatever policy the proxy has: the table would lie
    process.stderr.write("loadtest:matrix: --target needs ADMIN_TOKEN in the environment: each row sets the proxy's policy and kills a clerk\n")
    return 2
  }
  const { summaries, keepAlive } = await runMatrix(options)
  const rows = summaries.slice(0, matrixRows(options.only, options.mcp).length)
  process.stdout.write('\n' + renderComparisonText(rows) + '\n')
  process.stdout.write(handoffLines(rows))
  for (const row of rows) if (row.mcp) process.stdout.write(`${row.label}\n${renderMcpCounts(row.mcp)}\n`)
  if (keepAlive.length > 0) process.stdout.write(renderKeepAliveText(keepAlive) + '\n')
  const report = buildReport('matrix', summaries, keepAlive.length > 0 ? { keepAlive } : {})
  writeReportFiles(report, options, 'clerk-cluster: session designs under chaos')
  return 0
}

/** the stateful rows' handoffs, and each row's own chaos where it is not the first row's */
function handoffLines(rows: readonly Summary[]): string {
  const firstChaos = rows[0]?.chaos.map((c) => c.text).join(', ')
  const lines = rows
    .filter((s) => s.mode === 'stateful')
    .map((s) => {
      const chaos = s.chaos.map((c) => c.text).join(', ')
      const proxy = s.proxyHandoffs === undefined ? '' : ` (the proxy counted ${s.proxyHandoffs})`
      return `  ${s.label}: ${s.handedOver} dialogues finished on another clerk than their ask${proxy}${chaos !== firstChaos ? `; chaos ${chaos}` : ''}`
    })
  return lines.length === 0 ? '' : `handed over (stateful rows):\n${lines.join('\n')}\n\n`
}

runIfMain(import.meta.url, 'loadtest:matrix', main)
