import { readFileSync } from 'node:fs'
import { isAbsolute, join, relative } from 'node:path'
import type { CheckContext } from './context.js'

/** The parts of the load test's `--json` report (docs/loadtest.md) the self-checks read. */
export interface ReportRun {
  label: string
  mode: string
  policy: string
  keepAlive: boolean
  /** products per cart (`--items`) */
  items: number
  dialogues: { total: number; completed: number; context_lost: number; no_session: number; failed: number; unfinished: number }
  lossRate: number
  dialoguesPerSec: number
  /** where unhappy dialogues ended */
  endedAt: { context_lost: ReportSteps; failed: ReportSteps }
  /** mean bytes per completed dialogue on the customers' sockets; absent when nothing completed */
  wire?: { dialogues: number; sentPerDialogue: number; receivedPerDialogue: number }
}

export interface ReportSteps {
  ask: number
  buy: number
  pay: number
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
  const read = readJsonFile(path, 'load-test report')
  if ('missing' in read) return read
  const report = read.json as LoadReport
  if (!Array.isArray(report.runs)) return { missing: `${shown(path)} is not a load-test report (no "runs")` }
  return { report }
}

/** a JSON file a learner's command wrote (`what` names it: "load-test report"), or why there is none */
export function readJsonFile(path: string, what: string): { json: unknown } | { missing: string } {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return { missing: `no ${what} at ${shown(path)}` }
  }
  try {
    const json: unknown = JSON.parse(text)
    if (typeof json !== 'object' || json === null) return { missing: `${shown(path)} is not a ${what}` }
    return { json }
  } catch {
    return { missing: `${shown(path)} is not JSON` }
  }
}

/** the path as the learner typed it: relative to where they are, when it is below */
export function shown(path: string): string {
  const rel = relative(process.cwd(), path)
  return rel.startsWith('..') ? path : rel
}
