/**
 * The HTML report's charts as SVG text (no script, so the report stays one self-contained file
 * that opens anywhere, prints, and runs nothing). Each chart takes its scale from outside, so the
 * runs of a matrix can share one: the same seconds across and the same maximum up.
 *
 * @example
 *   const scale = sharedScale(summaries)
 *   outcomesSvg(summary, scale) + latencySvg(summary, scale)
 */
import type { ScaleReport } from '../analyze/scale-curve.js'
import type { ChaosMark, Summary } from '../analyze/summarize.js'

export function escapeHtml(text: unknown): string {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

export const OUTCOME_COLORS = { completed: '#2e7d32', context_lost: '#ef6c00', failed: '#c62828', unfinished: '#9e9e9e' } as const
const SERIES = ['completed', 'context_lost', 'failed', 'unfinished'] as const
const CHAOS_COLOR = '#6a1b9a'
const P50_COLOR = '#1565c0'
const P99_COLOR = '#ad1457'
const CHAR_W = 5.6 // px per character of a 10 px label, near enough to keep labels apart

export interface ChartScale {
  /** seconds across (the longest run's) */
  seconds: number
  /** dialogues per second up */
  outcomesMax: number
  /** ms up */
  latencyMax: number
}

export function niceMax(n: number): number {
  if (n <= 5) return 5
  const magnitude = 10 ** Math.floor(Math.log10(n))
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= n) return step * magnitude
  return 10 * magnitude
}

/** one scale for every run given: a matrix's charts then compare by eye */
export function sharedScale(runs: readonly Summary[]): ChartScale {
  const all = runs.flatMap((s) => s.timeline)
  return {
    seconds: Math.max(1, ...runs.map((s) => s.timeline.length)),
    outcomesMax: niceMax(Math.max(1, ...all.map((t) => t.completed + t.context_lost + t.failed + t.unfinished))),
    latencyMax: niceMax(Math.max(1, ...all.map((t) => t.p99Ms ?? 0))),
  }
}

interface Frame {
  left: number
  top: number
  plotW: number
  plotH: number
  y(v: number): number
  x(second: number): number
  parts: string[]
}

/**
 * The chart's box: title row, chaos labels placed in as many rows as they need so none overlap,
 * the plot area with five labelled grid lines, seconds along the bottom.
 */
function frame(title: string, chaos: readonly ChaosMark[], scale: { seconds: number; max: number }, width: number, height: number, unit: string, secondsAxis = true): Frame {
  const left = 46
  const right = 12
  const bottom = 22
  const plotW = width - left - right
  const x = (second: number) => left + (second / scale.seconds) * plotW
  // chaos labels, greedily in the first row where they fit after the previous one
  const rowEnds: number[] = []
  const labels = chaos.map((c) => {
    const text = c.text.replace(/^--/, '')
    const at = x(c.offsetMs / 1000)
    const widthPx = text.length * CHAR_W + 6
    let row = rowEnds.findIndex((end) => end < at)
    if (row === -1) row = rowEnds.push(0) - 1
    rowEnds[row] = at + widthPx
    return { text, at, row }
  })
  const top = 20 + rowEnds.length * 12
  const plotH = Math.max(40, height - top - bottom)
  const y = (v: number) => top + plotH - (Math.min(v, scale.max) / scale.max) * plotH
  const parts = [
    `<text x="${left}" y="13" font-size="11" font-weight="700" fill="#333">${escapeHtml(title)}</text>`,
    `<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="#fafafa" stroke="#ddd"/>`,
  ]
  for (let i = 0; i <= 4; i++) {
    const v = (scale.max / 4) * i
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e6e6e6"/>`)
    const label = Number.isInteger(v) ? String(v) : v.toFixed(1)
    parts.push(`<text x="${left - 4}" y="${(y(v) + 3.5).toFixed(1)}" text-anchor="end" font-size="10" fill="#555">${label}${i === 4 ? ` ${unit}` : ''}</text>`)
  }
  const tickEvery = Math.max(1, Math.ceil(scale.seconds / 12))
  for (let sec = 0; secondsAxis && sec <= scale.seconds; sec += tickEvery) {
    parts.push(`<text x="${x(sec).toFixed(1)}" y="${top + plotH + 14}" text-anchor="middle" font-size="10" fill="#555">${sec}s</text>`)
  }
  for (const l of labels) {
    parts.push(`<line x1="${l.at.toFixed(1)}" x2="${l.at.toFixed(1)}" y1="${top - 2}" y2="${top + plotH}" stroke="${CHAOS_COLOR}" stroke-width="1.5" stroke-dasharray="4 3"/>`)
    parts.push(`<text x="${(l.at + 3).toFixed(1)}" y="${top - 4 - l.row * 12}" font-size="10" fill="${CHAOS_COLOR}">${escapeHtml(l.text)}</text>`)
  }
  return { left, top, plotW, plotH, y, x, parts }
}

function svg(label: string, width: number, height: number, body: string[], legend: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height + 16}" width="100%" role="img" aria-label="${escapeHtml(label)}">`,
    ...body,
    `<text x="46" y="${height + 12}" font-size="10" fill="#555">${legend}</text>`,
    '</svg>',
  ].join('\n')
}

/** dialogues ended per second, stacked by outcome, chaos marked */
export function outcomesSvg(s: Summary, scale: ChartScale, width = 900, height = 220): string {
  const f = frame('Dialogues ended per second', s.chaos, { seconds: scale.seconds, max: scale.outcomesMax }, width, height, '/s')
  const barW = f.plotW / scale.seconds
  s.timeline.forEach((t, i) => {
    let base = 0
    for (const key of SERIES) {
      const v = t[key]
      if (v <= 0) continue
      const x = f.x(i) + 0.5
      f.parts.push(
        `<rect class="bar-${key}" x="${x.toFixed(1)}" y="${f.y(base + v).toFixed(1)}" width="${Math.max(1, barW - 1).toFixed(1)}" height="${(f.y(base) - f.y(base + v)).toFixed(1)}" fill="${OUTCOME_COLORS[key]}"><title>${t.second}s: ${v} ${key}</title></rect>`,
      )
      base += v
    }
  })
  const legend = `${SERIES.map((k) => `<tspan fill="${OUTCOME_COLORS[k]}">■ ${k}</tspan>`).join('  ')}  <tspan fill="${CHAOS_COLOR}">┊ chaos</tspan>`
  return svg(`dialogues per second of ${s.label}`, width, height, f.parts, legend)
}

/** p50 and p99 of whole completed dialogues, per second of their end; gaps where none completed */
export function latencySvg(s: Summary, scale: ChartScale, width = 900, height = 170): string {
  const f = frame('Dialogue latency (completed dialogues, by the second they ended)', s.chaos, { seconds: scale.seconds, max: scale.latencyMax }, width, height, 'ms')
  const line = (key: 'p50Ms' | 'p99Ms', color: string, dash: string) => {
    // one polyline per stretch of seconds with completions: a second without any is a gap, not a 0
    let run: string[] = []
    const flush = () => {
      if (run.length === 1) f.parts.push(`<circle cx="${run[0]?.split(',')[0]}" cy="${run[0]?.split(',')[1]}" r="2" fill="${color}"/>`)
      else if (run.length > 1) f.parts.push(`<polyline class="line-${key}" fill="none" stroke="${color}" stroke-width="2" ${dash} points="${run.join(' ')}"/>`)
      run = []
    }
    s.timeline.forEach((t, i) => {
      if (t.completed > 0 && t[key] !== undefined) run.push(`${f.x(i + 0.5).toFixed(1)},${f.y(t[key]).toFixed(1)}`)
      else flush()
    })
    flush()
  }
  line('p99Ms', P99_COLOR, 'stroke-dasharray="5 3"')
  line('p50Ms', P50_COLOR, '')
  const legend = `<tspan fill="${P50_COLOR}">━ p50</tspan>  <tspan fill="${P99_COLOR}">┅ p99</tspan>  (ms; above ${scale.latencyMax} ms drawn at the top)  <tspan fill="${CHAOS_COLOR}">┊ chaos</tspan>`
  return svg(`dialogue latency of ${s.label}`, width, height, f.parts, legend)
}

/** dialogues/s against clerks, with the ideal line (clerks × one clerk's capacity) */
export function scaleSvg(scale: ScaleReport, width = 640, height = 280): string {
  const n = Math.max(1, ...scale.points.map((p) => p.clerks))
  const ideal = scale.points.map((p) => p.clerks * scale.oneClerkCapacity)
  const max = niceMax(Math.max(1, ...scale.points.map((p) => p.completedPerSec), ...ideal))
  const f = frame('Completed dialogues per second, by clerks', [], { seconds: 1, max }, width, height, '/s', false)
  const x = (clerks: number) => f.left + (n === 1 ? f.plotW / 2 : ((clerks - 1) / (n - 1)) * f.plotW)
  const parts = f.parts
  const line = (values: { clerks: number; v: number }[], color: string, dash = '') =>
    `<polyline fill="none" stroke="${color}" stroke-width="2" ${dash ? `stroke-dasharray="${dash}"` : ''} points="${values.map((p) => `${x(p.clerks).toFixed(1)},${f.y(p.v).toFixed(1)}`).join(' ')}"/>`
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
      P50_COLOR,
    ),
  )
  for (const p of scale.points) {
    parts.push(
      `<circle cx="${x(p.clerks).toFixed(1)}" cy="${f.y(p.completedPerSec).toFixed(1)}" r="4" fill="${P50_COLOR}"><title>${p.clerks} clerks: ${p.completedPerSec} dialogues/s</title></circle>`,
    )
    parts.push(`<text x="${x(p.clerks).toFixed(1)}" y="${f.top + f.plotH + 14}" text-anchor="middle" font-size="11">${p.clerks}</text>`)
  }
  return svg(
    'dialogues per second against clerks',
    width,
    height,
    parts,
    `clerks  <tspan fill="${P50_COLOR}">━ completed dialogues/s</tspan>  <tspan fill="#9e9e9e">┅ clerks × one clerk's capacity</tspan>`,
  )
}
