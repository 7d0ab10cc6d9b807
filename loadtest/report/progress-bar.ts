/**
 * The load test's live progress on stderr. On a terminal: one bar (cli-progress) redrawn in place,
 * with percentage, ETA and the outcome counts, cut to the terminal's width (a narrow one drops
 * the counts, then the bar) and with line wrapping off, so a narrow window never fills with
 * debris. Not a terminal (a pipe, a CI log): one plain line every 5 s and one at the end, a record
 * rather than a flood.
 *
 * @example
 *   const progress = createProgressBar({ label: 'stateful + sticky', durationMs: 10_000 })
 *   progress.update(p)          // once a second, from runLoad's onProgress
 *   progress.log('chaos --kill clerk-b@3s: done')
 *   progress.done()
 */
import cliProgress from 'cli-progress'
import type { RunProgress } from '../run/run-load.js'
import { formatDurationMs } from './tables.js'

const PLAIN_EVERY_MS = 5_000 // 5 s between plain lines when stderr is not a terminal
const STEPS = 1000 // the bar's resolution: 0.1 %

export interface ProgressBounds {
  label: string
  /** the run's time bound, ms (undefined: bounded by dialogues only) */
  durationMs?: number | undefined
  /** the run's dialogue bound (undefined: bounded by time only) */
  dialogues?: number | undefined
}

export interface ProgressBar {
  update(p: RunProgress): void
  /** a line above the bar (chaos fired …), the bar redrawn below it */
  log(line: string): void
  done(): void
}

/** how far the run is, 0..1: the nearer of its bounds */
export function progressFraction(bounds: ProgressBounds, p: RunProgress): number {
  const byTime = bounds.durationMs ? p.elapsedMs / bounds.durationMs : 0
  const byCount = bounds.dialogues ? p.started / bounds.dialogues : 0
  return Math.min(1, Math.max(0, byTime, byCount))
}

/** time left, ms: exact for a time bound, else extrapolated from the pace so far */
export function remainingMs(bounds: ProgressBounds, p: RunProgress): number | undefined {
  const fraction = progressFraction(bounds, p)
  const byTime = bounds.durationMs ? Math.max(0, bounds.durationMs - p.elapsedMs) : Infinity
  const byPace = fraction > 0 ? (p.elapsedMs * (1 - fraction)) / fraction : Infinity
  const left = Math.min(byTime, byPace)
  return Number.isFinite(left) ? left : undefined
}

function countsText(p: RunProgress): string {
  return `ok ${p.counts.completed} lost ${p.counts.context_lost} failed ${p.counts.failed} · ${p.dialoguesPerSec}/s`
}

/**
 * One line of at most `width` columns: label, bar, percentage, ETA, counts. Parts are dropped from
 * the right end of the priority list when the width is short: counts first, then the bar.
 */
export function progressLine(bounds: ProgressBounds, p: RunProgress, width: number): string {
  const fraction = progressFraction(bounds, p)
  const percent = `${String(Math.floor(fraction * 100)).padStart(3)}%`
  const left = remainingMs(bounds, p)
  const eta = `ETA ${left === undefined ? '?' : formatDurationMs(left)}`
  const head = `${bounds.label} ${formatDurationMs(p.elapsedMs).padStart(5)}`
  const tail = `${percent} ${eta}`
  const counts = countsText(p)
  const bar = (size: number) => {
    const full = Math.round(fraction * size)
    return `[${'█'.repeat(full)}${'░'.repeat(size - full)}]`
  }
  // with counts and a bar of 12 to 40 cells; else without counts, a bar of 8 or more; else neither
  const withCounts = width - `${head}  ${tail}  ${counts}`.length - 3
  if (withCounts >= 12) return `${head} ${bar(Math.min(40, withCounts))} ${tail}  ${counts}`
  const withoutCounts = width - `${head}  ${tail}`.length - 3
  if (withoutCounts >= 8) return `${head} ${bar(Math.min(40, withoutCounts))} ${tail}`
  const short = `${head} ${tail}`
  return short.length <= width ? short : short.slice(0, Math.max(1, width))
}

export function createProgressBar(bounds: ProgressBounds, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  if (!stream.isTTY) return plainProgress(bounds, stream)
  let last: RunProgress | undefined
  let bar: cliProgress.SingleBar | undefined
  const width = () => Math.max(20, (stream.columns || 80) - 1) // the last column would wrap on some terminals
  const start = () => {
    bar = new cliProgress.SingleBar({
      stream,
      format: () => (last ? progressLine(bounds, last, width()) : bounds.label),
      hideCursor: true,
      linewrap: false, // autowrap off while drawing: an overlong line is cut, never wrapped into debris
      gracefulExit: false, // Ctrl-C keeps its meaning; the run's own cleanup stops the bar
      clearOnComplete: false,
      fps: 4,
    })
    bar.start(STEPS, 0)
  }
  return {
    update(p) {
      last = p
      if (!bar) start()
      bar?.update(Math.round(progressFraction(bounds, p) * STEPS))
    },
    log(line) {
      if (bar) {
        bar.stop()
        bar = undefined
      }
      stream.write(`${line}\n`)
    },
    done() {
      if (!bar) return
      bar.update(last ? Math.round(progressFraction(bounds, last) * STEPS) : 0)
      bar.stop()
      bar = undefined
    },
  }
}

function plainProgress(bounds: ProgressBounds, stream: NodeJS.WritableStream): ProgressBar {
  let last: RunProgress | undefined
  let printedAt = -Infinity
  let printedLast: RunProgress | undefined
  const print = (p: RunProgress) => {
    stream.write(`${progressLine(bounds, p, 200)}\n`)
    printedAt = p.elapsedMs
    printedLast = p
  }
  return {
    update(p) {
      last = p
      if (p.elapsedMs - printedAt >= PLAIN_EVERY_MS) print(p)
    },
    log(line) {
      stream.write(`${line}\n`)
    },
    done() {
      if (last && last !== printedLast) print(last)
    },
  }
}
