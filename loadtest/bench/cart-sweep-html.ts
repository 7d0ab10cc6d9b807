/**
 * `npm run bench:clerk -- --items 1,5,20,50 --html FILE`: the cart sweep as one self-contained page
 * (no script, no request): per mode, bytes on the wire, CPU (clerk + Redis) and p50 per dialogue
 * against the cart's size, so a reader sees where carrying the context costs more than a Redis
 * round trip, and the verdict sentences under the charts.
 *
 * @example
 *   writeFileSync('reports/cart.html', renderCartSweepHtml(cartRows(rounds), carryingVerdicts(rows), loadavg()))
 */
import { MODES, type Mode } from '../../services/common/vocabulary.js'
import { escapeHtml, niceMax } from '../report/html-charts.js'
import type { CartRow } from './cart-sweep.js'

// one colour per mode, the same in every chart of this page
const MODE_COLORS: Record<Mode, string> = { stateful: '#6a1b9a', stateless: '#2e7d32', shared: '#ef6c00' }

interface Measure {
  title: string
  unit: string
  value: (row: CartRow) => number
}

const MEASURES: readonly Measure[] = [
  { title: 'Bytes on the wire per dialogue (sent + received)', unit: 'B', value: (r) => r.sentPerDialogue + r.receivedPerDialogue },
  { title: 'CPU per dialogue, clerk + Redis', unit: 'ms', value: (r) => r.cpuMsPerDialogue },
  { title: 'Median answer time (p50)', unit: 'ms', value: (r) => r.p50Ms },
]

/** one line chart: x = products in the cart (evenly spaced, as measured), one line per mode */
export function cartChartSvg(rows: readonly CartRow[], measure: Measure, width = 460, height = 240): string {
  const sizes = [...new Set(rows.map((r) => r.items))]
  const left = 64
  const right = 16
  const top = 28
  const bottom = 44
  const plotW = width - left - right
  const plotH = height - top - bottom
  const max = niceMax(Math.max(0, ...rows.map(measure.value)))
  const x = (items: number) => left + (sizes.length === 1 ? plotW / 2 : (sizes.indexOf(items) / (sizes.length - 1)) * plotW)
  const y = (v: number) => top + plotH - (max === 0 ? 0 : (v / max) * plotH)
  const parts: string[] = [
    `<text x="${left}" y="16" font-size="13" font-weight="600">${escapeHtml(measure.title)}</text>`,
    `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#888"/>`,
    `<text x="${left - 6}" y="${top + 4}" font-size="11" text-anchor="end">${max} ${measure.unit}</text>`,
    `<text x="${left - 6}" y="${top + plotH}" font-size="11" text-anchor="end">0</text>`,
    `<text x="${left + plotW / 2}" y="${height - 6}" font-size="11" text-anchor="middle">products in the cart</text>`,
  ]
  for (const items of sizes) {
    parts.push(`<text x="${x(items).toFixed(1)}" y="${top + plotH + 16}" font-size="11" text-anchor="middle">${items}</text>`)
  }
  for (const mode of MODES) {
    const points = sizes.flatMap((items) => {
      const row = rows.find((r) => r.items === items && r.mode === mode)
      return row ? [{ items, v: measure.value(row) }] : []
    })
    if (points.length === 0) continue
    const color = MODE_COLORS[mode]
    parts.push(
      `<polyline data-mode="${mode}" fill="none" stroke="${color}" stroke-width="2" points="${points.map((p) => `${x(p.items).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ')}"/>`,
    )
    for (const p of points) {
      parts.push(
        `<circle cx="${x(p.items).toFixed(1)}" cy="${y(p.v).toFixed(1)}" r="3.5" fill="${color}"><title>${mode}, ${p.items} products: ${p.v} ${measure.unit}</title></circle>`,
      )
    }
  }
  return `<svg role="img" aria-label="${escapeHtml(measure.title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`
}

export function renderCartSweepHtml(rows: readonly CartRow[], verdicts: readonly string[], loadAverage: readonly number[]): string {
  const legend = MODES.map((m) => `<span style="color:${MODE_COLORS[m]}">━ ${m}</span>`).join(' &nbsp; ')
  const head = ['products', 'mode', 'bytes sent', 'bytes received', 'CPU ms', 'p50 ms', 'p99 ms', 'dialogues/s']
  const body = rows
    .map(
      (r) =>
        `<tr><td>${r.items}</td><td>${r.mode}</td><td>${r.sentPerDialogue}</td><td>${r.receivedPerDialogue}</td><td>${r.cpuMsPerDialogue}</td><td>${r.p50Ms}</td><td>${r.p99Ms}</td><td>${r.dialoguesPerSec}</td></tr>`,
    )
    .join('')
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>clerk-cluster: the cost of carrying state</title>',
    '<meta name="viewport" content="width=device-width, initial-scale=1"><style>',
    'body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222}.charts{display:flex;flex-wrap:wrap;gap:16px}',
    'table{border-collapse:collapse;margin-top:16px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}',
    '</style></head><body>',
    '<h1>The cost of carrying state, as the cart grows</h1>',
    `<p>One clerk per mode (<code>npm run bench:clerk</code>); load average ${escapeHtml(loadAverage.map((n) => n.toFixed(2)).join(' / '))} at the end. ${legend}</p>`,
    `<div class="charts">${MEASURES.map((m) => cartChartSvg(rows, m)).join('')}</div>`,
    `<ul>${verdicts.map((v) => `<li>${escapeHtml(v)}</li>`).join('')}</ul>`,
    `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${body}</tbody></table>`,
    '</body></html>\n',
  ].join('')
}
