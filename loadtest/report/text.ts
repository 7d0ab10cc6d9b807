/**
 * Terminal output of the load test: summary tables (cli-table3), the keep-alive comparison, the
 * scale-out chart and the private-cluster note (the live progress bar: progress-bar.ts). Renders
 * summaries, never computes them (analyze/ does; autocannon's printResult.js habit).
 *
 * @example
 *   process.stdout.write(renderRunText(summary))
 *   process.stdout.write(renderComparisonText([statefulRr, statefulSticky, stateless, shared]))
 */
import type { ScaleReport } from '../analyze/scale-curve.js'
import type { KeepAliveRow, Summary } from '../analyze/summarize.js'
import { fitTable, TERMINAL_WIDTH, wrapProse } from './fit-table.js'
import { runVerdict } from './verdict.js'
import {
  byClerkTable,
  clerkArrivalsTable,
  membershipChanged,
  chaosTable,
  comparisonTable,
  connectionStyle,
  endedAtTable,
  formatDurationMs,
  latencyTable,
  ledgerTable,
  outcomesTable,
  readableMs,
  type Cells,
} from './tables.js'

/** a table drawn to fit 80 columns (fit-table.ts) */
function draw(cells: Cells, alignRight = true): string {
  return fitTable(cells, TERMINAL_WIDTH, alignRight)
}

const ms = readableMs

/** The workshop headline: one row per session design, same load and chaos. */
export function renderComparisonText(summaries: readonly Summary[], title = 'Session designs under the same load and chaos'): string {
  // rows may differ (the matrix's calm per-connection rows, its SIGTERM rows): say which had what
  const rowsByChaos = new Map<string, string[]>()
  for (const s of summaries) {
    const chaos = s.chaos.map((c) => c.text).join(', ') || 'none'
    rowsByChaos.set(chaos, [...(rowsByChaos.get(chaos) ?? []), s.label])
  }
  const lines = [title, draw(comparisonTable(summaries, ms))]
  const [only] = rowsByChaos.keys()
  if (rowsByChaos.size === 1 && only !== undefined && only !== 'none') lines.push(`chaos in every row: ${only}`)
  else if (rowsByChaos.size > 1) for (const [chaos, labels] of rowsByChaos) lines.push(wrapProse(`chaos ${chaos}: ${labels.join('; ')}`))
  lines.push(
    wrapProse(
      'lost % = (context_lost + no_session + failed) / ended dialogues; ledger lost = confirmed to the customer but not in the ledger; ' +
        'doubled = one dialogue charged more than once; charged_unconfirmed = charged although the customer saw a failure.',
    ),
  )
  return lines.join('\n') + '\n'
}

/** Everything about one run, as tables. */
export function renderRunText(s: Summary): string {
  const out: string[] = []
  const bound = s.stoppedBy === 'dialogues' ? 'dialogue bound' : s.stoppedBy === 'duration' ? 'duration' : s.stoppedBy
  out.push(
    wrapProse(
      `${s.label}: ${s.customers} customers, ${formatDurationMs(s.durationMs)} (stopped by ${bound}), keep-alive ${s.keepAlive ? 'on' : 'off'}` +
        `${s.pipelining > 1 ? `, pipelining ${s.pipelining}` : ''}${s.cookies === false ? ', cookies refused' : ''}${s.items > 1 ? `, ${s.items} products per cart` : ''}, target ${s.target}`,
    ),
    wrapProse(`verdict: ${runVerdict(s).headline}`),
  )
  out.push(draw(outcomesTable(s)), draw(latencyTable(s, ms)), draw(endedAtTable(s)))
  const cost = renderCostLine(s)
  if (cost) out.push(wrapProse(cost))
  const reasons = Object.entries(s.failedReasons)
  if (reasons.length > 0) out.push(`failed because: ${reasons.map(([r, n]) => `${r} ${n}`).join(', ')}`)
  if (s.dialogues.no_session > 0) {
    out.push(wrapProse(`no_session: ${s.dialogues.no_session} dialogues reached a clerk with no cookie to find their session by (the customers refused cookies); counted as lost`))
  }
  out.push(draw(byClerkTable(s)))
  if (membershipChanged(s)) out.push(draw(clerkArrivalsTable(s)))
  if (s.chaos.length > 0) out.push(draw(chaosTable(s), false))
  for (const e of s.exposure) {
    out.push(
      wrapProse(
        `${e.text}: ${e.exposed} dialogues were pinned to ${e.target} and open when it was fired; ${e.exposedLost} of them were lost; ` +
          `${e.openAfterAck} were still open after it was acknowledged (${e.openAfterAckLost} lost); ` +
          `${e.receipted} were paid on it before it died and answered from a receipt by another clerk; ${e.otherLost} other dialogues were lost.`,
      ),
    )
  }
  out.push(draw(ledgerTable(s)))
  out.push(wrapProse(`timeline (per second: completed/context_lost/failed): ${renderTimelineText(s)}`))
  return out.join('\n') + '\n'
}

/** `per completed dialogue: 1502 B sent + 1511 B received on the wire; CPU clerks 1.2 ms, proxy 0.9 ms …` */
export function renderCostLine(s: Pick<Summary, 'wire' | 'cpuMsPerDialogue'>): string | undefined {
  const parts: string[] = []
  if (s.wire) parts.push(`${s.wire.sentPerDialogue} B sent + ${s.wire.receivedPerDialogue} B received on the wire`)
  const cpu = Object.entries(s.cpuMsPerDialogue ?? {})
  if (cpu.length > 0) parts.push(`CPU ${cpu.map(([part, n]) => `${part} ${n} ms`).join(', ')}`)
  return parts.length === 0 ? undefined : `per completed dialogue: ${parts.join('; ')}`
}

/** `0s 41/0/0 · 1s 45/2/0 · …` with chaos events inserted where they happened. */
export function renderTimelineText(s: Summary): string {
  const marks = [...s.chaos]
  const parts: string[] = []
  for (const t of s.timeline) {
    while (marks.length > 0 && (marks[0]?.offsetMs ?? 0) < (t.second + 1) * 1000) {
      parts.push(`[${marks.shift()?.text}]`)
    }
    parts.push(`${t.second}s ${t.completed}/${t.context_lost}/${t.failed}`)
  }
  return parts.join(' · ')
}

export function renderKeepAliveText(rows: readonly KeepAliveRow[]): string {
  const lines = ['Keep-alive against Connection: close (same load, same cluster)']
  const tw = (t: KeepAliveRow['timeWaitBefore']) => (t ? `${t.all} (on the proxy port: ${t.customer} customer side, ${t.server} proxy side)` : 'n/a')
  for (const r of rows) {
    lines.push(
      `  ${connectionStyle(r.keepAlive).padEnd(18)} ${String(r.completedPerSec).padStart(7)} dialogues/s  ` +
        `${String(r.answersPerSec).padStart(7)} answers/s  answer p50 ${r.answerP50} ms  p99 ${r.answerP99} ms  ` +
        `TIME_WAIT before ${tw(r.timeWaitBefore)}, after ${tw(r.timeWaitAfter)}`,
    )
  }
  return lines.join('\n') + '\n'
}

/** `1 ████████ 66.1` per clerk count, bars scaled to the largest value */
export function renderScaleText(scale: ScaleReport): string {
  const max = Math.max(1, ...scale.points.map((p) => Math.max(p.completedPerSec, p.clerks * scale.oneClerkCapacity)))
  const width = 40
  const lines = [
    `Scale-out: completed dialogues/s against clerks (each clerk: ${scale.workMs} ms per answer, ${scale.concurrency} at once → at most ${scale.oneClerkCapacity} dialogues/s; ${scale.customers} customers; ${scale.machineCores} cores)`,
  ]
  for (const p of scale.points) {
    const bar = '█'.repeat(Math.round((p.completedPerSec / max) * width))
    const ideal = p.clerks * scale.oneClerkCapacity
    const cpu = Object.entries(p.cpu)
      .map(([name, c]) => `${name} ${c}`)
      .join(', ')
    lines.push(
      `  ${String(p.clerks).padStart(2)} │${bar.padEnd(width)}│ ${String(p.completedPerSec).padStart(6)}/s  ${Math.round(p.scaling * 100)}% of linear, ${Math.round(p.efficiency * 100)}% of nominal ${Math.round(ideal)}  ` +
        `machine ${p.machineBusyCores ?? '?'} cores busy; ours: ${cpu}`,
    )
  }
  lines.push(scale.verdict)
  return lines.join('\n') + '\n'
}

/**
 * Said on stderr when the load test started its own cluster: nothing of it shows on the dashboard
 * of the cluster `npm start` runs, and a learner should not wonder why.
 */
export function privateClusterNote(proxyUrl: string): string {
  return (
    `This run uses its own private cluster (${proxyUrl}), started for it and stopped after it: ` +
    'the dashboard of `npm start` will not show it.\n' +
    "To watch a run there: npm run loadtest -- --target http://127.0.0.1:8080 (with ADMIN_TOKEN set to that cluster's token).\n"
  )
}
