/**
 * Keep-alive against `Connection: close`: the same run twice on one cluster, sockets in TIME_WAIT
 * counted before and after each (the lecture on long and short TCP connections). Returns the rows
 * of the comparison; the reports print them.
 */
import type { KeepAliveRow } from './report-json.js'
import type { MeasuredRun } from './measured-run.js'
import { latencyStats } from './summarize.js'

export function keepAliveRow(measured: MeasuredRun, runIndex: number): KeepAliveRow {
  const answers = measured.run.records.flatMap((r) => Object.values(r.latencyMs).filter((v): v is number => v !== undefined))
  const stats = latencyStats(answers)
  return {
    keepAlive: measured.run.keepAlive,
    run: runIndex,
    completedPerSec: measured.summary.dialoguesPerSec,
    answersPerSec: measured.summary.answersPerSec,
    answerP50: stats.p50,
    answerP99: stats.p99,
    timeWaitBefore: measured.timeWaitBefore,
    timeWaitAfter: measured.timeWaitAfter,
  }
}

export function renderKeepAliveText(rows: readonly KeepAliveRow[]): string {
  const lines = ['Keep-alive against Connection: close (same load, same cluster)']
  const tw = (t: KeepAliveRow['timeWaitBefore']) => (t ? `${t.all} (${t.port} on the proxy port)` : 'n/a')
  for (const r of rows) {
    lines.push(
      `  ${(r.keepAlive ? 'keep-alive' : 'Connection: close').padEnd(18)} ${String(r.completedPerSec).padStart(7)} dialogues/s  ` +
        `${String(r.answersPerSec).padStart(7)} answers/s  answer p50 ${r.answerP50} ms  p99 ${r.answerP99} ms  ` +
        `TIME_WAIT before ${tw(r.timeWaitBefore)}, after ${tw(r.timeWaitAfter)}`,
    )
  }
  return lines.join('\n') + '\n'
}
