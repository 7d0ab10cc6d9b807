/**
 * What the text and the HTML report both show, as columns and cells, so a column added here shows
 * in both: the workshop's headline table (one row per session design), and the way a duration is
 * written.
 *
 * @example
 *   const rows = summaries.map((s) => comparisonCells(s, (ms) => ms.toFixed(1)))
 *   // ['stateful + sticky', 120, 118, 2, 0, '1.7%', 0, 0, 0, 11.8, '52.0', '180.3']
 */
import type { Summary } from '../analyze/summarize.js'

/** `1500` → `1.5s`, `30000` → `30s`, `250` → `250ms` */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  const s = ms / 1000
  return `${Number.isInteger(s) ? s : s.toFixed(1)}s`
}

export const COMPARISON_COLUMNS: readonly string[] = Object.freeze([
  'mode + policy',
  'dialogues',
  'completed',
  'context_lost',
  'failed',
  'lost %',
  'ledger lost',
  'doubled',
  'charged_unconfirmed',
  'completed/s',
  'p50 ms',
  'p99 ms',
])

/** the cells of one row; `latency` formats the two dialogue latencies (ms) */
export function comparisonCells(s: Summary, latency: (ms: number) => string | number = (ms) => ms): (string | number)[] {
  const r = s.reconcile
  return [
    s.label,
    s.dialogues.total,
    s.dialogues.completed,
    s.dialogues.context_lost,
    s.dialogues.failed,
    `${(s.lossRate * 100).toFixed(1)}%`,
    r ? r.lost : 'n/a',
    r ? r.doubled : 'n/a',
    r ? r.charged_unconfirmed : 'n/a',
    s.dialoguesPerSec,
    latency(s.dialogueLatencyMs.p50),
    latency(s.dialogueLatencyMs.p99),
  ]
}
