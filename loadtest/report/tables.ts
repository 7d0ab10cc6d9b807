/**
 * The tables a run's report shows, as column heads and rows of cells, built once from a Summary:
 * the text report draws them with cli-table3, the HTML report as <table>, so a column added here
 * shows in both. `latency` formats milliseconds (the text rounds them, the HTML shows them as
 * measured). Also the way a duration is written.
 *
 * @example
 *   comparisonTable(summaries, (ms) => ms.toFixed(1)).rows[0]
 *   // ['stateful + sticky', 120, 118, 2, 0, '1.7%', 0, 0, 0, 11.8, '52.0', '180.3']
 */
import { STEPS } from '../../services/common/vocabulary.js'
import type { Summary } from '../analyze/summarize.js'

export type Cell = string | number

export interface Cells {
  readonly head: readonly string[]
  readonly rows: Cell[][]
}

type Latency = (ms: number) => Cell

const asMeasured: Latency = (ms) => ms

/** `1500` → `1.5s`, `30000` → `30s`, `250` → `250ms` */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  const s = ms / 1000
  return `${Number.isInteger(s) ? s : s.toFixed(1)}s`
}

/** milliseconds as the reports print them: `152`, `15.5` (one decimal under 100 ms, none above) */
export function readableMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1)
}

/** `2026-12-05T17:15:00.123Z` → `2026-12-05 17:15:00 UTC` */
export function readableTime(iso: string): string {
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`
}

/** how a run's connections were used, as every report and label names it */
export function connectionStyle(keepAlive: boolean): string {
  return keepAlive ? 'keep-alive' : 'Connection: close'
}

const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`

/** The workshop's headline: one row per session design, same load and chaos. */
export function comparisonTable(summaries: readonly Summary[], latency: Latency = asMeasured): Cells {
  return {
    head: ['mode + policy', 'dialogues', 'completed', 'context_lost', 'failed', 'lost %', 'ledger lost', 'doubled', 'charged_unconfirmed', 'completed/s', 'p50 ms', 'p99 ms'],
    rows: summaries.map((s) => {
      const r = s.reconcile
      return [
        s.label,
        s.dialogues.total,
        s.dialogues.completed,
        s.dialogues.context_lost,
        s.dialogues.failed,
        percent(s.lossRate),
        r ? r.lost : 'n/a',
        r ? r.doubled : 'n/a',
        r ? r.charged_unconfirmed : 'n/a',
        s.dialoguesPerSec,
        latency(s.dialogueLatencyMs.p50),
        latency(s.dialogueLatencyMs.p99),
      ]
    }),
  }
}

/** how the run's dialogues ended, and how fast */
export function outcomesTable(s: Summary): Cells {
  const d = s.dialogues
  return {
    head: ['dialogues', 'completed', 'context_lost', 'failed', 'unfinished', 'lost %', 'completed/s', 'answers/s'],
    rows: [[d.total, d.completed, d.context_lost, d.failed, d.unfinished, percent(s.lossRate), s.dialoguesPerSec, s.answersPerSec]],
  }
}

/** per step and for whole completed dialogues */
export function latencyTable(s: Summary, latency: Latency = asMeasured): Cells {
  const stats = [...STEPS.map((step) => [step, s.latencyMs[step]] as const), ['whole dialogue', s.dialogueLatencyMs] as const]
  return {
    head: ['latency (ms)', 'answers', 'p50', 'p90', 'p99', 'max'],
    rows: stats.map(([name, l]) => [name, l.count, latency(l.p50), latency(l.p90), latency(l.p99), latency(l.max)]),
  }
}

/** the step at which unhappy dialogues ended */
export function endedAtTable(s: Summary): Cells {
  return {
    head: ['ended at', ...STEPS],
    rows: (['context_lost', 'failed'] as const).map((outcome) => [outcome, ...STEPS.map((step) => s.endedAt[outcome][step])]),
  }
}

/** how the dialogues ended, per clerk that answered their ask */
export function byClerkTable(s: Summary): Cells {
  return {
    head: ['ask answered by', 'dialogues', 'completed', 'context_lost', 'failed', 'unfinished'],
    rows: Object.entries(s.byClerk)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([clerk, c]) => [clerk, c.dialogues, c.completed, c.context_lost, c.failed, c.unfinished]),
  }
}

/** the run changed who serves: a clerk was added, removed or the Deployment scaled */
export function membershipChanged(s: Summary): boolean {
  return s.chaos.some((c) => c.ok && ['add', 'remove', 'scale'].includes(c.verb))
}

/**
 * When each clerk got its first customer and how many of its dialogues began on another clerk: a
 * clerk added under stateful + sticky shows a late first customer and none begun elsewhere except
 * those handed to it (issue 16).
 */
export function clerkArrivalsTable(s: Summary): Cells {
  return {
    head: ['clerk', 'first ask at', 'dialogues', 'begun on another clerk'],
    rows: Object.entries(s.clerkArrivals)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([clerk, a]) => [clerk, a.firstAskSecond === null ? 'never' : `${a.firstAskSecond} s`, a.dialogues, a.startedElsewhere]),
  }
}

/** each chaos event: when it was fired, how long it took, how it went */
export function chaosTable(s: Summary): Cells {
  return {
    head: ['chaos', 'at', 'took', 'result'],
    rows: s.chaos.map((c) => [c.text, formatDurationMs(c.offsetMs), formatDurationMs(c.tookMs), c.ok ? 'ok' : `FAILED ${c.error ?? ''}`]),
  }
}

/** what the customers were told against what the ledger holds (a row saying why, when not checked) */
export function ledgerTable(s: Summary): Cells {
  const r = s.reconcile
  return {
    head: ['ledger', 'confirmed', 'orders', 'lost', 'doubled', 'charged_unconfirmed', 'mismatched'],
    rows: [r ? ['', r.confirmed, r.ordersInLedger, r.lost, r.doubled, r.charged_unconfirmed, r.mismatched] : ['not checked', '', '', '', '', '', s.reconcileError ?? '']],
  }
}
