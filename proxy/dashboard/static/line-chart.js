// A small time-series chart on a canvas, no library: one line per series (a clerk, or a mode's
// outcome) over the last few minutes and dashed vertical lines for chaos/policy/drain/health
// events. It redraws from the store's data each time; nothing is kept between draws except the
// canvas itself. (A library such as uPlot was weighed: this one already had the marker lanes, and
// the page has no build step.)
import { colorOf } from './clerk-colors.js'

const MARKER_COLORS = { chaos: '#B3261E', policy: '#1D4ED8', drain: '#8A6100', health: '#555555', loadtest: '#6B4C9A' }
const INK = '#1a1a1a'
const GRID = '#d9d9d2'
const WIDE_PAD = { left: 54, right: 14, top: 36, bottom: 30 } // CSS px
const COMPACT_PAD = { left: 34, right: 8, top: 18, bottom: 18 } // CSS px: a chart under a chat column
const MIN_WINDOW_MS = 60_000 // 1 min
const WIDE_FONT = '600 14px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'
const SMALL_FONT = '600 11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'

/** the clerks' lines: one per clerk of state.history, its value under `valueKey` */
export const clerkSeries = (valueKey) => (state) => [...state.history.entries()].map(([id, points]) => ({ color: colorOf(id), points, value: (p) => p[valueKey] }))

/**
 * @param {HTMLCanvasElement} canvas
 * @param {{ series: (state: object) => Array<{ color: string, points: Array<{ t: number }>, value: (p: object) => number, dash?: number[] }>,
 *           windowMs: number, minTop: number, emptyText: string, compact?: boolean }} options
 */
export function createLineChart(canvas, { series: seriesOf, windowMs, minTop, emptyText, compact = false }) {
  const PAD = compact ? COMPACT_PAD : WIDE_PAD
  const FONT = compact ? SMALL_FONT : WIDE_FONT
  let pending = false
  let last = null

  // keep the canvas's pixel grid equal to the device's, so lines stay crisp on a projector
  const resize = new ResizeObserver(() => last && draw(last))
  resize.observe(canvas.parentElement)

  function schedule(state) {
    last = state
    if (pending) return
    pending = true
    requestAnimationFrame(() => {
      pending = false
      draw(last)
    })
  }

  function draw(state) {
    const dpr = window.devicePixelRatio || 1
    const width = canvas.parentElement.clientWidth
    const height = canvas.parentElement.clientHeight
    if (width === 0 || height === 0) return
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr)
      canvas.height = Math.round(height * dpr)
    }
    const ctx = canvas.getContext('2d')
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
    ctx.clearRect(0, 0, width, height)
    ctx.font = FONT

    const series = seriesOf(state)
    const newest = Math.max(0, ...series.map(({ points }) => points.at(-1)?.t ?? 0))
    const oldest = Math.min(Infinity, ...series.map(({ points }) => points[0]?.t ?? Infinity))
    const now = newest || Date.now()
    // the window grows with the data, from 1 min up to `windowMs`, so the first minute of a demo
    // is not squeezed against the right edge
    const span = Number.isFinite(oldest) ? Math.min(windowMs, Math.max(MIN_WINDOW_MS, now - oldest)) : MIN_WINDOW_MS
    const from = now - span
    let max = 0
    for (const { points, value } of series) for (const p of points) if (p.t >= from) max = Math.max(max, value(p))
    const { top, step } = yScale(Math.max(max, minTop))

    const plotW = width - PAD.left - PAD.right
    const plotH = height - PAD.top - PAD.bottom
    const x = (t) => PAD.left + ((t - from) / span) * plotW
    const y = (v) => PAD.top + plotH - (v / top) * plotH

    // grid and axis labels
    ctx.strokeStyle = GRID
    ctx.lineWidth = 1
    ctx.fillStyle = INK
    ctx.textAlign = 'right'
    ctx.textBaseline = 'middle'
    for (let v = 0; v <= top + step / 2; v += step) {
      const yy = Math.round(y(v)) + 0.5
      ctx.beginPath()
      ctx.moveTo(PAD.left, yy)
      ctx.lineTo(PAD.left + plotW, yy)
      ctx.stroke()
      // a compact chart is too short for every label: only zero and the top
      if (!compact || v === 0 || v + step / 2 > top) ctx.fillText(formatTick(v), PAD.left - (compact ? 4 : 8), yy)
    }
    ctx.textAlign = 'center'
    ctx.textBaseline = 'top'
    // time labels: each one only where it does not touch the one to its right (no collisions on a narrow chart)
    const tickMs = span <= 60_000 ? 15_000 : span <= 120_000 ? 30_000 : 60_000
    let leftmost = Infinity
    for (let ago = 0; ago <= span; ago += tickMs) {
      const label = ago === 0 ? 'now' : ago % 60_000 === 0 ? `−${ago / 60_000} min` : `−${ago / 1000} s`
      const w = ctx.measureText(label).width
      const cx = Math.max(PAD.left + w / 2, Math.min(x(now - ago), PAD.left + plotW - w / 2))
      if (cx + w / 2 + 6 > leftmost) continue
      leftmost = cx - w / 2
      ctx.fillText(label, cx, PAD.top + plotH + (compact ? 3 : 8))
    }

    // event markers first, so the data lines stay on top. Labels go in rows above the plot (one on a
    // compact chart); a label that would overlap another is left out (its line stays), so bursts stay
    // readable. A marker repeated within seconds is one line labelled "×N" (store.js merges them).
    const rowEnds = compact ? [-Infinity] : [-Infinity, -Infinity]
    ctx.textBaseline = 'top'
    ctx.textAlign = 'left'
    for (const m of state.markers) {
      if (m.t < from) continue
      const xx = Math.round(x(m.t)) + 0.5
      const color = MARKER_COLORS[m.kind] ?? INK
      ctx.strokeStyle = color
      ctx.lineWidth = 2
      ctx.setLineDash([6, 5])
      ctx.beginPath()
      ctx.moveTo(xx, PAD.top - 2)
      ctx.lineTo(xx, PAD.top + plotH)
      ctx.stroke()
      ctx.setLineDash([])
      const full = m.count > 1 ? `${m.label} ×${m.count}` : m.label
      const label = full.length > 24 ? `${full.slice(0, 23)}…` : full
      const textW = ctx.measureText(label).width
      // right of its line, else left of it, else as far left as the chart allows (never cut off)
      const start = xx + 4 + textW <= width - PAD.right ? xx + 4 : Math.max(2, xx - 4 - textW)
      const row = rowEnds.findIndex((end) => start > end + 8)
      if (row === -1) continue
      rowEnds[row] = start + textW
      ctx.fillStyle = color
      ctx.fillText(label, start, 2 + row * (compact ? 12 : 15))
    }

    // one line per series, the first the widest: lines that coincide (three clerks with the same
    // rate) show as nested stripes instead of the last one hiding the others
    ctx.lineJoin = 'round'
    let drawn = 0
    series.forEach(({ color, points, value, dash }, index) => {
      const visible = points.filter((p) => p.t >= from)
      if (visible.length === 0) return
      ctx.lineWidth = (compact ? 1.5 : 2.5) + 2 * Math.max(0, series.length - 1 - index)
      ctx.strokeStyle = color
      ctx.setLineDash(dash ?? [])
      ctx.beginPath()
      visible.forEach((p, i) => (i === 0 ? ctx.moveTo(x(p.t), y(value(p))) : ctx.lineTo(x(p.t), y(value(p)))))
      ctx.stroke()
      ctx.setLineDash([])
      drawn++
    })
    if (drawn === 0) {
      ctx.fillStyle = '#555'
      ctx.textAlign = 'center'
      ctx.textBaseline = 'middle'
      ctx.fillText(emptyText, PAD.left + plotW / 2, PAD.top + plotH / 2)
    }
  }

  return { schedule }
}

/** gridlines every 1-2-5 × 10^k, at most 5 of them above zero, the top one at or above `max` */
export function yScale(max) {
  const rough = max / 4
  const exp = 10 ** Math.floor(Math.log10(rough))
  const step = [1, 2, 5, 10].map((m) => m * exp).find((s) => s >= rough) ?? 10 * exp
  return { top: Math.ceil(max / step - 1e-9) * step, step }
}

function formatTick(v) {
  return Number.isInteger(Math.round(v * 1000) / 1000) ? String(Math.round(v)) : v.toFixed(1)
}
