// A small time-series chart on a canvas, no library: one line per clerk over the last few minutes
// and dashed vertical lines for chaos/policy/drain/health events. It redraws from the store's data
// each time; nothing is kept between draws except the canvas itself.
import { colorOf } from './clerk-colors.js'

const MARKER_COLORS = { chaos: '#B3261E', policy: '#1D4ED8', drain: '#8A6100', health: '#555555', loadtest: '#6B4C9A' }
const INK = '#1a1a1a'
const GRID = '#d9d9d2'
const PAD = { left: 54, right: 14, top: 36, bottom: 30 } // CSS px
const MIN_WINDOW_MS = 60_000 // 1 min
const FONT = '600 14px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'

/**
 * @param {HTMLCanvasElement} canvas
 * @param {{ valueKey: 'rps'|'eps', windowMs: number, minTop: number, emptyText: string }} options
 */
export function createLineChart(canvas, { valueKey, windowMs, minTop, emptyText }) {
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

    const series = [...state.history.entries()]
    const newest = Math.max(0, ...series.map(([, points]) => points.at(-1)?.t ?? 0))
    const oldest = Math.min(Infinity, ...series.map(([, points]) => points[0]?.t ?? Infinity))
    const now = newest || Date.now()
    // the window grows with the data, from 1 min up to `windowMs`, so the first minute of a demo
    // is not squeezed against the right edge
    const span = Number.isFinite(oldest) ? Math.min(windowMs, Math.max(MIN_WINDOW_MS, now - oldest)) : MIN_WINDOW_MS
    const from = now - span
    let max = 0
    for (const [, points] of series) for (const p of points) if (p.t >= from) max = Math.max(max, p[valueKey])
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
      ctx.fillText(formatTick(v), PAD.left - 8, yy)
    }
    ctx.textAlign = 'center'
    ctx.textBaseline = 'top'
    const tickMs = span <= 60_000 ? 15_000 : span <= 120_000 ? 30_000 : 60_000
    for (let ago = 0; ago <= span; ago += tickMs) {
      const label = ago === 0 ? 'now' : ago % 60_000 === 0 ? `−${ago / 60_000} min` : `−${ago / 1000} s`
      ctx.fillText(label, Math.max(PAD.left + 20, Math.min(x(now - ago), PAD.left + plotW - 16)), PAD.top + plotH + 8)
    }

    // event markers first, so the data lines stay on top. Labels go in two rows above the plot;
    // a label that would overlap another is left out (its line stays), so bursts stay readable.
    const rowEnds = [-Infinity, -Infinity]
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
      const label = m.label.length > 24 ? `${m.label.slice(0, 23)}…` : m.label
      const textW = ctx.measureText(label).width
      const start = xx + 4 + textW <= width - PAD.right ? xx + 4 : xx - 4 - textW
      const row = rowEnds.findIndex((end) => start > end + 8)
      if (row === -1) continue
      rowEnds[row] = start + textW
      ctx.fillStyle = color
      ctx.fillText(label, start, 2 + row * 15)
    }

    // one line per clerk
    ctx.lineWidth = 3
    ctx.lineJoin = 'round'
    let drawn = 0
    for (const [id, points] of series) {
      const visible = points.filter((p) => p.t >= from)
      if (visible.length === 0) continue
      ctx.strokeStyle = colorOf(id)
      ctx.beginPath()
      visible.forEach((p, i) => (i === 0 ? ctx.moveTo(x(p.t), y(p[valueKey])) : ctx.lineTo(x(p.t), y(p[valueKey]))))
      ctx.stroke()
      drawn++
    }
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
