/**
 * Reads the scale-out curve: up to where does completed dialogues/s follow the number of clerks,
 * and what stops it there — the clerks themselves, the proxy (one process, so at most one core),
 * or the machine's CPU (everything, the load generator included, shares the same cores). Pure.
 *
 * @example
 *   scaleVerdict(points, 2)   // 'Dialogues/s follows the clerks up to 3 …; at 4 clerks … the machine's 2 cores are busy …'
 */
import type { ScalePoint } from './report-json.js'

/** below this share of the ideal (clerks × one clerk's capacity) the curve no longer follows */
export const FOLLOWS = 0.8
/** a process using this share of a core is saturated */
export const BUSY_CORE = 0.85

export function oneClerkCapacity(workMs: number, concurrency: number): number {
  // three answers per dialogue, each holding one of `concurrency` slots for workMs
  return Math.round((concurrency / ((3 * workMs) / 1000)) * 10) / 10
}

export function scaleVerdict(points: readonly ScalePoint[], cores: number): string {
  if (points.length === 0) return 'no measurements'
  const firstShort = points.find((p) => p.efficiency < FOLLOWS)
  if (!firstShort) {
    const last = points.at(-1) as ScalePoint
    return `Dialogues/s follows the clerks all the way to ${last.clerks} (${Math.round(last.efficiency * 100)}% of the ideal): the clerks' own capacity is the limit throughout.`
  }
  const total = Object.values(firstShort.cpu).reduce((a, b) => a + b, 0)
  const proxy = firstShort.cpu.proxy ?? 0
  const followed = points.filter((p) => p.clerks < firstShort.clerks)
  const upTo = followed.length > 0 ? `up to ${followed.at(-1)?.clerks} clerk(s)` : 'not even with one clerk'
  let why: string
  if (proxy >= BUSY_CORE) {
    why = `the proxy is the limit: it uses ${proxy} of a core (one process; PROXY_WORKERS spreads it over cores)`
  } else if (total >= BUSY_CORE * cores) {
    why = `the machine's CPU is the limit: proxy, clerks, Redis and the load generator use ${Math.round(total * 100) / 100} of its ${cores} cores (proxy ${proxy})`
  } else {
    why = `neither the proxy (${proxy} of a core) nor the CPU (${Math.round(total * 100) / 100} of ${cores} cores) is saturated: more customers may be needed to fill the clerks`
  }
  return `Dialogues/s follows the clerks ${upTo}; at ${firstShort.clerks} clerks it reaches ${Math.round(firstShort.efficiency * 100)}% of the ideal ${firstShort.completedPerSec} dialogues/s: ${why}.`
}
