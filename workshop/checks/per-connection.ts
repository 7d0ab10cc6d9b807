import { fail, pass, type Verdict } from '../verdict.js'
import { percent, type CheckContext } from './context.js'
import { readReport, reportPath, type ReportRun } from './load-report.js'

export const PER_CONNECTION_REPORT = '11-per-connection.json'
/** at least this many ended dialogues per run make a share worth reading */
const MIN_DIALOGUES = 20
/** with keep-alive the connection keeps a customer with their clerk: nearly nothing is lost */
const MAX_KEPT_ALIVE_LOSS = 0.1
/** with Connection: close every step is balanced anew: most dialogues are lost */
const MIN_CLOSED_LOSS = 0.5

const ended = (run: ReportRun) => run.dialogues.completed + run.dialogues.context_lost + run.dialogues.no_session + run.dialogues.failed

/** one run's outcome in a line: what completed, what was lost and at which step */
function outcome(run: ReportRun, style: string): string {
  const d = run.dialogues
  const at = run.endedAt.context_lost
  return `${style}: ${d.completed} of ${ended(run)} ended dialogues completed, ${d.context_lost} context_lost (at buy ${at.buy}, at pay ${at.pay}), ${d.failed} failed: ${percent(run.lossRate)} lost`
}

/** Exercise 11: stateful on the per-connection policy, kept alive and with Connection: close (the load test's --compare-keepalive --json). */
export async function checkPerConnection(ctx: CheckContext): Promise<Verdict> {
  const path = reportPath(ctx, PER_CONNECTION_REPORT)
  const look = `the load test's two outcome tables and "where unhappy dialogues ended"; the report: ${path}`
  const read = readReport(path)
  if ('missing' in read) return fail([read.missing], look)
  const runs = read.report.runs.filter((r) => r.mode === 'stateful' && r.policy === 'per-connection')
  const kept = runs.find((r) => r.keepAlive)
  const closed = runs.find((r) => !r.keepAlive)
  if (!kept || !closed) {
    const seen = read.report.runs.map((r) => `${r.label} on ${r.policy}${r.keepAlive ? '' : ', Connection: close'}`).join('; ') || 'no runs'
    return fail([`the report holds ${seen}: it needs stateful on per-connection both kept alive and with Connection: close (--compare-keepalive)`], look)
  }
  const saw = [outcome(kept, 'keep-alive'), outcome(closed, 'Connection: close')]
  const predicted = ctx.args.predicted
  if (predicted !== undefined) saw.push(`you predicted ${predicted}% lost with Connection: close, measured ${percent(closed.lossRate)}`)
  if (ended(kept) < MIN_DIALOGUES || ended(closed) < MIN_DIALOGUES)
    return fail([...saw, `too few dialogues to read a share: run each for longer (at least ${MIN_DIALOGUES})`], look)
  if (kept.lossRate > MAX_KEPT_ALIVE_LOSS) return fail([...saw, `over ${percent(MAX_KEPT_ALIVE_LOSS)} lost with keep-alive: was a clerk killed, or chaos in the run?`], look)
  if (closed.lossRate < MIN_CLOSED_LOSS) return fail([...saw, `under ${percent(MIN_CLOSED_LOSS)} lost with Connection: close: was every step really on a new connection?`], look)
  return pass(saw, look)
}
