import { readFileSync } from 'node:fs'
import { isAbsolute, join, relative } from 'node:path'
import type { CheckContext } from './context.js'

/** The parts of the load test's `--json` report (docs/loadtest.md) the self-checks read. */
export interface ReportRun {
  label: string
  mode: string
  policy: string
  keepAlive: boolean
  dialogues: { total: number; completed: number; context_lost: number; failed: number; unfinished: number }
  lossRate: number
  dialoguesPerSec: number
}

export interface ReportKeepAliveRow {
  keepAlive: boolean
  completedPerSec: number
  answerP50: number
  answerP99: number
  timeWaitBefore: { all: number; port: number }
  timeWaitAfter: { all: number; port: number }
}

export interface LoadReport {
  kind: string
  runs: ReportRun[]
  keepAlive?: ReportKeepAliveRow[]
}

/** The report an exercise asks for: `--json FILE` if the learner gave one, else reports/workshop/<name>. */
export function reportPath(ctx: CheckContext, name: string): string {
  const given = ctx.args.json
  if (given === undefined) return join(ctx.target.reportsDir, name)
  return isAbsolute(given) ? given : join(process.cwd(), given)
}

/** the report, or the sentence saying why there is none */
export function readReport(path: string): { report: LoadReport } | { missing: string } {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return { missing: `no load-test report at ${shown(path)}` }
  }
  try {
    const report = JSON.parse(text) as LoadReport
    if (!Array.isArray(report.runs)) return { missing: `${shown(path)} is not a load-test report (no "runs")` }
    return { report }
  } catch {
    return { missing: `${shown(path)} is not JSON` }
  }
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path)
  return rel.startsWith('..') ? path : rel
}
