// A small time-series chart on a canvas, no library: one line per clerk over the last few minutes
// and dashed vertical lines for chaos/policy/drain/health events. It redraws from the store's data
// each time; nothing is kept between draws except the canvas itself.
import { colorOf } from './clerk-colors.js'

const MARKER_COLORS = { chaos: '#B3261E', policy: '#1D4ED8', drain: '#8A6100', health: '#555555' }
const INK = '#1a1a1a'
const GRID = '#d9d9d2'
const PAD = { left: 54, right: 14, top: 30, bottom: 30 } // CSS px
const FONT = '600 15px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif'

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
    const now = newest || Date.now()
    const from = now - windowMs
    let top = minTop
    for (const [, points] of series) for (const p of points) if (p.t >= from) top = Math.max(top, p[valueKey])
    top = niceCeil(top)

    const plotW = width - PAD.left - PAD.right
    const plotH = height - PAD.top - PAD.bottom
    const x = (t) => PAD.left + ((t - from) / windowMs) * plotW
    const y = (v) => PAD.top + plotH - (v / top) * plotH

    // grid and axis labels
    ctx.strokeStyle = GRID
    ctx.lineWidth = 1
    ctx.fillStyle = INK
    ctx.textAlign = 'right'
    ctx.textBaseline = 'middle'
    for (let i = 0; i <= 4; i++) {
      const v = (top / 4) * i
      const yy = Math.round(y(v)) + 0.5
      ctx.beginPath()
      ctx.moveTo(PAD.left, yy)
      ctx.lineTo(PAD.left + plotW, yy)
      ctx.stroke()
      ctx.fillText(formatTick(v), PAD.left - 8, yy)
    }
    ctx.textAlign = 'center'
    ctx.textBaseline = 'top'
    const minutes = Math.round(windowMs / 60_000)
    for (let m = minutes; m >= 0; m--) {
      ctx.fillText(m === 0 ? 'now' : `−${m} min`, Math.min(x(now - m * 60_000), PAD.left + plotW - 16), PAD.top + plotH + 8)
    }

    // event markers first, so the data lines stay on top
    let labelRow = 0
    ctx.textBaseline = 'top'
    ctx.textAlign = 'left'
    for (const m of state.markers) {
      if (m.t < from) continue
      const xx = Math.round(x(m.t)) + 0.5
      ctx.strokeStyle = MARKER_COLORS[m.kind] ?? INK
      ctx.lineWidth = 2
      ctx.setLineDash([6, 5])
      ctx.beginPath()
      ctx.moveTo(xx, PAD.top - 4)
      ctx.lineTo(xx, PAD.top + plotH)
      ctx.stroke()
      ctx.setLineDash([])
      ctx.fillStyle = MARKER_COLORS[m.kind] ?? INK
      const label = m.label.length > 22 ? `${m.label.slice(0, 21)}…` : m.label
      const textW = ctx.measureText(label).width
      ctx.fillText(label, Math.min(xx + 4, width - PAD.right - textW), 4 + (labelRow % 2) * 13 - 2)
      labelRow++
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

/** the smallest 1-2-5 × 10^k at or above v, so gridlines land on round numbers */
export function niceCeil(v) {
  if (!(v > 0)) return 1
  const exp = 10 ** Math.floor(Math.log10(v))
  for (const step of [1, 2, 5, 10]) if (step * exp >= v) return step * exp
  return 10 * exp
}

function formatTick(v) {
  return Number.isInteger(v) ? String(v) : v.toFixed(1)
}
