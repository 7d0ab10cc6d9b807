/**
 * `npm run bench:clerk -- --items 1,5,20,50`: the cost of carrying state as the cart grows. A
 * stateless customer carries the whole cart in its token (in the buy answer, then in pay and its
 * answer); a stateful or shared one carries a session id, and shared pays a Redis round trip on
 * every step instead. Pure: rounds → one row per cart size and mode, the verdict, and the text;
 * bench-clerk.ts measures and writes the rows as JSON (the data for a chart).
 *
 * @example
 *   const rows = cartRows(rounds)                 // [{ items: 1, mode: 'stateful', bytesPerDialogue: 2900, … }, …]
 *   carryingVerdicts(rows)                         // ['1 product: stateless costs less than shared …', …]
 */
import { MODES, type Mode } from '../../services/common/vocabulary.js'
import type { RoundResult } from './clerk-rounds.js'
import { summarizeModes } from './summaries.js'

export interface CartRow {
  items: number
  mode: Mode
  /** mean bytes per completed dialogue, customer → clerk and back (headers, cookies, bodies, tokens) */
  sentPerDialogue: number
  receivedPerDialogue: number
  /** CPU of the clerk and redis-server together per completed dialogue, ms */
  cpuMsPerDialogue: number
  /** median of the rounds' p50 and p99 per answer, ms */
  p50Ms: number
  p99Ms: number
  dialoguesPerSec: number
}

/** rounds of every size → one row per (size, mode), sizes in the order measured */
export function cartRows(rounds: readonly RoundResult[]): CartRow[] {
  const sizes = [...new Set(rounds.map((r) => r.items))]
  return sizes.flatMap((items) =>
    summarizeModes(rounds.filter((r) => r.items === items)).map((m) => ({
      items,
      mode: m.mode,
      sentPerDialogue: Math.round(m.sentPerDialogue),
      receivedPerDialogue: Math.round(m.receivedPerDialogue),
      cpuMsPerDialogue: Math.round(m.cpuMsPerDialogue * 1000) / 1000,
      p50Ms: m.p50Ms,
      p99Ms: m.p99Ms,
      dialoguesPerSec: Math.round(m.dialoguesPerSec * 10) / 10,
    })),
  )
}

/**
 * Per cart size: does carrying the cart (stateless) cost more than a Redis round trip per step
 * (shared), in CPU per dialogue and in latency? One sentence each.
 */
export function carryingVerdicts(rows: readonly CartRow[]): string[] {
  const sizes = [...new Set(rows.map((r) => r.items))]
  return sizes.flatMap((items) => {
    const of = (mode: Mode) => rows.find((r) => r.items === items && r.mode === mode)
    const stateless = of('stateless')
    const shared = of('shared')
    if (!stateless || !shared) return []
    if (stateless.dialoguesPerSec === 0 || shared.dialoguesPerSec === 0) {
      return [`${items} product${items === 1 ? '' : 's'}: no comparison, ${stateless.dialoguesPerSec === 0 ? 'stateless' : 'shared'} completed no dialogue (see "not 200" above)`]
    }
    const cpu = stateless.cpuMsPerDialogue > shared.cpuMsPerDialogue ? 'more' : 'less'
    const latency = stateless.p50Ms > shared.p50Ms ? 'slower' : 'not slower'
    const bytes = stateless.sentPerDialogue + stateless.receivedPerDialogue - (shared.sentPerDialogue + shared.receivedPerDialogue)
    return [
      `${items} product${items === 1 ? '' : 's'}: carrying the cart (stateless) costs ${cpu} CPU per dialogue than a Redis round trip per step (shared), ` +
        `${stateless.cpuMsPerDialogue.toFixed(2)} against ${shared.cpuMsPerDialogue.toFixed(2)} ms, and is ${latency} at p50 ` +
        `(${stateless.p50Ms.toFixed(1)} against ${shared.p50Ms.toFixed(1)} ms), for ${bytes >= 0 ? `${bytes} more` : `${-bytes} fewer`} bytes per dialogue`,
    ]
  })
}

/** the rows as an aligned table: size, mode, bytes, CPU, latency */
export function renderCartTable(rows: readonly CartRow[]): string {
  const header = ['items', 'mode', 'B sent/dialogue', 'B received/dialogue', 'CPU ms/dialogue', 'p50 ms', 'p99 ms', 'dialogues/s']
  const lines = rows.map((r) => [
    String(r.items),
    r.mode,
    String(r.sentPerDialogue),
    String(r.receivedPerDialogue),
    r.cpuMsPerDialogue.toFixed(2),
    r.p50Ms.toFixed(1),
    r.p99Ms.toFixed(1),
    r.dialoguesPerSec.toFixed(0),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)))
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')
  return ['The cost of carrying state, per cart size (clerk + redis CPU; bytes as the customer’s socket counted them)', fmt(header), ...lines.map(fmt)].join('\n')
}

/** the JSON of a sweep: what was run, on what, and one row per size and mode (a chart's data) */
export function cartSweepReport(rows: readonly CartRow[], options: { connections: number; rounds: number; durationSeconds: number }, loadavg: readonly number[]) {
  return {
    kind: 'bench-clerk-cart',
    version: 1,
    generatedAt: new Date().toISOString(),
    options,
    machine: { loadavg: loadavg.map((n) => Math.round(n * 100) / 100) },
    modes: MODES,
    rows,
    verdicts: carryingVerdicts(rows),
  }
}
