/**
 * `npm run loadtest:matrix`: the workshop's headline. Every session design runs the same load
 * under the same chaos against one cluster, and one table compares what each lost; then the same
 * stateless load with keep-alive on and off. Only wires: args/ reads, run/run-matrix.ts runs,
 * report/ renders.
 */
import '../services/common/supported-node.js'
import { readCommandLine, runIfMain } from './args/command-line.js'
import { readLoadtestEnvironment } from './args/environment.js'
import { MCP_MATRIX_ROWS } from './mcp/mcp-matrix-rows.js'
import { renderMcpCounts } from './mcp/mcp-report.js'
import { parseMatrixArguments } from './args/matrix-arguments.js'
import { matrixUsage } from './args/usage.js'
import { writeReportFiles } from './report/files.js'
import { buildReport } from './report/json.js'
import { renderComparisonText, renderKeepAliveText } from './report/text.js'
import { MATRIX_ROWS, runMatrix } from './run/run-matrix.js'

export async function main(argv: readonly string[]): Promise<number> {
  const options = readCommandLine('loadtest:matrix', argv, parseMatrixArguments, matrixUsage)
  if (typeof options === 'number') return options
  if (options.target && readLoadtestEnvironment().adminToken === undefined) {
    // without the token every row would run under whatever policy the proxy has: the table would lie
    process.stderr.write("loadtest:matrix: --target needs ADMIN_TOKEN in the environment: each row sets the proxy's policy and kills a clerk\n")
    return 2
  }
  const { summaries, keepAlive } = await runMatrix(options)
  const rows = summaries.slice(0, MATRIX_ROWS.length + (options.mcp ? MCP_MATRIX_ROWS.length : 0))
  process.stdout.write('\n' + renderComparisonText(rows) + '\n')
  for (const row of rows) if (row.mcp) process.stdout.write(`${row.label}\n${renderMcpCounts(row.mcp)}\n`)
  if (keepAlive.length > 0) process.stdout.write(renderKeepAliveText(keepAlive) + '\n')
  const report = buildReport('matrix', summaries, keepAlive.length > 0 ? { keepAlive } : {})
  writeReportFiles(report, options, 'clerk-cluster: session designs under chaos')
  return 0
}

runIfMain(import.meta.url, 'loadtest:matrix', main)
