/**
 * The scale-out curve of `npm run loadtest:scale`: one point per clerk count (completed
 * dialogues/s, CPU per process, how close to linear), and the verdict that reads it: up to where
 * does completed dialogues/s follow the number of clerks, and what stops it there — the proxy (one
 * process, so at most one core), or the machine's CPU (every process shares the same cores: ours,
 * the load generator, and whatever else runs). Pure.
 *
 * @example
 *   scaleVerdict(points, 2)   // 'Dialogues/s follows the clerks up to 3 clerks …; at 4 … the machine's CPU is the limit …'
 */
import type { Summary } from './summarize.js'

export interface ScalePoint {
  clerks: number
  /** index of this run in `runs` */
  run: number
  completedPerSec: number
  answersPerSec: number
  dialogueP50: number
  dialogueP99: number
  /** CPU used during the run as a share of one core, per process (proxy, clerk-a…, redis, loadgen) */
  cpu: Record<string, number>
  /** cores kept busy machine-wide during the run (every process, other users' too) */
  machineBusyCores: number | undefined
  /** completedPerSec / (clerks × one clerk's nominal capacity) */
  efficiency: number
  /** completedPerSec / (clerks × what the smallest cluster measured per clerk): how well it scales */
  scaling: number
}

export interface ScaleReport {
  workMs: number
  concurrency: number
  customers: number
  /** dialogues/s one clerk can complete at most: concurrency / (3 answers × workMs) */
  oneClerkCapacity: number
  machineCores: number
  points: ScalePoint[]
  /** a sentence: where the curve stops following the clerks */
  verdict: string
}

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

/**
 * The point of one clerk count: its run's summary and the CPU read around the run; `first` is the
 * curve's first point (undefined: this is it), which `scaling` compares with.
 */
export function scalePoint(
  measured: { clerks: number; run: number; summary: Summary; cpu: Record<string, number>; machineBusyCores: number | undefined },
  capacity: number,
  first: ScalePoint | undefined,
): ScalePoint {
  const { clerks, summary } = measured
  const base = first ?? { clerks, completedPerSec: summary.dialoguesPerSec }
  return {
    clerks,
    run: measured.run,
    completedPerSec: summary.dialoguesPerSec,
    answersPerSec: summary.answersPerSec,
    dialogueP50: summary.dialogueLatencyMs.p50,
    dialogueP99: summary.dialogueLatencyMs.p99,
    cpu: measured.cpu,
    machineBusyCores: measured.machineBusyCores,
    efficiency: Math.round((summary.dialoguesPerSec / (clerks * capacity)) * 100) / 100,
    scaling: scalingOf({ clerks, completedPerSec: summary.dialoguesPerSec }, base),
  }
}

/** the whole curve with its verdict, as the JSON report carries it */
export function scaleReport(settings: { workMs: number; concurrency: number; customers: number }, machineCores: number, points: ScalePoint[]): ScaleReport {
  return {
    workMs: settings.workMs,
    concurrency: settings.concurrency,
    customers: settings.customers,
    oneClerkCapacity: oneClerkCapacity(settings.workMs, settings.concurrency),
    machineCores,
    points,
    verdict: scaleVerdict(points, machineCores),
  }
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
