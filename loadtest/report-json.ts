/**
 * The JSON report: every run's summary plus, where measured, the keep-alive comparison and the
 * scale-out curve. Field by field in docs/loadtest.md; `version` changes when a field changes
 * meaning.
 *
 * @example
 *   writeJsonReport('report.json', buildReport('matrix', summaries, { keepAlive }))
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname } from 'node:path'
import type { Summary } from './summarize.js'
import type { TimeWaitCount } from './tcp-states.js'

export interface KeepAliveRow {
  keepAlive: boolean
  /** index of this run in `runs` */
  run: number
  completedPerSec: number
  answersPerSec: number
  /** per answer, all steps together, ms */
  answerP50: number
  answerP99: number
  timeWaitBefore: TimeWaitCount | undefined
  timeWaitAfter: TimeWaitCount | undefined
}

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

export interface LoadtestReport {
  kind: 'loadtest' | 'matrix' | 'scale'
  version: 1
  generatedAt: string
  command: string[]
  machine: { cores: number; node: string; platform: string; loadavg: number[] }
  runs: Summary[]
  keepAlive?: KeepAliveRow[] | undefined
  scale?: ScaleReport | undefined
}

export function buildReport(
  kind: LoadtestReport['kind'],
  runs: Summary[],
  extra: { keepAlive?: KeepAliveRow[] | undefined; scale?: ScaleReport | undefined } = {},
): LoadtestReport {
  return {
    kind,
    version: 1,
    generatedAt: new Date().toISOString(),
    command: process.argv.slice(2),
    machine: {
      cores: cpus().length,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      loadavg: loadavg().map((n) => Math.round(n * 100) / 100),
    },
    runs,
    ...(extra.keepAlive ? { keepAlive: extra.keepAlive } : {}),
    ...(extra.scale ? { scale: extra.scale } : {}),
  }
}

export function writeJsonReport(file: string, report: LoadtestReport): void {
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n')
}
