/**
 * `npm run loadtest:scale`: the same load against 1, 2, … N clerks, each made small on purpose, and
 * where the proxy or the CPU becomes the limit. Only wires: args/ reads, run/run-scale.ts runs,
 * report/ renders.
 */
import '../services/common/supported-node.js'
import { readCommandLine, runIfMain } from './args/command-line.js'
import { parseScaleArguments } from './args/scale-arguments.js'
import { scaleUsage } from './args/usage.js'
import { writeReportFiles } from './report/files.js'
import { buildReport } from './report/json.js'
import { renderScaleText } from './report/text.js'
import { runScale } from './run/run-scale.js'

export async function main(argv: readonly string[]): Promise<number> {
  const options = readCommandLine('loadtest:scale', argv, parseScaleArguments, scaleUsage)
  if (typeof options === 'number') return options
  const { summaries, scale } = await runScale(options)
  process.stdout.write('\n' + renderScaleText(scale))
  const report = buildReport('scale', summaries, { scale })
  writeReportFiles(report, options, 'clerk-cluster: scale-out')
  return 0
}

runIfMain(import.meta.url, 'loadtest:scale', main)
