/**
 * The HTML report: one self-contained file (inline CSS and SVG, no script, no CDN, no external
 * file) that opens anywhere, e.g. on a projector without network. Per run a timeline chart (per
 * second: completed, context_lost, failed stacked; chaos events as marked vertical lines) and the
 * tables; for a matrix the comparison table first; for scale-out the dialogues/s-per-clerks chart.
 *
 * @example
 *   writeFileSync('report.html', renderHtmlReport(buildReport('matrix', summaries)))
 */
import type { ScaleReport } from '../analyze/scale-curve.js'
import type { Summary } from '../analyze/summarize.js'
import type { LoadtestReport } from './json.js'
import {
  byClerkTable,
  chaosTable,
  comparisonTable,
  connectionStyle,
  endedAtTable,
  formatDurationMs,
  latencyTable,
  ledgerTable,
  outcomesTable,
  type Cell,
  type Cells,
} from './tables.js'

export function escapeHtml(text: unknown): string {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

const COLORS = { completed: '#2e7d32', context_lost: '#ef6c00', failed: '#c62828', unfinished: '#9e9e9e' } as const
const SERIES = ['completed', 'context_lost', 'failed', 'unfinished'] as const

function tableHtml({ head, rows }: Cells, className = ''): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')
  const trs = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n')
  // a wide table scrolls inside its own box instead of pushing the page sideways
  return `<div class="scroll"><table class="${className}"><thead><tr>${th}</tr></thead><tbody>\n${trs}\n</tbody></table></div>`
}

function niceMax(n: number): number {
  if (n <= 5) return 5
  const magnitude = 10 ** Math.floor(Math.log10(n))
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= n) return step * magnitude
  return 10 * magnitude
}

interface PlotFrame {
  plotW: number
  plotH: number
  /** value → SVG y of the plot area (0 at its bottom, max at its top) */
  y(v: number): number
  /** the plot area's background and five grid lines labelled 0 … max */
  axis: string[]
}

/** the plot area inside the margins of a chart, shared by the timeline and the scale chart */
function plotFrame(width: number, height: number, margin: { left: number; right: number; top: number; bottom: number }, max: number): PlotFrame {
  const { left, top } = margin
  const plotW = width - left - margin.right
  const plotH = height - top - margin.bottom
  const y = (v: number) => top + plotH - (v / max) * plotH
  const axis = [`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="#fafafa" stroke="#ddd"/>`]
  for (let i = 0; i <= 4; i++) {
    const v = (max / 4) * i
    axis.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#e0e0e0"/>`)
    axis.push(`<text x="${left - 4}" y="${y(v) + 4}" text-anchor="end" font-size="10">${Math.round(v)}</text>`)
  }
  return { plotW, plotH, y, axis }
}

/** Stacked bars per second with chaos events marked; pure SVG text. */
export function timelineSvg(s: Summary, width = 900, height = 240): string {
  const left = 44
  const top = 30
  const bottom = 28
  const seconds = Math.max(1, s.timeline.length)
  const totals = s.timeline.map((t) => t.completed + t.context_lost + t.failed + t.unfinished)
  const max = niceMax(Math.max(1, ...totals))
  const { plotW, plotH, y, axis } = plotFrame(width, height, { left, right: 12, top, bottom }, max)
  const barW = plotW / seconds
  const parts: string[] = []
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="timeline of ${escapeHtml(s.label)}">`)
  parts.push(...axis)
  s.timeline.forEach((t, i) => {
    let base = 0
    for (const key of SERIES) {
      const v = t[key]
      if (v <= 0) continue
      const x = left + i * barW + 0.5
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${y(base + v).toFixed(1)}" width="${Math.max(1, barW - 1).toFixed(1)}" height="${((v / max) * plotH).toFixed(1)}" fill="${COLORS[key]}"><title>${t.second}s: ${v} ${key}</title></rect>`,
      )
      base += v
    }
  })
  const tickEvery = Math.max(1, Math.ceil(seconds / 15))
  for (let sec = 0; sec <= seconds; sec += tickEvery) {
    const x = left + sec * barW
    parts.push(`<text x="${x.toFixed(1)}" y="${height - bottom + 14}" text-anchor="middle" font-size="10">${sec}s</text>`)
  }
  s.chaos.forEach((c, i) => {
    const x = left + (c.offsetMs / 1000) * barW
    const labelY = top - 6 - (i % 2) * 12
    parts.push(`<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${top - 4}" y2="${top + plotH}" stroke="#6a1b9a" stroke-width="2" stroke-dasharray="4 3"/>`)
    parts.push(`<text x="${(x + 3).toFixed(1)}" y="${labelY + 16}" font-size="10" fill="#6a1b9a">${escapeHtml(c.text.replace(/^--/, ''))}</text>`)
  })
  parts.push(
    `<text x="${left}" y="${height - 2}" font-size="10" fill="#555">dialogues ended per second · ${SERIES.map((k) => `<tspan fill="${COLORS[k]}">■ ${k}</tspan>`).join(' ')} · <tspan fill="#6a1b9a">┊ chaos</tspan></text>`,
  )
  parts.push('</svg>')
  return parts.join('\n')
}

function runHtml(s: Summary, index: number): string {
  const parts: string[] = []
  parts.push(`<section id="run-${index}"><h2>${escapeHtml(s.label)}</h2>`)
  parts.push(
    `<p>${s.customers} customers · ${formatDurationMs(s.durationMs)} · keep-alive ${s.keepAlive ? 'on' : 'off'}${s.pipelining > 1 ? ` · pipelining ${s.pipelining}` : ''} · started ${escapeHtml(s.startedAt)} · target ${escapeHtml(s.target)}</p>`,
  )
  parts.push(timelineSvg(s))
  parts.push(tableHtml(outcomesTable(s)), tableHtml(latencyTable(s)), tableHtml(endedAtTable(s)))
  const reasons: Cell[][] = Object.entries(s.failedReasons)
  if (reasons.length > 0) parts.push(tableHtml({ head: ['failed because', 'dialogues'], rows: reasons }))
  parts.push(tableHtml(byClerkTable(s)))
  if (s.chaos.length > 0) parts.push(tableHtml(chaosTable(s)))
  if (s.exposure.length > 0) {
    parts.push(
      tableHtml({
        head: ['chaos', 'pinned + open', 'of those lost', 'open after ack', 'of those lost', 'other lost'],
        rows: s.exposure.map((e) => [e.text, e.exposed, e.exposedLost, e.openAfterAck, e.openAfterAckLost, e.otherLost]),
      }),
    )
  }
  parts.push(s.reconcile ? tableHtml(ledgerTable(s)) : `<p>Ledger not checked: ${escapeHtml(s.reconcileError ?? 'n/a')}</p>`)
  parts.push('</section>')
  return parts.join('\n')
}

/** dialogues/s against clerks, with the ideal line (clerks × one clerk's capacity) */
export function scaleSvg(scale: ScaleReport, width = 640, height = 280): string {
  const left = 50
  const bottom = 40
  const n = Math.max(1, ...scale.points.map((p) => p.clerks))
  const ideal = scale.points.map((p) => p.clerks * scale.oneClerkCapacity)
  const max = niceMax(Math.max(1, ...scale.points.map((p) => p.completedPerSec), ...ideal))
  const { plotW, y, axis } = plotFrame(width, height, { left, right: 20, top: 20, bottom }, max)
  const x = (clerks: number) => left + (n === 1 ? plotW / 2 : ((clerks - 1) / (n - 1)) * plotW)
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" role="img" aria-label="dialogues per second against clerks">`,
    ...axis,
  ]
  const line = (values: { clerks: number; v: number }[], color: string, dash = '') =>
    `<polyline fill="none" stroke="${color}" stroke-width="2" ${dash ? `stroke-dasharray="${dash}"` : ''} points="${values.map((p) => `${x(p.clerks).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ')}"/>`
  parts.push(
    line(
      scale.points.map((p) => ({ clerks: p.clerks, v: p.clerks * scale.oneClerkCapacity })),
      '#9e9e9e',
      '5 4',
    ),
  )
  parts.push(
    line(
      scale.points.map((p) => ({ clerks: p.clerks, v: p.completedPerSec })),
      '#1565c0',
    ),
  )
  for (const p of scale.points) {
    parts.push(
      `<circle cx="${x(p.clerks).toFixed(1)}" cy="${y(p.completedPerSec).toFixed(1)}" r="4" fill="#1565c0"><title>${p.clerks} clerks: ${p.completedPerSec} dialogues/s</title></circle>`,
    )
    parts.push(`<text x="${x(p.clerks).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle" font-size="11">${p.clerks}</text>`)
  }
  parts.push(
    `<text x="${left + plotW / 2}" y="${height - 6}" text-anchor="middle" font-size="11">clerks · <tspan fill="#1565c0">━ completed dialogues/s</tspan> · <tspan fill="#9e9e9e">┅ clerks × one clerk's capacity</tspan></text>`,
  )
  parts.push('</svg>')
  return parts.join('\n')
}

const STYLE = `
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1280px;color:#222;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2.5rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.8rem 0;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.25rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}
thead{background:#f0f0f0}
table.headline{font-size:.95rem}
div.scroll{overflow-x:auto}
p.note{color:#555;font-size:.9rem}
svg{display:block;margin:.5rem 0}
`

export function renderHtmlReport(report: LoadtestReport, title = 'clerk-cluster load test'): string {
  const parts: string[] = []
  parts.push(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>`)
  parts.push(`<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head><body>`)
  parts.push(`<h1>${escapeHtml(title)}</h1>`)
  parts.push(
    `<p class="note">Generated ${escapeHtml(report.generatedAt)} on ${report.machine.cores} cores (${escapeHtml(report.machine.platform)}, Node ${escapeHtml(report.machine.node)}, load ${report.machine.loadavg.join(' ')}). Arguments: <code>${escapeHtml(report.command.join(' ') || '(none)')}</code></p>`,
  )
  if (report.kind === 'matrix' && report.runs.length > 0) {
    const matrixRuns = report.keepAlive ? report.runs.slice(0, report.runs.length - report.keepAlive.length) : report.runs
    parts.push('<h2>Session designs under the same load and chaos</h2>')
    parts.push(tableHtml(comparisonTable(matrixRuns), 'headline'))
    parts.push(
      '<p class="note">lost % = (context_lost + failed) / ended dialogues. Ledger: lost = confirmed to the customer but absent from the ledger; doubled = one dialogue charged more than once; charged_unconfirmed = charged although the customer saw a failure.</p>',
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
  report.runs.forEach((s, i) => parts.push(runHtml(s, i)))
  parts.push('</body></html>')
  return parts.join('\n') + '\n'
}
