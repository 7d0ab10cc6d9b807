import { join } from 'node:path'
import type { Summary } from '../../loadtest/analyze/summarize.js'
import { fail, pass, type Verdict } from '../verdict.js'
import type { CheckContext } from './context.js'
import { readReport, type ReportRun } from './load-report.js'

/** the two load-test reports of exercise 17, one per design, in reports/workshop/ */
export const MCP_REPORTS = Object.freeze({ stateful: '17-mcp-stateful.json', shared: '17-mcp-shared.json' })

type Design = keyof typeof MCP_REPORTS

/** a run of the report, with what an MCP run adds (docs/loadtest.md: `chaos`, `mcp`) */
type McpReportRun = ReportRun & Partial<Pick<Summary, 'chaos' | 'mcp'>>

/** the MCP run of that design with a clerk killed during it, or the sentence saying what is missing */
function killedMcpRun(ctx: CheckContext, design: Design): { run: McpReportRun; killed: string } | { missing: string } {
  const read = readReport(join(ctx.target.reportsDir, MCP_REPORTS[design]))
  if ('missing' in read) return read
  const runs = read.report.runs as McpReportRun[]
  const run = runs.find((r) => r.mcp !== undefined && r.mode === design)
  if (!run) return { missing: `${MCP_REPORTS[design]} holds no MCP run of ${design}: run the load test with --protocol mcp --mode ${design}` }
  const kill = run.chaos?.find((e) => e.verb === 'kill' && e.ok)
  if (!kill) return { missing: `the MCP ${design} run killed no clerk: give the load test --kill clerk-b@33% --revive clerk-b@66%` }
  return { run, killed: `${kill.target} killed at ${(kill.offsetMs / 1000).toFixed(1)} s` }
}

const outcomes = (run: McpReportRun): string =>
  `${run.dialogues.total} dialogues, ${run.dialogues.completed} completed, ${run.mcp?.sessionLost ?? 0} sessions lost (404), ${run.dialogues.failed} failed, ${run.mcp?.streamsResumed ?? 0} cut pays recovered`

/**
 * Exercise 17: the learner's two MCP load tests with the same clerk killed mid-run. A stateful MCP
 * session lives in its clerk's memory: the kill loses the sessions it held (404 Session not
 * found). A shared session and its pay's stream live in Redis: another clerk picks them up, and
 * no session is lost.
 */
export async function checkMcpStream(ctx: CheckContext): Promise<Verdict> {
  const look = `the reports: ${join(ctx.target.reportsDir, MCP_REPORTS.stateful)} and ${MCP_REPORTS.shared}; the dashboard's detailed view (v), MCP cards`
  const stateful = killedMcpRun(ctx, 'stateful')
  const shared = killedMcpRun(ctx, 'shared')
  const saw: string[] = []
  const missing: string[] = []
  if ('missing' in stateful) missing.push(stateful.missing)
  else {
    saw.push(`MCP stateful (${stateful.run.policy}), ${stateful.killed}: ${outcomes(stateful.run)}`)
    if (!stateful.run.policy.startsWith('mcp-session')) {
      // on plain round-robin nearly every stateful session is lost, kill or not: not this lesson
      missing.push(`the stateful run was not pinned on Mcp-Session-Id (policy ${stateful.run.policy}): run it without --policy`)
    } else if ((stateful.run.mcp?.sessionLost ?? 0) === 0) {
      missing.push('the kill cost stateful no session: was any customer on that clerk? run it again with more --customers')
    }
  }
  if ('missing' in shared) missing.push(shared.missing)
  else {
    saw.push(`MCP shared, ${shared.killed}: ${outcomes(shared.run)}`)
    const lost = (shared.run.mcp?.sessionLost ?? 0) + shared.run.dialogues.context_lost
    if (lost > 0) missing.push(`shared lost ${lost} sessions: a session in Redis should outlive its clerk; look at the run's failures and tell the instructor`)
  }
  return missing.length === 0 ? pass(saw, look) : fail([...saw, ...missing], look)
}
