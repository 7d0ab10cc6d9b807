/**
 * Reads the scale-out curve: up to where does completed dialogues/s follow the number of clerks,
 * and what stops it there — the proxy (one process, so at most one core), or the machine's CPU
 * (every process shares the same cores: ours, the load generator, and whatever else runs). Pure.
 *
 * @example
 *   scaleVerdict(points, 2)   // 'Dialogues/s follows the clerks up to 3 clerks …; at 4 … the machine's CPU is the limit …'
 */
import type { ScalePoint } from './report-json.js'

/** below this share of linear scaling the curve no longer follows the clerks */
export const FOLLOWS = 0.8
/** a process (or the machine, per core) this busy is saturated */
export const BUSY_CORE = 0.85

export function oneClerkCapacity(workMs: number, concurrency: number): number {
  // three answers per dialogue, each holding one of `concurrency` slots for workMs
  return Math.round((concurrency / ((3 * workMs) / 1000)) * 10) / 10
}

/** completedPerSec / (clerks × what the first (smallest) point measured per clerk) */
export function scalingOf(point: Pick<ScalePoint, 'clerks' | 'completedPerSec'>, base: Pick<ScalePoint, 'clerks' | 'completedPerSec'>): number {
  if (base.completedPerSec <= 0) return 0
  return Math.round((point.completedPerSec / ((point.clerks / base.clerks) * base.completedPerSec)) * 100) / 100
}

const plural = (n: number) => `${n} clerk${n === 1 ? '' : 's'}`

export function scaleVerdict(points: readonly ScalePoint[], cores: number): string {
  const base = points[0]
  if (!base) return 'no measurements'
  const nominal = `one clerk completes ${base.completedPerSec} dialogues/s (${Math.round(base.efficiency * 100)}% of its nominal capacity; the rest is the proxy hop and timer slack)`
  const firstShort = points.find((p) => p.scaling < FOLLOWS)
  if (!firstShort) {
    const last = points.at(-1) as ScalePoint
    return `Dialogues/s follows the clerks all the way to ${plural(last.clerks)} (${Math.round(last.scaling * 100)}% of linear); ${nominal}. Neither the proxy nor the CPU is the limit yet.`
  }
  const proxy = firstShort.cpu.proxy ?? 0
  const ours = Math.round(Object.values(firstShort.cpu).reduce((a, b) => a + b, 0) * 100) / 100
  const machine = firstShort.machineBusyCores
  let why: string
  if (proxy >= BUSY_CORE) {
    why = `the proxy is the limit: it keeps ${proxy} of a core busy (one process; PROXY_WORKERS spreads it over cores)`
  } else if (machine !== undefined && machine >= BUSY_CORE * cores) {
    why = `the machine's CPU is the limit: ${machine} of its ${cores} cores were busy (proxy, clerks, Redis and load generator ${ours} of them, other processes the rest)`
  } else if (ours >= BUSY_CORE * cores) {
    why = `the machine's CPU is the limit: proxy, clerks, Redis and the load generator keep ${ours} of its ${cores} cores busy`
  } else {
    why = `neither the proxy (${proxy} of a core) nor the CPU (${machine ?? ours} of ${cores} cores busy) is saturated: more customers may be needed to fill the clerks`
  }
  const followed = points.filter((p) => p.clerks < firstShort.clerks)
  const upTo = followed.length > 0 ? `up to ${plural(followed.at(-1)?.clerks ?? 1)}` : 'from the start'
  return `Dialogues/s follows the clerks ${upTo}; at ${plural(firstShort.clerks)} it reaches ${Math.round(firstShort.scaling * 100)}% of linear (${firstShort.completedPerSec} dialogues/s): ${why}. ${nominal[0]?.toUpperCase()}${nominal.slice(1)}.`
}
