/**
 * bench:proxy's second table: each target's CPU per request split into user time (its own code:
 * parsing, JavaScript) and system time (the kernel on its behalf: sockets, writes, epoll), and
 * the capacity line: how many clerks of a given cost one core of that proxy can front before the
 * proxy, not the clerks, is the limit (a clerk spending C µs of CPU per request and a proxy P µs:
 * one proxy core feeds C / P clerks, each on a core of its own).
 *
 * @example
 *   const split = new CpuSplit(clerkPids)
 *   const mark = split.before(target)
 *   const slice = await measureSlice(target, …)
 *   split.after(target, mark, slice.requests)
 *   process.stdout.write(renderCpuSplit(split.rows(), clerkCostMicros))
 */
import { readTreeCpuTimes } from '../analyze/proc-cpu.js'
import type { BenchTarget } from './bench-processes.js'

interface Mark {
  user: number
  system: number
  clerks: number
}

export interface CpuSplitRow {
  key: string
  name: string
  requests: number
  /** µs per request; undefined for a target with no process of its own (direct) */
  userMicros: number | undefined
  systemMicros: number | undefined
  /** CPU the clerks spent per request while this target was measured, µs */
  clerkMicros: number
}

export class CpuSplit {
  private readonly sums = new Map<string, { name: string; requests: number; user: number; system: number; clerks: number; own: boolean }>()

  constructor(private readonly clerkPids: readonly number[]) {}

  private clerkSeconds(): number {
    let total = 0
    for (const pid of this.clerkPids) {
      const { user, system } = readTreeCpuTimes(pid)
      total += user + system
    }
    return total
  }

  before(target: BenchTarget): Mark {
    const own = target.pid === undefined ? { user: 0, system: 0 } : readTreeCpuTimes(target.pid)
    return { ...own, clerks: this.clerkSeconds() }
  }

  after(target: BenchTarget, mark: Mark, requests: number): void {
    const own = target.pid === undefined ? { user: 0, system: 0 } : readTreeCpuTimes(target.pid)
    const sum = this.sums.get(target.key) ?? { name: target.name, requests: 0, user: 0, system: 0, clerks: 0, own: target.pid !== undefined }
    sum.requests += requests
    sum.user += own.user - mark.user
    sum.system += own.system - mark.system
    sum.clerks += this.clerkSeconds() - mark.clerks
    this.sums.set(target.key, sum)
  }

  rows(): CpuSplitRow[] {
    return [...this.sums].map(([key, s]) => {
      const per = (seconds: number) => (s.requests === 0 ? 0 : (seconds / s.requests) * 1e6)
      return { key, name: s.name, requests: s.requests, userMicros: s.own ? per(s.user) : undefined, systemMicros: s.own ? per(s.system) : undefined, clerkMicros: per(s.clerks) }
    })
  }
}

/** the clerk cost the capacity line uses: the one given, else what the clerks spent when reached directly */
export function clerkCost(rows: readonly CpuSplitRow[], given: number | undefined): { micros: number; source: string } | undefined {
  if (given !== undefined) return { micros: given, source: 'given with --clerk-cost' }
  const direct = rows.find((r) => r.key === 'direct')
  if (direct !== undefined && direct.requests > 0) return { micros: direct.clerkMicros, source: 'measured on the direct target' }
  const all = rows.filter((r) => r.requests > 0)
  if (all.length === 0) return undefined
  const sorted = all.map((r) => r.clerkMicros).sort((a, b) => a - b)
  return { micros: sorted[Math.floor(sorted.length / 2)] as number, source: 'the median over all targets' }
}

export function renderCpuSplit(rows: readonly CpuSplitRow[], cost: { micros: number; source: string } | undefined): string {
  const f = (n: number | undefined, digits = 1) => (n === undefined ? '-' : n.toFixed(digits))
  const header = ['target', 'user µs/req', 'system µs/req', 'clerk µs/req', 'clerks per proxy core']
  const lines = rows.map((r) => {
    const proxy = r.userMicros === undefined || r.systemMicros === undefined ? undefined : r.userMicros + r.systemMicros
    return [r.name, f(r.userMicros), f(r.systemMicros), f(r.clerkMicros), proxy === undefined || cost === undefined || proxy === 0 ? '-' : f(cost.micros / proxy)]
  })
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)))
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')
  const capacity =
    cost === undefined
      ? 'capacity: no clerk cost (give --clerk-cost µs)'
      : `capacity: a clerk spending ${cost.micros.toFixed(0)} µs of CPU per request (${cost.source}); one proxy core fronts as many clerks as the last column says, each clerk on its own core`
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt), capacity].join('\n')
}
