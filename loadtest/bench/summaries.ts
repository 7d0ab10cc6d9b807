/**
 * What the benchmarks' measurements add up to, pure: bench:clerk's rounds → one row per mode with
 * ratios to stateless and stateful and the issue's targets; bench:proxy's slices → one row per
 * target with CPU per request and ratios to HAProxy. bench/tables.ts prints them.
 *
 * @example
 *   summarizeModes(rounds).find((r) => r.mode === 'shared')?.vsStateful   // 0.85
 *   summarizeTargets(opened.map((t) => combineSlices(t.name, slices.get(t.key) ?? [])))
 */
import { MODES, type Mode } from '../../services/common/vocabulary.js'
import type { RoundResult } from './clerk-rounds.js'
import type { LoadResult } from './load-generators.js'

// bench:clerk

export interface ModeSummary {
  mode: Mode
  requestsPerSec: number
  dialoguesPerSec: number
  p50Ms: number
  p99Ms: number
  non2xx: number
  errors: number
  /** CPU the clerk spent per request, µs */
  clerkCpuMicros: number
  /** CPU redis-server spent per request, µs */
  redisCpuMicros: number
  /** mean bytes on the wire per completed dialogue, customer → clerk and back */
  sentPerDialogue: number
  receivedPerDialogue: number
  /** CPU the clerk and redis-server spent together per completed dialogue, ms */
  cpuMsPerDialogue: number
  vsStateless: number
  vsStateful: number
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

/** rounds → one row per mode (throughput over all rounds, median latencies, ratios) */
export function summarizeModes(rounds: readonly RoundResult[]): ModeSummary[] {
  const base = MODES.map((mode) => {
    const mine = rounds.filter((r) => r.mode === mode)
    const seconds = mine.reduce((sum, r) => sum + r.seconds, 0)
    const requests = mine.reduce((sum, r) => sum + r.requests, 0)
    const perRequest = (cpu: number) => (requests === 0 ? 0 : (cpu / requests) * 1e6)
    const dialogues = mine.reduce((sum, r) => sum + r.dialogues, 0)
    const perDialogue = (n: number) => (dialogues === 0 ? 0 : n / dialogues)
    return {
      mode,
      requestsPerSec: seconds === 0 ? 0 : mine.reduce((sum, r) => sum + r.requests, 0) / seconds,
      dialoguesPerSec: seconds === 0 ? 0 : mine.reduce((sum, r) => sum + r.dialogues, 0) / seconds,
      p50Ms: median(mine.map((r) => r.p50Ms)),
      p99Ms: median(mine.map((r) => r.p99Ms)),
      non2xx: mine.reduce((sum, r) => sum + r.non2xx, 0),
      errors: mine.reduce((sum, r) => sum + r.errors, 0),
      clerkCpuMicros: perRequest(mine.reduce((sum, r) => sum + r.clerkCpu, 0)),
      redisCpuMicros: perRequest(mine.reduce((sum, r) => sum + r.redisCpu, 0)),
      sentPerDialogue: perDialogue(mine.reduce((sum, r) => sum + r.wire.sent, 0)),
      receivedPerDialogue: perDialogue(mine.reduce((sum, r) => sum + r.wire.received, 0)),
      cpuMsPerDialogue: perDialogue(mine.reduce((sum, r) => sum + r.clerkCpu + r.redisCpu, 0)) * 1000,
    }
  })
  const rate = (mode: Mode) => base.find((b) => b.mode === mode)?.requestsPerSec ?? 0
  const ratio = (x: number, y: number) => (y === 0 ? 0 : x / y)
  return base.map((b) => ({
    ...b,
    vsStateless: ratio(b.requestsPerSec, rate('stateless')),
    vsStateful: ratio(b.requestsPerSec, rate('stateful')),
  }))
}

/** the targets: shared ≥ 0.8× stateful, stateless ≥ 0.9× stateful */
export function targets(rows: readonly ModeSummary[]): Array<{ what: string; ratio: number; goal: number; met: boolean }> {
  const of = (mode: Mode) => rows.find((r) => r.mode === mode)?.vsStateful ?? 0
  return [
    { what: 'shared / stateful', ratio: of('shared'), goal: 0.8, met: of('shared') >= 0.8 },
    { what: 'stateless / stateful', ratio: of('stateless'), goal: 0.9, met: of('stateless') >= 0.9 },
  ]
}

/** every answer other than 200, summed per mode over the rounds */
export function failuresByMode(rounds: readonly RoundResult[]): string[] {
  const lines: string[] = []
  for (const mode of MODES) {
    const sums: Record<string, number> = {}
    for (const r of rounds.filter((x) => x.mode === mode)) {
      for (const [key, n] of Object.entries(r.failures)) sums[key] = (sums[key] ?? 0) + n
    }
    const parts = Object.entries(sums).map(([key, n]) => `${n}× ${key}`)
    if (parts.length > 0) lines.push(`${mode}: ${parts.join(', ')}`)
  }
  return lines
}

// bench:proxy

/** One slice of one target: what the load generator saw and the CPU its processes spent. */
export interface Slice extends LoadResult {
  /** CPU seconds of the target's processes (undefined for direct: nothing in between) */
  cpuSeconds: number | undefined
}

/**
 * A target's slices → its measurement. Throughput is all requests over all slices' time;
 * p50/p99 are the slices' percentiles weighted by their requests (an approximation: the
 * generators report percentiles, not every latency).
 */
export function combineSlices(name: string, slices: readonly Slice[]): Measurement {
  let requests = 0
  let seconds = 0
  let p50 = 0
  let p99 = 0
  let errors = 0
  let non2xx = 0
  let cpu: number | undefined
  for (const s of slices) {
    requests += s.requests
    if (s.requestsPerSec > 0) seconds += s.requests / s.requestsPerSec
    p50 += s.p50Ms * s.requests
    p99 += s.p99Ms * s.requests
    errors += s.errors
    non2xx += s.non2xx
    if (s.cpuSeconds !== undefined) cpu = (cpu ?? 0) + s.cpuSeconds
  }
  return {
    name,
    requestsPerSec: seconds > 0 ? requests / seconds : 0,
    p50Ms: requests > 0 ? p50 / requests : 0,
    p99Ms: requests > 0 ? p99 / requests : 0,
    errors,
    non2xx,
    requests,
    cpuSeconds: cpu,
  }
}

/** the order of the targets in slice `i`: each slice starts one target later */
export function sliceOrder<T>(targets: readonly T[], i: number): T[] {
  const k = targets.length === 0 ? 0 : i % targets.length
  return [...targets.slice(k), ...targets.slice(0, k)]
}

/** a target's slices added up */
export interface Measurement extends Slice {
  name: string
}

export interface Row extends Measurement {
  cpuMicrosPerRequest: number | undefined
  throughputVsHaproxy: number | undefined
  cpuVsHaproxy: number | undefined
}

/** measurements → rows with per-request CPU and ratios to HAProxy */
export function summarizeTargets(measurements: readonly Measurement[]): Row[] {
  const perRequest = (m: Measurement) => (m.cpuSeconds === undefined || m.requests === 0 ? undefined : (m.cpuSeconds / m.requests) * 1e6)
  const haproxy = measurements.find((m) => m.name === 'haproxy')
  const haCpu = haproxy ? perRequest(haproxy) : undefined
  return measurements.map((m) => {
    const cpu = perRequest(m)
    return {
      ...m,
      cpuMicrosPerRequest: cpu,
      throughputVsHaproxy: haproxy && haproxy.requestsPerSec > 0 ? m.requestsPerSec / haproxy.requestsPerSec : undefined,
      cpuVsHaproxy: cpu !== undefined && haCpu ? cpu / haCpu : undefined,
    }
  })
}
