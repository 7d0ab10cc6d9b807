/**
 * The HTML report: one self-contained file (inline CSS and SVG, no script, no CDN, no external
 * file) that opens anywhere, e.g. on a projector without network. On top, every run's verdict in
 * one coloured line; for a matrix the comparison table (loss cells coloured) and the runs side by
 * side on one shared scale; then per run its verdict, the dialogues per second by outcome and the
 * p50/p99 latency over time (chaos marked on both, report/html-charts.ts), and the tables.
 *
 * Charts are hand-drawn SVG rather than a charting library: a library's charts need its script in
 * the page, and this report runs none (it is served by the proxy under a policy that forbids it).
 *
 * @example
 *   writeFileSync('report.html', renderHtmlReport(buildReport('matrix', summaries)))
 */
import type { Summary } from '../analyze/summarize.js'
import { escapeHtml, latencySvg, outcomesSvg, scaleSvg, sharedScale, type ChartScale } from './html-charts.js'
import type { LoadtestReport } from './json.js'
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
  readableTime,
  type Cell,
  type Cells,
} from './tables.js'
import { renderCostLine } from './text.js'
import { runVerdict } from './verdict.js'

/**
 * How a cell is coloured, by its column: losses orange when any, red from a tenth; a ledger that
 * lost or doubled anything red; nothing lost green.
 */
const CELL_RULES: Readonly<Record<string, (value: Cell) => string>> = Object.freeze({
  'lost %': (v) => {
    const p = parseFloat(String(v))
    return Number.isNaN(p) ? '' : p === 0 ? 'ok' : p >= 10 ? 'bad' : 'warn'
  },
  context_lost: (v) => (Number(v) > 0 ? 'warn' : ''),
  failed: (v) => (Number(v) > 0 ? 'bad' : ''),
  'ledger lost': (v) => (Number(v) > 0 ? 'bad' : v === 0 ? 'ok' : ''),
  lost: (v) => (Number(v) > 0 ? 'bad' : ''),
  doubled: (v) => (Number(v) > 0 ? 'bad' : ''),
  charged_unconfirmed: (v) => (Number(v) > 0 ? 'warn' : ''),
})

function tableHtml({ head, rows }: Cells, className = ''): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')
  const trs = rows
    .map(
      (r) =>
        `<tr>${r
          .map((c, i) => {
            const rule = i === 0 ? undefined : CELL_RULES[head[i] ?? '']
            const cls = rule ? rule(c) : ''
            return `<td${cls ? ` class="${cls}"` : ''}>${escapeHtml(c)}</td>`
          })
          .join('')}</tr>`,
    )
    .join('\n')
  // a wide table scrolls inside its own box instead of pushing the page sideways
  return `<div class="scroll"><table class="${className}"><thead><tr>${th}</tr></thead><tbody>\n${trs}\n</tbody></table></div>`
}

function verdictHtml(s: Summary, tag: 'p' | 'li' = 'p', href?: string): string {
  const v = runVerdict(s)
  const text = escapeHtml(v.headline)
  return `<${tag} class="verdict verdict-${v.tone}">${href ? `<a href="${href}">${text}</a>` : text}</${tag}>`
}

/** the runs side by side, every chart on one scale: what differs is the design, not the axis */
function sideBySideHtml(runs: readonly Summary[], scale: ChartScale): string {
  const cards = runs.map(
    (s, i) =>
      `<div class="run-card"><h3><a href="#run-${i}">${escapeHtml(s.label)}</a></h3>${verdictHtml(s)}${outcomesSvg(s, scale, 460, 200)}${latencySvg(s, scale, 460, 150)}</div>`,
  )
  return `<h2>The runs side by side (same scale)</h2><div class="side-by-side">${cards.join('\n')}</div>`
}

function runHtml(s: Summary, index: number, scale: ChartScale): string {
  const parts: string[] = []
  parts.push(`<section id="run-${index}"><h2>${escapeHtml(s.label)}</h2>`)
  parts.push(verdictHtml(s))
  parts.push(
    `<p class="note">${s.customers} customers · ${formatDurationMs(s.durationMs)} · keep-alive ${s.keepAlive ? 'on' : 'off'}${s.pipelining > 1 ? ` · pipelining ${s.pipelining}` : ''} · started ${escapeHtml(readableTime(s.startedAt))} · target ${escapeHtml(s.target)}</p>`,
  )
  // what a dialogue cost: bytes on the wire and CPU per part (issue 15), when the run measured them
  const cost = renderCostLine(s)
  if (cost) parts.push(`<p class="note cost">${escapeHtml(cost)}</p>`)
  parts.push(`<div class="charts">${outcomesSvg(s, scale)}${latencySvg(s, scale)}</div>`)
  parts.push(tableHtml(outcomesTable(s)), tableHtml(latencyTable(s, readableMs)), tableHtml(endedAtTable(s)))
  const reasons: Cell[][] = Object.entries(s.failedReasons)
  if (reasons.length > 0) parts.push(tableHtml({ head: ['failed because', 'dialogues'], rows: reasons }))
  parts.push(tableHtml(byClerkTable(s)))
  if (membershipChanged(s)) parts.push(tableHtml(clerkArrivalsTable(s)))
  if (s.chaos.length > 0) parts.push(tableHtml(chaosTable(s)))
  if (s.exposure.length > 0) {
    parts.push(
      tableHtml({
        head: ['chaos', 'pinned + open', 'of those lost', 'open after ack', 'of those lost', 'saved by a receipt', 'other lost'],
        rows: s.exposure.map((e) => [e.text, e.exposed, e.exposedLost, e.openAfterAck, e.openAfterAckLost, e.receipted, e.otherLost]),
      }),
    )
  }
  parts.push(s.reconcile ? tableHtml(ledgerTable(s)) : `<p>Ledger not checked: ${escapeHtml(s.reconcileError ?? 'n/a')}</p>`)
  parts.push('</section>')
  return parts.join('\n')
}

const STYLE = `
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1280px;color:#222;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.3rem}h2{font-size:1.2rem;margin-top:2.5rem;border-bottom:1px solid #ddd}
h3{font-size:1rem;margin:.2rem 0}
table{border-collapse:collapse;margin:.8rem 0;font-size:.9rem;font-variant-numeric:tabular-nums}
th,td{border:1px solid #ddd;padding:.25rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}
thead{background:#f0f0f0}
td.ok{background:#e6f5ea}td.warn{background:#fff1d6}td.bad{background:#fde2df;font-weight:700}
table.headline{font-size:.95rem}
div.scroll{overflow-x:auto}
p.note{color:#555;font-size:.9rem}
ul.verdicts{list-style:none;padding:0;margin:.8rem 0}
.verdict{margin:.4rem 0;padding:.4rem .7rem;border-left:6px solid;border-radius:4px;font-weight:700}
.verdict a{color:inherit}
.verdict-good{background:#e6f5ea;border-color:#2e7d32}
.verdict-warn{background:#fff4de;border-color:#b26a00}
.verdict-bad{background:#fde8e6;border-color:#b3261e}
.side-by-side{display:grid;grid-template-columns:repeat(auto-fill,minmax(24rem,1fr));gap:1rem}
.run-card{border:1px solid #ddd;border-radius:6px;padding:.5rem .7rem}
.run-card .verdict{font-size:.85rem}
svg{display:block;margin:.5rem 0;max-width:100%}
`

export function renderHtmlReport(report: LoadtestReport, title = 'clerk-cluster load test'): string {
  const parts: string[] = []
  parts.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>`)
  parts.push(`<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head><body>`)
  parts.push(`<h1>${escapeHtml(title)}</h1>`)
  parts.push(
    `<p class="note">Generated ${escapeHtml(readableTime(report.generatedAt))} on ${report.machine.cores} cores (${escapeHtml(report.machine.platform)}, Node ${escapeHtml(report.machine.node)}, load ${report.machine.loadavg.join(' ')}). Arguments: <code>${escapeHtml(report.command.join(' ') || '(none)')}</code></p>`,
  )
  const scale = sharedScale(report.runs)
  if (report.runs.length > 0) parts.push(`<ul class="verdicts">${report.runs.map((s, i) => verdictHtml(s, 'li', `#run-${i}`)).join('')}</ul>`)
  if (report.kind === 'matrix' && report.runs.length > 0) {
    const matrixRuns = report.keepAlive ? report.runs.slice(0, report.runs.length - report.keepAlive.length) : report.runs
    parts.push('<h2>Session designs under the same load and chaos</h2>')
    parts.push(tableHtml(comparisonTable(matrixRuns, readableMs), 'headline'))
    parts.push(
      '<p class="note">lost % = (context_lost + no_session + failed) / ended dialogues. Ledger: lost = confirmed to the customer but absent from the ledger; doubled = one dialogue charged more than once; charged_unconfirmed = charged although the customer saw a failure.</p>',
    )
  }
  if (report.keepAlive && report.keepAlive.length > 0) {
    parts.push('<h2>Keep-alive against Connection: close</h2>')
    parts.push(
      tableHtml({
        head: ['connections', 'completed/s', 'answers/s', 'answer p50 ms', 'answer p99 ms', 'TIME_WAIT before (machine / proxy port)', 'TIME_WAIT after'],
        rows: report.keepAlive.map((k) => [
          connectionStyle(k.keepAlive),
          k.completedPerSec,
          k.answersPerSec,
          k.answerP50,
          k.answerP99,
          k.timeWaitBefore ? `${k.timeWaitBefore.all} / ${k.timeWaitBefore.port}` : 'n/a',
          k.timeWaitAfter ? `${k.timeWaitAfter.all} / ${k.timeWaitAfter.port}` : 'n/a',
        ]),
      }),
    )
  }
  if (report.scale) {
    const sc = report.scale
    parts.push('<h2>Scale-out: dialogues per second against clerks</h2>')
    parts.push(
      `<p>Each clerk: ${sc.workMs} ms of work per answer, at most ${sc.concurrency} answers at once → at most ${sc.oneClerkCapacity} dialogues/s. ${sc.customers} customers. ${sc.machineCores} cores.</p>`,
    )
    parts.push(scaleSvg(sc))
    parts.push(
      tableHtml({
        head: ['clerks', 'completed/s', 'of linear', 'of nominal', 'p50 ms', 'p99 ms', 'machine cores busy', 'CPU (cores) per process'],
        rows: sc.points.map((p) => [
          p.clerks,
          p.completedPerSec,
          `${Math.round(p.scaling * 100)}%`,
          `${Math.round(p.efficiency * 100)}%`,
          p.dialogueP50,
          p.dialogueP99,
          p.machineBusyCores ?? 'n/a',
          Object.entries(p.cpu)
            .map(([name, c]) => `${name} ${c}`)
            .join(', '),
        ]),
      }),
    )
    parts.push(`<p><strong>${escapeHtml(sc.verdict)}</strong></p>`)
  }
  if (report.runs.length > 1) parts.push(sideBySideHtml(report.runs, scale))
  report.runs.forEach((s, i) => parts.push(runHtml(s, i, scale)))
  parts.push('</body></html>')
  return parts.join('\n') + '\n'
}
