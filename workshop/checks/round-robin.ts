import { fail, pass, type Verdict } from '../verdict.js'
import { percent, type CheckContext } from './context.js'
import { readReport, reportPath } from './load-report.js'

/** at least this many ended dialogues make a share worth comparing with a prediction */
const MIN_DIALOGUES = 20
/** stateful on round-robin loses most dialogues; under this the run was not what the exercise asks */
const MIN_LOSS = 0.5

export const ROUND_ROBIN_REPORT = '2-round-robin.json'

/** Exercise 2: the learner's own measurement of stateful dialogues on round-robin (the load test's --json). */
export async function checkRoundRobin(ctx: CheckContext): Promise<Verdict> {
  const path = reportPath(ctx, ROUND_ROBIN_REPORT)
  const look = `the dashboard's load-test panel while it runs; the report: ${path}`
  const read = readReport(path)
  if ('missing' in read) return fail([read.missing], look)
  const runs = read.report.runs.filter((r) => r.mode === 'stateful')
  const run = runs.find((r) => r.policy === 'round-robin')
  if (!run) {
    const seen = read.report.runs.map((r) => r.label).join(', ') || 'no runs'
    return fail([`the report holds ${seen}: no run of stateful on round-robin`], look)
  }
  const d = run.dialogues
  const ended = d.completed + d.context_lost + d.failed
  const saw = [`stateful + round-robin: ${ended} dialogues ended, ${d.context_lost} context_lost, ${d.failed} failed: ${percent(run.lossRate)} lost`]
  const predicted = ctx.args.predicted
  if (predicted !== undefined) saw.push(`you predicted ${predicted}%, measured ${percent(run.lossRate)}`)
  if (ended < MIN_DIALOGUES) return fail([...saw, `too few dialogues to read a share: run it for longer (at least ${MIN_DIALOGUES})`], look)
  if (run.lossRate < MIN_LOSS) return fail([...saw, `under ${percent(MIN_LOSS)} lost: was the stateful route really on round-robin?`], look)
  return pass(saw, look)
}
