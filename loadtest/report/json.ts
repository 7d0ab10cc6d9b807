/**
 * The report of a command, the same for every format: every run's summary plus, where measured,
 * the keep-alive comparison and the scale-out curve, and the machine it ran on. Written as JSON as
 * it is (report/files.ts); field by field in docs/loadtest.md; `version` changes when a field
 * changes meaning.
 *
 * @example
 *   writeJsonReport('report.json', buildReport('matrix', summaries, { keepAlive }))
 */
import { cpus, loadavg } from 'node:os'
import type { ScaleReport } from '../analyze/scale-curve.js'
import type { KeepAliveRow, Summary } from '../analyze/summarize.js'

export interface LoadtestReport {
  kind: 'loadtest' | 'matrix' | 'scale'
  version: 1
  generatedAt: string
  command: string[]
  machine: { cores: number; node: string; platform: string; loadavg: number[] }
  runs: Summary[]
  keepAlive?: KeepAliveRow[] | undefined
  scale?: ScaleReport | undefined
}

export function buildReport(
  kind: LoadtestReport['kind'],
  runs: Summary[],
  extra: { keepAlive?: KeepAliveRow[] | undefined; scale?: ScaleReport | undefined } = {},
): LoadtestReport {
  return {
    kind,
    version: 1,
    generatedAt: new Date().toISOString(),
    command: process.argv.slice(2),
    machine: {
      cores: cpus().length,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      loadavg: loadavg().map((n) => Math.round(n * 100) / 100),
    },
    runs,
    ...(extra.keepAlive ? { keepAlive: extra.keepAlive } : {}),
    ...(extra.scale ? { scale: extra.scale } : {}),
  }
}
