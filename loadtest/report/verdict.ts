/**
 * A run's verdict in one sentence, the same in the terminal, the HTML report and the dashboard's
 * verdict card: how many dialogues were lost and to what, then what the ledger says when it is
 * wrong. The tone colours it (good: nothing lost, ledger clean; bad: a tenth or more lost, or the
 * ledger lost or doubled an order; warn: in between).
 *
 * @example
 *   runVerdict(summary).headline
 *   // 'stateful + round-robin: 89 % of dialogues lost (context_lost)'
 */
import type { Summary } from '../analyze/summarize.js'

export type VerdictTone = 'good' | 'warn' | 'bad'

export interface Verdict {
  headline: string
  tone: VerdictTone
  /** (context_lost + no_session + failed) / ended dialogues, 0..1 */
  lossRate: number
  /** what most of the losses were: `context_lost`, or `failed` with its commonest reason */
  cause: string | undefined
}

const BAD_LOSS = 0.1 // a tenth of the dialogues lost is a failed design, not a blip

/** `0.891` → `89 %`; a loss under 1 % keeps one decimal so it never reads as 0 % */
export function percentText(ratio: number): string {
  const p = ratio * 100
  return `${p > 0 && p < 1 ? p.toFixed(1) : Math.round(p)} %`
}

function commonestReason(reasons: Readonly<Record<string, number>>): string | undefined {
  return Object.entries(reasons).sort(([, a], [, b]) => b - a)[0]?.[0]
}

export function runVerdict(s: Summary): Verdict {
  const { completed, context_lost, no_session, failed } = s.dialogues
  const ended = completed + context_lost + no_session + failed
  const ledger = s.reconcile
  const ledgerWrong = ledger !== undefined && (ledger.lost > 0 || ledger.doubled > 0)
  const ledgerText = ledgerWrong ? `; ledger: ${ledger.lost} lost, ${ledger.doubled} doubled` : ''
  if (ended === 0) {
    return { headline: `${s.label}: no dialogue ended`, tone: 'bad', lossRate: 0, cause: undefined }
  }
  if (context_lost + no_session + failed === 0) {
    return { headline: `${s.label}: all ${completed} dialogues completed${ledgerText}`, tone: ledgerWrong ? 'bad' : 'good', lossRate: 0, cause: undefined }
  }
  const reason = commonestReason(s.failedReasons)
  // the commonest kind of loss names the cause (no_session: the customers refused the cookie)
  const largest = Math.max(context_lost, no_session, failed)
  const cause = largest === context_lost ? 'context_lost' : largest === no_session ? 'no_session' : `failed${reason ? `: ${reason}` : ''}`
  const tone: VerdictTone = ledgerWrong || s.lossRate >= BAD_LOSS ? 'bad' : 'warn'
  return { headline: `${s.label}: ${percentText(s.lossRate)} of dialogues lost (${cause})${ledgerText}`, tone, lossRate: s.lossRate, cause }
}
