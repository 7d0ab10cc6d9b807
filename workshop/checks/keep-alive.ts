import { fail, pass, type Verdict } from '../verdict.js'
import type { CheckContext } from './context.js'
import { readReport, reportPath } from './load-report.js'

export const KEEP_ALIVE_REPORT = '6-keepalive.json'

/** Exercise 6: the learner's keep-alive comparison (the load test's --compare-keepalive --json). */
export async function checkKeepAlive(ctx: CheckContext): Promise<Verdict> {
  const path = reportPath(ctx, KEEP_ALIVE_REPORT)
  const look = `the report: ${path}; \`ss -tan state time-wait | wc -l\` right after a run`
  const read = readReport(path)
  if ('missing' in read) return fail([read.missing], look)
  const rows = read.report.keepAlive ?? []
  const on = rows.find((r) => r.keepAlive)
  const off = rows.find((r) => !r.keepAlive)
  if (!on || !off) return fail(['the report has no keep-alive comparison: run the load test with --compare-keepalive'], look)
  const added = (r: typeof on) => r.timeWaitAfter.port - r.timeWaitBefore.port
  const saw = [
    `keep-alive: ${on.completedPerSec.toFixed(0)} dialogues/s, answer p50 ${on.answerP50} ms; TIME_WAIT on the proxy's port +${added(on)}`,
    `Connection: close: ${off.completedPerSec.toFixed(0)} dialogues/s (${(off.completedPerSec / Math.max(on.completedPerSec, 1)).toFixed(2)}×), answer p50 ${off.answerP50} ms; TIME_WAIT on the proxy's port +${added(off)}`,
  ]
  return pass(saw, look)
}
