/**
 * The workshop's headline table, one row per session design, as columns and cells: the text and
 * the HTML report both render it, so a column added here shows in both.
 *
 * @example
 *   const rows = summaries.map((s) => comparisonCells(s, (ms) => ms.toFixed(1)))
 *   // ['stateful + sticky', 120, 118, 2, 0, '1.7%', 0, 0, 0, 11.8, '52.0', '180.3']
 */
import type { Summary } from './summarize.js'

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
